"""The stabilizer's settings against frame by frame on a set of clips, per bundled style.

python tools/tuning_clips.py --output=/tmp/tuning
python tools/stabilizer_sweep.py --input=/tmp/tuning --models=starry_night,the_scream,wave --blends=0.8,0.85

Each clip is stylized frame by frame once per model; then stabilized with each blend
(tf_nst.video.temporal.Stabilizer, the rest of TemporalOptions at its defaults) and measured with
temporal.measure (second view on): warping error within shots with DIS "medium" and with
Farneback's flow, Gram ratio of --samples frames. Prints a JSON line per (model, clip, setting)
and a Markdown table per (model, blend): mean and largest ratio to frame by frame, mean and
largest Gram change, clips over the 10 % bar.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from absl import app, flags

import toolkit

flags.DEFINE_string("input", None, "A folder of clips (video files or folders of frames).", required=True)
flags.DEFINE_list("models", ["starry_night", "the_scream", "wave"], "Bundled or trained networks.")
flags.DEFINE_list("blends", ["0.8", "0.85"], "Temporal blends to compare.")
flags.DEFINE_integer("samples", 6, "Frames sampled for the Gram ratio.")
flags.DEFINE_integer("batch_size", 4, "Frames per forward pass.")
FLAGS = flags.FLAGS


def main(_):
    import tf_nst
    from tf_nst.media import images
    from tf_nst.perceptual.metrics import QualityFeatures
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.video import temporal
    features = QualityFeatures()
    summary = {}
    for name in FLAGS.models:
        model = tf_nst.load_model(name, "float32")
        style = images.load_image(toolkit.SHARED_DATA / "styles" / f"{name}.jpg", "style")
        options = TransferOptions().check(model).encoded_for(model)
        for clip in toolkit.clips(Path(FLAGS.input)):
            inputs = toolkit.frames(clip)
            fresh = np.concatenate([model.transfer_photos(np.stack(inputs[i:i + FLAGS.batch_size]), options)
                                    for i in range(0, len(inputs), FLAGS.batch_size)])
            measured = {}
            for setting in ["none", *FLAGS.blends]:
                if setting == "none":
                    outputs = [np.clip(np.rint(frame), 0, 255).astype(np.uint8) for frame in fresh]
                else:
                    stabilizer = temporal.Stabilizer(temporal.TemporalOptions("flow", float(setting)))
                    outputs = [np.clip(np.rint(stabilizer(frame, stylized)), 0, 255).astype(np.uint8)
                               for frame, stylized in zip(inputs, fresh)]
                result = temporal.measure(inputs, outputs, style, FLAGS.samples, features=features, second_view=True)
                result.pop("frame_errors")
                measured[setting] = result
                print(json.dumps({"model": name, "clip": clip.name, "setting": setting, **result}), flush=True)
            for blend in FLAGS.blends:
                summary.setdefault((name, blend), []).append(
                    tuple(measured[blend][key] / max(measured["none"][key], 1e-12)
                          for key in ("warping_error_within_shots", "warping_error_farneback", "gram_ratio")))
    print("\n| model | blend | warping ratio, DIS: mean (largest) | Farneback: mean (largest) | "
          "Gram change: mean (largest) | clips over 10 % |\n|---|---|---|---|---|---|")
    for (name, blend), rows in summary.items():
        dis, farneback, gram = (np.array(column) for column in zip(*rows))
        change = gram - 1
        print(f"| {name} | {blend} | {dis.mean():.2f} ({dis.max():.2f}) | {farneback.mean():.2f} ({farneback.max():.2f}) | "
              f"{100 * change.mean():+.1f} % ({100 * change[np.abs(change).argmax()]:+.1f} %) | "
              f"{int((np.abs(change) > 0.10).sum())} of {len(change)} |")


if __name__ == "__main__":
    app.run(main)
