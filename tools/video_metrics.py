"""Flicker and style of a stylized clip: Lai et al.'s temporal warping error and the mean Gram ratio.

python tools/video_metrics.py --input=clip.mp4 --output=stylized.mp4 --style=painting.jpg
  warping_error: mean over frames of the mean |O_t - warp(O_{t-1})| (0..1) over pixels visible in
    both frames, the flow (OpenCV DIS, "medium", finer than the stabilizer's) computed on the
    input frames; gram_ratio: `tf-nst evaluate`'s Gram ratio to the photo's own, averaged over
    --samples evenly spaced frames. Clips or folders of numbered frames; prints one JSON object.
python tools/video_metrics.py --compare --input=clips/ --model=starry_night --style=... [--max_size=640]
  stylizes each clip with --temporal=none and =flow (tf_nst.video.clips.transfer_video) and prints both
  and their ratio, with the fps of each run after its first batch (start-up and tracing left out), as
  JSON per clip and one Markdown table. --input is a clip,
  a folder of numbered frames, or a folder of clips (video files and frame folders).
  --model=universal stylizes with the universal model and --style as its painting (encoded once).
  --figure=strip.png also draws, per clip, --strip consecutive frames of the input and of both methods
  and the per-frame warping error of both (the strip's frames shaded). --second_view (on by default)
  adds the warping error within shots measured with Farneback's flow instead of DIS: the stabilizer
  warps with DIS, so the DIS-measured error partly measures it against itself.
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from absl import app, flags

import toolkit  # --style: the painting the Gram ratio is measured against (and --model=universal's
# style); --output: without --compare, the stylized clip to measure

flags.DEFINE_string("input", str(toolkit.SHARED_DATA / "video" / "bigbuckbunny.mp4"),
                    "Input clip, folder of numbered frames, or (with --compare) folder of clips.")
flags.DEFINE_string("model", "starry_night", "With --compare: a bundled or trained model, or 'universal'.")
flags.DEFINE_bool("compare", False, "Stylize with --temporal=none and =flow and measure both.")
flags.DEFINE_integer("samples", 6, "Frames sampled for the Gram ratio.")
flags.DEFINE_integer("max_size", None, "With --compare: shrink frames whose long side is larger.")
flags.DEFINE_float("blend", None, "With --compare: the temporal blend (default: tf_nst's, TemporalOptions.blend).")
flags.DEFINE_string("figure", None, "With --compare: write a PNG with, per clip, a strip of consecutive frames "
                    "(input, frame by frame, with flow) and the per-frame warping error of both.")
flags.DEFINE_bool("second_view", True, "With --compare: also the warping error within shots with Farneback's "
                  "flow, which the stabilizer (DIS) does not use.")
flags.DEFINE_integer("strip", 5, "Consecutive frames (from the middle of each clip) in the --figure strip.", lower_bound=2)
FLAGS = flags.FLAGS


def strip_start(frame_count: int) -> int:
    """The first frame of the --figure strip: --strip frames from the middle of the clip."""
    return max(0, (frame_count - FLAGS.strip) // 2)


def compare(model, clip: Path, style, options, folder: str, features) -> dict:
    from tf_nst.video.clips import transfer_video
    from tf_nst.video.temporal import TemporalOptions, measure
    inputs = toolkit.frames(clip, FLAGS.max_size)
    results, strips, curves = {}, {}, {}
    start = strip_start(len(inputs))

    def middle(clip_frames: list) -> list:
        return clip_frames[start:start + FLAGS.strip]
    for method in ("none", "flow"):
        output = f"{folder}/{clip.stem}_{method}"  # a folder of PNG frames: no re-encoding in the measure
        temporal = TemporalOptions(method) if FLAGS.blend is None else TemporalOptions(method, FLAGS.blend)
        marks = []  # (frames done, time) after each written frame
        transfer_video(model, clip, output, options, temporal=temporal,
                       progress=lambda state: marks.append((state.done, time.perf_counter())))
        (first, started), (last, ended) = marks[min(3, len(marks) - 2)], marks[-1]  # after the first batch of 4
        outputs = toolkit.frames(output)
        results[method] = {**measure(inputs, outputs, style, FLAGS.samples, features=features,
                                     second_view=FLAGS.second_view),
                           "fps": round((last - first) / max(ended - started, 1e-9), 2)}
        strips[method], curves[method] = middle(outputs), results[method].pop("frame_errors")
    results["ratio"] = {key: results["flow"][key] / results["none"][key]
                        for key in ("warping_error", "warping_error_within_shots", "warping_error_farneback",
                                    "gram_ratio") if key in results["flow"]}
    return ({"clip": clip.name, "frames": len(inputs), "size": list(inputs[0].shape[1::-1]), **results},
            {"input": middle(inputs), **strips}, curves)


def second_view(row: dict) -> str:
    """The Farneback warping errors of a --compare row and their ratio, or "-" without --second_view."""
    if "warping_error_farneback" not in row["ratio"]:
        return "-"
    return (f"{row['none']['warping_error_farneback']:.4f} -> {row['flow']['warping_error_farneback']:.4f}: "
            f"{row['ratio']['warping_error_farneback']:.2f}")


def write_figure(path: str, rows: list[dict], strips: list[dict], curves: list[dict]) -> None:
    """One PNG: per clip, the strip of each method (frames side by side) and the per-frame warping
    error curves; written to a temporary name, then renamed."""
    import os
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    figure = plt.figure(figsize=(12, 7.5 * len(rows)))
    grid = figure.add_gridspec(4 * len(rows), 1, height_ratios=[1, 1, 1, 1.2] * len(rows))
    for index, (row, strip, curve) in enumerate(zip(rows, strips, curves)):
        for offset, name in enumerate(("input", "none", "flow")):
            axis = figure.add_subplot(grid[4 * index + offset])
            axis.imshow(np.concatenate(strip[name], axis=1).astype(np.uint8))
            label = {"input": "input", "none": "frame by frame", "flow": "--temporal=flow"}[name]
            axis.set_title(f"{row['clip']}: {label}" + ("" if name == "input" else
                           f" (warping error {row[name]['warping_error']:.4f})"), fontsize=9, loc="left")
            axis.axis("off")
        axis = figure.add_subplot(grid[4 * index + 3])
        for name, label in (("none", "frame by frame"), ("flow", "--temporal=flow")):
            axis.plot(range(1, len(curve[name]) + 1), curve[name], label=label, linewidth=1)
        start = strip_start(row["frames"])
        axis.axvspan(start, start + len(strip["input"]) - 1, color="0.9")  # the strip's frames
        axis.set_xlabel("frame")
        axis.set_ylabel("warping error")
        axis.legend(fontsize=8)
    figure.tight_layout()
    temporary = f"{path}.partial.png"
    figure.savefig(temporary, dpi=100)
    plt.close(figure)
    os.replace(temporary, path)


def main(_):
    from tf_nst.media import images
    style = images.load_image(FLAGS.style, "style")
    if not FLAGS.compare:
        from tf_nst.video.temporal import measure
        result = measure(toolkit.frames(FLAGS.input), toolkit.frames(FLAGS.output), style, FLAGS.samples)
        result.pop("frame_errors")
        print(json.dumps(result))
        return
    import tf_nst
    from tf_nst.perceptual.metrics import QualityFeatures
    from tf_nst.transfer.options import TransferOptions
    model, features = tf_nst.load_model(FLAGS.model), QualityFeatures()  # one compiled VGG19 for every clip
    options = TransferOptions(max_size=FLAGS.max_size, styles=[style] if model.needs_style else ())
    rows, strips, curves = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for clip in toolkit.clips(Path(FLAGS.input)):
            row, strip, curve = compare(model, clip, style, options, folder, features)
            rows.append(row), strips.append(strip), curves.append(curve)
            print(json.dumps(row), flush=True)
    if FLAGS.figure:
        write_figure(FLAGS.figure, rows, strips, curves)
    print(f"\n| clip ({FLAGS.model}) | frames | warping error, frame by frame | with flow | ratio | "
          "within shots (cuts left out): ratio | second view (Farneback flow, within shots): ratio | "
          "Gram ratio, frame by frame -> flow | change | fps none / flow |"
          "\n|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        none, flow = row["none"], row["flow"]
        print(f"| {row['clip']}, {row['size'][0]}x{row['size'][1]} | {row['frames']} | {none['warping_error']:.4f} | "
              f"{flow['warping_error']:.4f} | {row['ratio']['warping_error']:.2f} | "
              f"{none['warping_error_within_shots']:.4f} -> {flow['warping_error_within_shots']:.4f}: "
              f"{row['ratio']['warping_error_within_shots']:.2f} ({len(none['cuts'])} cuts) | "
              f"{second_view(row)} | {none['gram_ratio']:.3f} -> "
              f"{flow['gram_ratio']:.3f} | {100 * (row['ratio']['gram_ratio'] - 1):+.1f} % | "
              f"{none['fps']:.1f} / {flow['fps']:.1f} |")


if __name__ == "__main__":
    app.run(main)
