"""Flicker and style of a stylized clip: Lai et al.'s temporal warping error and the mean Gram ratio.

python tools/video_metrics.py --input=clip.mp4 --output=stylized.mp4 --style=painting.jpg
  warping_error: mean over frames of the mean |O_t - warp(O_{t-1})| (0..1) over pixels visible in
    both frames, the flow (OpenCV DIS, "medium", finer than the stabilizer's) computed on the
    input frames; gram_ratio: `tf-nst evaluate`'s Gram ratio to the photo's own, averaged over
    --samples evenly spaced frames. Clips or folders of numbered frames; prints one JSON object.
python tools/video_metrics.py --compare --input=clip.mp4 --model=starry_night --style=...
  stylizes the clip with --temporal=none and =flow (tf_nst.video.clips.transfer_video) and prints both.
"""
from __future__ import annotations

import json
import tempfile

from absl import app, flags

import toolkit

flags.DEFINE_string("input", str(toolkit.SHARED_DATA / "video" / "bigbuckbunny.mp4"), "Input clip or frame folder.")
flags.DEFINE_string("model", "starry_night", "With --compare: the model.")
flags.DEFINE_bool("compare", False, "Stylize with --temporal=none and =flow and measure both.")
flags.DEFINE_integer("samples", 6, "Frames sampled for the Gram ratio.")
flags.DEFINE_float("blend", None, "With --compare: the temporal blend (default: tf_nst's, TemporalOptions.blend).")
FLAGS = flags.FLAGS


def frames(path: str) -> list:
    from tf_nst.video.clips import VideoSource
    return list(VideoSource(path).frames())


def main(_):
    from tf_nst.media import images
    from tf_nst.video.temporal import measure
    style = images.load_image(FLAGS.style, "style")
    inputs = frames(FLAGS.input)
    if not FLAGS.compare:
        print(json.dumps(measure(inputs, frames(FLAGS.output), style, FLAGS.samples)))
        return
    import tf_nst
    from tf_nst.video.temporal import TemporalOptions
    from tf_nst.video.clips import transfer_video
    model = tf_nst.load_model(FLAGS.model)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for method in ("none", "flow"):
            output = f"{folder}/{method}.mp4"
            options = TemporalOptions(method) if FLAGS.blend is None else TemporalOptions(method, FLAGS.blend)
            state = transfer_video(model, FLAGS.input, output, temporal=options)
            results[method] = {**measure(inputs, frames(output), style, FLAGS.samples), "fps": round(state.fps, 2)}
    results["ratio"] = {key: results["flow"][key] / results["none"][key] for key in ("warping_error", "gram_ratio")}
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    app.run(main)
