"""``tf-nst transfer``: stylize photos in milliseconds with a trained network, or with any painting.

Examples:
  tf-nst transfer --model=starry_night --input=photo.jpg --output=out.jpg
  tf-nst transfer --model=models/my_style --input=photos/ --output=stylized/   # a whole folder
  tf-nst transfer --style=painting.jpg --input=photo.jpg --output=out.jpg --strength=0.8   # any painting
  tf-nst transfer --style=a.jpg --style=b.jpg --style_weights=0.7,0.3 --input=photos/ --output=out/
  tf-nst transfer --model=starry_night --input=photo.jpg --output=out.jpg \\
      --mask=deeplabv3:person --region=background     # rapid local: keep the people, restyle the rest
  tf-nst transfer --list_models                       # every bundled and found model
  tf-nst transfer --model=wave --input=clip.mp4 --output=out.mp4   # video: stabilized, audio kept
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from absl import flags

from tf_nst.media import images
from tf_nst.cli import common
from tf_nst.core.errors import UserError
from tf_nst.networks import store as model_files

flags.DEFINE_string("model", "starry_night", "Bundled model name, tf-nst train folder or .npz file "
                    "(with --style the default is the bundled universal model).")
flags.DEFINE_string("input", None, "Image file or folder of images.")
flags.DEFINE_string("output", None, "Output image file, or folder when --input is a folder.")
flags.DEFINE_multi_string("style", [], "Any painting as the style (universal model); repeat to blend.")
flags.DEFINE_string("style_weights", None, "Comma-separated blend weights, one per --style.")
flags.DEFINE_string("background_style", None, "With --mask: the style of the unselected region (universal).")
flags.DEFINE_float("strength", 1.0, "0 = the photo, 1 = fully stylized.")
flags.DEFINE_enum("preserve_color", "none", ["none", "luminance", "histogram"],
                  "Keep the photo's colours: luminance transfer, or colour-statistics matching; "
                  "--preserve_color alone means luminance (neural-style's -original_colors 1).")
flags.DEFINE_integer("max_size", None, "Shrink inputs whose long side is larger than this (pixels).")
flags.DEFINE_integer("style_size", 512, "Long side of the style image in pixels (stroke scale, universal).")
flags.DEFINE_enum("transform", "wct", ["wct", "adain"], "Feature transform of the universal model.")
flags.DEFINE_integer("style_index", None, "Multi-style network: the style to use, by index.", lower_bound=0)
flags.DEFINE_string("blend", None, "Multi-style network: a blend of its styles, e.g. starry_night:0.5,wave:0.5.")
flags.DEFINE_bool("list_models", False, "Print every bundled and found model, one name per line, and exit.")
flags.DEFINE_string("models_dir", None, "A folder of trained models (tf-nst train folders, .npz files): "
                    "--model takes their names, --list_models lists them.")
flags.DEFINE_enum("precision", "auto", ["auto", "float32", "mixed_bfloat16"],
                  "auto = bf16 on CPUs with AMX/AVX512-BF16, else float32.")
flags.DEFINE_integer("batch_size", 4, "Images of equal size stylized together.", lower_bound=1)
flags.DEFINE_integer("tile_size", None, "Stylize large images in tiles of this many pixels per side "
                     "(default: automatic above 4 MP for networks, 2.4 MP for --style; 0 = never tile).",
                     lower_bound=0)
flags.DEFINE_integer("tile_overlap", None, "Pixels by which neighbouring tiles overlap "
                     "(default 128 for networks, 160 for --style).", lower_bound=0)
flags.DEFINE_integer("max_pixels", images.MAX_PIXELS, "Refuse input images with more pixels than this "
                     "(decompression-bomb guard); raise it explicitly for larger photos.", lower_bound=1)
flags.DEFINE_enum("bit_depth", "8", ["8", "16"], "Bits per channel of the output (16: .png or .tiff only).")
flags.DEFINE_enum("temporal", "flow", ["none", "flow"], "Video: stabilize with optical flow, or frame by frame.")
flags.DEFINE_float("temporal_blend", 0.8, "Video: how much of the previous output, carried along the motion, "
                   "a pixel visible in both frames keeps (0..1).")
flags.DEFINE_float("fps", 25.0, "Video from a folder of numbered frames: frames per second.", lower_bound=0.01)
flags.DEFINE_integer("jpeg_quality", 95, "Quality of JPEG output, 1..100.", lower_bound=1, upper_bound=100)
common.define_mask_flags()
common.define_weights_flag()
FLAGS = flags.FLAGS


def _folder_pairs(source: Path, target: Path) -> list[tuple[Path, Path]]:
    if target.exists() and not target.is_dir():
        raise UserError(f"--input is a folder, so --output must be a folder too: {target}")
    if target.resolve() == source.resolve():
        raise UserError("--output folder is the --input folder; refusing to overwrite the inputs")
    pairs = [(path, target / images.output_name(path.name))
             for path in sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith("."))]
    if not pairs:
        raise UserError(f"no files in input folder {source}")
    return pairs


def _options(model_name: str) -> dict:
    """The TransferOptions fields from the flags, checked before TensorFlow starts."""
    from tf_nst.media.images import MIN_STYLE_SIZE
    if not 0.0 <= FLAGS.strength <= 1.0:
        raise UserError(f"strength must be a number from 0 to 1, got {FLAGS.strength!r}")
    styles = [images.load_image(path, "style") for path in FLAGS.style]
    background = images.load_image(FLAGS.background_style, "background style") if FLAGS.background_style else None
    for path, style in zip(FLAGS.style + [FLAGS.background_style], styles + [background]):
        if style is not None and min(style.shape[:2]) < MIN_STYLE_SIZE:
            raise UserError(f"style {path} is {style.shape[1]}x{style.shape[0]} px; it needs at least "
                            f"{MIN_STYLE_SIZE} px on each side")
    if FLAGS.style_weights is not None and not styles:
        raise UserError("--style_weights goes with --style")
    if background is not None and FLAGS.mask is None:
        raise UserError("--background_style needs --mask to say where the two styles go")
    if FLAGS.max_size is not None and FLAGS.max_size < 16:
        raise UserError(f"--max_size must be at least 16, got {FLAGS.max_size}")
    if FLAGS.style_size < MIN_STYLE_SIZE:
        raise UserError(f"--style_size must be at least {MIN_STYLE_SIZE}, got {FLAGS.style_size}")
    if styles and not model_files.takes_style(model_name, FLAGS.models_dir):
        raise UserError(f"--style needs a universal model ({', '.join(model_files.universal_models())}), "
                        f"not --model={model_name}")
    return dict(strength=FLAGS.strength, preserve_color=FLAGS.preserve_color, max_size=FLAGS.max_size,
                styles=styles, style_weights=common.parse_blend_weights(FLAGS.style_weights, len(styles)),
                background_style=background, transform=FLAGS.transform, style_size=FLAGS.style_size,
                tile_size=FLAGS.tile_size, tile_overlap=FLAGS.tile_overlap)


def parse_blend(text: str) -> dict[str, float]:
    """``name:weight,name:weight`` -> {name: weight} (a bare name weighs 1)."""
    blend = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = part.partition(":")
        try:
            blend[name] = blend.get(name, 0.0) + (float(weight) if weight else 1.0)
        except ValueError:
            raise UserError(f"--blend must look like name:0.5,other:0.5, got {text!r}") from None
    if not blend:
        raise UserError("--blend names no style")
    return blend


def main(argv: list[str]) -> int:
    models = model_files.find_models(FLAGS.models_dir)
    if FLAGS.style_index is not None and FLAGS.blend:
        raise UserError("give --style_index or --blend, not both")
    if FLAGS.list_models:
        print("\n".join(models), flush=True)
        return 0
    if not FLAGS.input or not FLAGS.output:
        raise UserError("give --input and --output (or --list_models)")
    model_name = "universal" if FLAGS.style and not FLAGS["model"].present else FLAGS.model
    model_files.locate_model(model_name, FLAGS.models_dir)  # unknown: a one-line error before TensorFlow starts
    option_fields = _options(model_name)
    spec, mask_options = common.mask_request()
    source, target = Path(FLAGS.input), Path(FLAGS.output)
    if not source.exists():
        raise UserError(f"input not found: {source}")
    from tf_nst.video.clips import is_video
    if is_video(source) or is_video(target):
        return _video(model_name, option_fields, source, target, spec, mask_options)
    inputs = [source, spec and spec.path, *FLAGS.style, FLAGS.background_style]
    if source.is_dir():
        pairs = _folder_pairs(source, target)
        for _, output in pairs:
            images.refuse_overwriting_inputs(output, inputs)
    else:
        pairs = [(source, images.check_output_path(target, inputs))]
    bit_depth = int(FLAGS.bit_depth)
    if bit_depth == 16:
        for _, output in pairs:
            if output.suffix.lower() not in images.SIXTEEN_BIT_SUFFIXES:
                raise UserError(f"--bit_depth=16 needs .png or .tiff output, not {output.name}")
    common.start_tensorflow()
    from tf_nst.transfer.options import OutputOptions, TransferOptions
    from tf_nst.transfer.pipeline import transfer_files
    options = TransferOptions(**option_fields)

    model = _load_model(model_name)
    options.check(model)
    mask_fn = _mask_function(spec, mask_options)
    start = time.perf_counter()

    def tile_progress(state) -> None:
        end = "\n" if state.done == state.total else ""
        print(f"\r{state}", end=end, file=sys.stderr, flush=True)
    # A single bad input is an error, not a skip.
    written, skipped = transfer_files(model, pairs, options, FLAGS.batch_size, mask_fn,
                                      output=OutputOptions(bit_depth, FLAGS.jpeg_quality), tile_progress=tile_progress,
                                      max_pixels=FLAGS.max_pixels, strict=not source.is_dir())
    seconds = time.perf_counter() - start
    where = written[0] if len(pairs) == 1 else target
    local = f", {mask_options.region} of {FLAGS.mask}" if spec is not None else ""
    print(f"wrote {len(written)} image(s) to {where} with {model.name} ({model.precision}{local}) in {seconds:.2f}s"
          + (f"; skipped {len(skipped)} unreadable file(s)" if skipped else ""), flush=True)
    return common.EXIT_FAILED if not written else 0


def _load_model(model_name: str):
    """The model, with the style chosen by --style_index / --blend for a multi-style network."""
    from tf_nst.models.loading import load_model
    model = load_model(model_name, FLAGS.precision, FLAGS.weights_dir, FLAGS.models_dir)
    if FLAGS.style_index is not None or FLAGS.blend:
        if not getattr(model, "styles", None):
            raise UserError("--style_index and --blend choose among the styles of a multi-style network")
        model.select(parse_blend(FLAGS.blend) if FLAGS.blend else FLAGS.style_index)
    return model


def _mask_function(spec, mask_options):
    """image -> mask for --mask (None without it)."""
    if spec is None:
        return None
    from tf_nst.segmentation import masks
    return lambda image: masks.make_mask(image, spec, mask_options, FLAGS.weights_dir)


def _video(model_name: str, option_fields: dict, source: Path, target: Path, spec, mask_options) -> int:
    """Clip (or folder of numbered frames) -> clip (or folder of frames)."""
    from tf_nst.video.temporal import TemporalOptions
    images.refuse_overwriting_inputs(target, [source, spec and spec.path, *FLAGS.style])
    temporal = TemporalOptions(FLAGS.temporal, FLAGS.temporal_blend).check()
    common.start_tensorflow()
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.video.clips import transfer_video
    model = _load_model(model_name)
    mask_fn = _mask_function(spec, mask_options)
    done = [0]

    def progress(state) -> None:
        done[0] = state.done
        print(f"\r{state}", end="", file=sys.stderr, flush=True)
    try:
        state = transfer_video(model, source, target, TransferOptions(**option_fields), temporal, FLAGS.batch_size,
                               mask_fn, FLAGS.fps, progress)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        common.fail("transfer", f"interrupted after {done[0]} frame(s); nothing written", common.EXIT_INTERRUPTED)
    print(f"\nwrote {state.done} frames to {target} with {model.name} ({model.precision}, temporal={FLAGS.temporal}) "
          f"at {state.fps:.1f} fps", flush=True)
    return 0


def run(argv: list[str]) -> None:
    common.run("transfer", main, argv)
