"""The documentation: a short README, and every public function of the API pages with a docstring
(``mkdocs build --strict`` itself runs in ``.ci/run``)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_weights  # reads source only

REPO = Path(__file__).resolve().parent.parent


def api_modules() -> list[str]:
    return re.findall(r"^::: ([\w.]+)$", (REPO / "docs" / "reference" / "api.md").read_text(), re.M)


def undocumented(module: str) -> list[str]:
    """Public functions, classes and methods of ``module`` (read from its source) without a docstring."""
    path = REPO / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    missing = []
    for node in ast.parse(path.read_text()).body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or node.name.startswith("_"):
            continue
        if ast.get_docstring(node) is None:
            missing.append(f"{module}.{node.name}")
        if isinstance(node, ast.ClassDef):
            missing += [f"{module}.{node.name}.{item.name}" for item in node.body
                        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
                        and ast.get_docstring(item) is None]
    return missing


def test_every_public_function_of_the_api_pages_has_a_docstring():
    modules = api_modules()
    assert len(modules) >= 10, modules
    missing = [name for module in modules for name in undocumented(module)]
    assert not missing, f"{len(missing)} without a docstring: {', '.join(missing)}"


def test_the_readme_is_short_and_its_test_command_is_the_ci_script():
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) <= 200, len(lines)
    assert any(line.strip().startswith("bash .ci/run") for line in lines[:15])
