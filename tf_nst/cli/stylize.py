"""``tf-nst stylize``: optimization-based style transfer driven by an ml_collections config file.

Examples:
  tf-nst stylize                      # bundled cat photo x Starry Night -> stylized.png
  tf-nst stylize --config=gatys2016 --content=photo.jpg --style=painting.jpg \\
      --output=out.png --config.image_size=512 --config.steps=300
  tf-nst stylize --style=a.jpg --style=b.jpg --style_weights=0.7,0.3 --config.preserve_color=luminance
  tf-nst stylize --config=zhao_global_local --content=photo.jpg --style=painting.jpg  # Gram + MRF
  tf-nst stylize --config=li_wand_mrf --content=doodle.png --content_map=doodle_sem.png \
      --style=monet.jpg --style_map=monet_sem.png          # semantic maps guide the patch matching
  tf-nst stylize --content=photo.jpg --style=a.jpg --mask=deeplabv3:person   # stylize the person only
  tf-nst stylize --content=photo.jpg --style=fg.jpg --background_style=bg.jpg --mask=deeplabv3:person
      # one optimization, guided Gram matrices: the person in fg.jpg's style, the rest in bg.jpg's
"""
from __future__ import annotations


from absl import flags
from ml_collections import config_flags

from tf_nst import config as config_lib
from tf_nst.config.presets import preset_path
from tf_nst.media import images
from tf_nst.cli import common
from tf_nst.core.errors import UserError

_DEFAULT_CONFIG = str(preset_path("default"))
CONFIG = config_flags.DEFINE_config_file(
    "config", _DEFAULT_CONFIG, "A preset by name (gatys2016, li_wand_mrf, ...; tf_nst/config/presets) or a config file; override fields as --config.FIELD=VALUE.",
    lock_config=True)
flags.DEFINE_string("content", str(images.EXAMPLE_CONTENT), "Content photo (default: bundled example).")
flags.DEFINE_multi_string("style", [str(images.EXAMPLE_STYLE)], "Style image; repeat for several styles.")
flags.DEFINE_string("style_weights", None, "Comma-separated blend weights, one per --style (e.g. 0.7,0.3).")
flags.DEFINE_string("content_map", None, "Colour-coded annotation map of the content (needs --style_map); "
                    "MRF patches only match style patches of the same colour region.")
flags.DEFINE_multi_string("style_map", None, "Annotation map of each --style, same colours as --content_map.")
flags.DEFINE_string("background_style", None, "With --mask: style for the pixels outside the selected "
                    "region (guided Gram matrices, one optimization); without it the stylized image is "
                    "composited over the photo inside the mask only.")
flags.DEFINE_string("output", "stylized.png", "Output image; its .json history and _loss.png plot go beside it.")
common.define_mask_flags()
common.define_weights_flag()
FLAGS = flags.FLAGS


def load_maps(config, style_count: int):
    """The --content_map / --style_map images, checked for use with the MRF loss."""
    if not FLAGS.content_map and not FLAGS.style_map:
        return None, None
    if not FLAGS.content_map or not FLAGS.style_map:
        raise UserError("semantic guidance needs both --content_map and --style_map")
    if len(FLAGS.style_map) != style_count:
        raise UserError(f"{len(FLAGS.style_map)} --style_map for {style_count} --style images")
    if not config.mrf_weight > 0:
        raise UserError("--content_map/--style_map guide the MRF patch loss; use a config with "
                        "mrf_weight > 0 (tf_nst/config/presets/li_wand_mrf.py, tf_nst/config/presets/zhao_global_local.py)")
    return (images.load_image(FLAGS.content_map, "content map"),
            [images.load_image(path, "style map") for path in FLAGS.style_map])


def main(argv: list[str]) -> int:
    config = config_lib.validate(common.load_config(CONFIG))
    content = images.load_image(FLAGS.content, "content")
    styles = [images.load_image(path, "style") for path in FLAGS.style]
    blend = common.parse_blend_weights(FLAGS.style_weights, len(styles))
    content_map, style_maps = load_maps(config, len(styles))
    spec, mask_options = common.mask_request()
    if FLAGS.background_style:
        if spec is None:
            raise UserError("--background_style needs --mask to say where the two styles go")
        if len(styles) != 1:
            raise UserError("--background_style takes exactly one --style (for the selected region)")
        styles.append(images.load_image(FLAGS.background_style, "background style"))
    from tf_nst.optimization import reporting
    inputs = [FLAGS.content, *FLAGS.style, FLAGS.background_style, FLAGS.content_map, *(FLAGS.style_map or []),
              spec and spec.path]
    output = images.check_output_path(FLAGS.output, inputs)
    companions = reporting.companion_paths(output)
    for path in companions.values():
        images.refuse_overwriting_inputs(path, inputs)

    common.start_tensorflow()
    from tf_nst.perceptual.backbones import resolve_precision
    from tf_nst.optimization.stylize import stylize

    def save_intermediate(step: int, image, record: dict) -> None:
        if config.save_every and step % config.save_every == 0:
            images.save_image(output.with_name(f"{output.stem}_step{step}{output.suffix}"), image)

    mask = None
    if spec is not None:
        from tf_nst.segmentation import masks
        mask = masks.make_mask(content, spec, mask_options, FLAGS.weights_dir)
    background = styles.pop() if FLAGS.background_style else None
    print(f"stylizing {FLAGS.content} with {', '.join(FLAGS.style)} ({config.backbone}, {config.optimizer}, "
          f"{resolve_precision(config.precision)})", flush=True)
    result = stylize(content, styles, config, blend, FLAGS.weights_dir, callback=save_intermediate,
                     content_map=content_map, style_maps=style_maps, mask=mask, background_style=background)
    images.save_image(output, result.image)
    reporting.write_history(companions["history"], result.history, config=config.to_dict(),
                            content=FLAGS.content, styles=FLAGS.style, style_weights=blend,
                            stop_reason=result.stop_reason)
    if result.history:
        reporting.plot_loss_curves(companions["plot"], result.history, title=output.name)
    last = result.history[-1] if result.history else {}
    print(f"wrote {output} ({result.image.shape[1]}x{result.image.shape[0]}), {companions['history']} and "
          f"{companions['plot']}; final loss {last.get('total', float('nan')):.4g} "
          f"after {last.get('seconds', 0):.1f}s", flush=True)
    if result.stop_reason == "interrupted":
        common.fail("stylize", f"interrupted; saved the current image to {output}", common.EXIT_INTERRUPTED)
    if result.stop_reason:
        common.fail("stylize", f"{result.stop_reason}; kept the last finite image in {output}", common.EXIT_FAILED)
    return 0


def run(argv: list[str]) -> None:
    common.run("stylize", main, argv)
