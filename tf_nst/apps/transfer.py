"""``tf-nst transfer``: stylize photos in milliseconds with a trained transform network.

Examples:
  tf-nst transfer --model=starry_night --input=photo.jpg --output=out.jpg
  tf-nst transfer --model=models/my_style --input=photos/ --output=stylized/   # a whole folder
  tf-nst transfer --model=starry_night --input=photo.jpg --output=out.jpg \
      --mask=deeplabv3:person --region=background     # rapid local: keep the people, restyle the rest
Bundled models: see tf_nst.transfer.bundled_models(); --model also takes a tf-nst train folder.
"""
from __future__ import annotations

import time
from pathlib import Path

from absl import flags
from PIL import Image

from tf_nst import images
from tf_nst.apps import common
from tf_nst.errors import UserError

flags.DEFINE_string("model", "starry_night", "Bundled style name, tf-nst train folder or .npz file.")
flags.DEFINE_string("input", None, "Image file or folder of images.", required=True)
flags.DEFINE_string("output", None, "Output image file, or folder when --input is a folder.", required=True)
flags.DEFINE_enum("precision", "auto", ["auto", "float32", "mixed_bfloat16"],
                  "auto = bf16 on CPUs with AMX/AVX512-BF16, else float32.")
flags.DEFINE_integer("batch_size", 4, "Images of equal size stylized together.", lower_bound=1)
common.define_mask_flags()
common.define_weights_flag()
FLAGS = flags.FLAGS


def _folder_pairs(source: Path, target: Path) -> list[tuple[Path, Path]]:
    if target.exists() and not target.is_dir():
        raise UserError(f"--input is a folder, so --output must be a folder too: {target}")
    if target.resolve() == source.resolve():
        raise UserError("--output folder is the --input folder; refusing to overwrite the inputs")
    writable = Image.registered_extensions()
    pairs = []
    for path in sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith(".")):
        name = path.name if path.suffix.lower() in writable else f"{path.stem}.png"
        pairs.append((path, target / name))
    if not pairs:
        raise UserError(f"no files in input folder {source}")
    return pairs


def main(argv: list[str]) -> int:
    spec, options = common.mask_request()
    source, target = Path(FLAGS.input), Path(FLAGS.output)
    if not source.exists():
        raise UserError(f"input not found: {source}")
    if source.is_dir():
        pairs = _folder_pairs(source, target)
    else:
        pairs = [(source, images.check_output_path(target, [source, spec and spec.path]))]
        images.load_image(source, "input")  # a single bad input is an error, not a skip
    common.start_tensorflow()
    from tf_nst.transfer import load_model, transfer_files

    model = load_model(FLAGS.model, FLAGS.precision)
    mask_fn = None
    if spec is not None:
        from tf_nst import masks

        def mask_fn(image):
            return masks.make_mask(image, spec, options, FLAGS.weights_dir)
    start = time.perf_counter()
    written, skipped = transfer_files(model, pairs, FLAGS.batch_size, mask_fn=mask_fn)
    seconds = time.perf_counter() - start
    where = written[0] if len(pairs) == 1 else target
    local = f", {options.region} of {FLAGS.mask}" if spec is not None else ""
    print(f"wrote {len(written)} image(s) to {where} with {model.name} ({model.precision}{local}) in {seconds:.2f}s"
          + (f"; skipped {len(skipped)} unreadable file(s)" if skipped else ""), flush=True)
    return common.EXIT_FAILED if not written else 0


def run(argv: list[str]) -> None:
    common.run("transfer", main, argv)
