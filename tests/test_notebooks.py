"""Notebooks execute end to end at tiny settings (parameters cell overridden)."""
import os

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO

pytestmark = pytest.mark.slow  # every notebook starts a kernel and TensorFlow


def execute(name: str, parameters: str, tmp_path) -> nbformat.NotebookNode:
    notebook = nbformat.read(REPO / "notebooks" / name, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = parameters
    os.environ["PYTHONPATH"] = str(REPO)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    return notebook


def test_quickstart_notebook(tmp_path):
    notebook = execute("quickstart.ipynb", "STEPS = 3\nIMAGE_SIZE = 64\nPRECISION = 'float32'", tmp_path)
    from PIL import Image
    assert max(Image.open(tmp_path / "stylized.png").size) == 64
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for o in outputs)
    assert any("gram_distance" in str(o.get("data", {}).get("text/plain", "")) for o in outputs)


def test_global_local_mrf_notebook(tmp_path):
    notebook = execute("global_local_mrf.ipynb", "IMAGE_SIZE = 96\n"
                       "STEPS = 4\nPRECISION = 'auto'\nSCALES = (1.0,)", tmp_path)
    text = "".join(str(o.get("text", "")) for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))
    for label in ("global (Gram)", "local (MRF)", "fused", "a2=0.01", "a2=1e-06"):
        assert label in text, text
    assert (tmp_path / "guided.png").exists()


def test_fast_style_notebook(tmp_path):
    data = REPO.parent / "shared" / "data" / "train" / "bsds500_val"
    notebook = execute("fast_style.ipynb", f"DATA_DIR = {str(data)!r}\nSTYLE = None\nSTEPS = 8\nIMAGE_SIZE = 64\n"
                       "WIDTH = 0.25\nPRECISION = 'auto'", tmp_path)
    text = "".join(str(o.get("text", "")) for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "8 steps" in text and "serving_default" in text and "stylize_encoded" in text
    assert "PNG bytes signature: (" in text
    assert (tmp_path / "serving" / "my_style" / "1" / "saved_model.pb").exists()


def test_local_style_notebook(tmp_path):
    photo = REPO.parent / "shared" / "data" / "people" / "images" / "000000000036.jpg"
    style = REPO.parent / "shared" / "data" / "styles" / "the_scream.jpg"
    notebook = execute("local_style.ipynb", f"PHOTO = {str(photo)!r}\nMASK = 'deeplabv3:person'\nSTYLE = None\n"
                       f"BACKGROUND_STYLE = {str(style)!r}\nMODEL = 'starry_night'\nIMAGE_SIZE = 64\nSTEPS = 3\n"
                       "PRECISION = 'auto'", tmp_path)
    text = "".join(str(o.get("text", "")) for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))
    for label in ("deeplabv3:person:", "composite:", "guided:", "rapid local:"):
        assert label in text, text
    kept = float(text.split("mean |change| on the person pixels ")[1].split()[0])
    assert kept == 0.0  # where the mask is 0 the photo's pixels are kept exactly


def test_arbitrary_style_notebook(tmp_path):
    photo = REPO.parent / "shared" / "data" / "people" / "images" / "000000000036.jpg"
    notebook = execute("arbitrary_style.ipynb", f"PHOTO = None\nPEOPLE_PHOTO = {str(photo)!r}\nSTYLE = None\n"
                       "SECOND_STYLE = None\nSIZE = 96\nSTYLE_SIZE = 96\nSTRENGTHS = (0.0, 1.0)\nTRANSFORM = 'wct'",
                       tmp_path)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    text = "".join(str(o.get("text", "")) for o in outputs)
    assert sum(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for o in outputs) == 3
    changes = {line.split(" mean")[0]: float(line.split()[-1]) for line in text.splitlines() if "from photo" in line}
    assert set(changes) == {"blend (1.0, 0.0)", "blend (0.5, 0.5)", "blend (0.0, 1.0)", "photo colours"}, text
    assert min(changes.values()) > 5  # each is a stylization, not the photo
    kept = float(text.split("person pixels: mean |change| ")[1].split()[0])
    assert kept == 0.0
