"""Stylize a photo through TF Serving's REST API (the ``stylize_encoded`` signature of tf-nst export).

  tensorflow_model_server --rest_api_port=8501 --model_name=starry_night --model_base_path=$PWD/serving/starry_night
  python tools/serving_client.py --image=photo.jpg --output=out.png --url=http://localhost:8501/v1/models/starry_night:predict

Without a server, --saved_model=DIR answers the same request body in-process, the way TF Serving
would (base64 in, signature call, base64 out), to check an export end to end.
"""
from __future__ import annotations

import base64
import json
import sys
import urllib.request
from pathlib import Path

from absl import app, flags

flags.DEFINE_string("image", None, "Photo to stylize (JPEG/PNG/GIF/BMP).", required=True)
flags.DEFINE_string("output", "served.png", "Where to write the PNG the server returns.")
flags.DEFINE_string("url", "http://localhost:8501/v1/models/starry_night:predict", "TF Serving :predict URL.")
flags.DEFINE_string("saved_model", None, "Answer locally from this SavedModel instead of a server.")
FLAGS = flags.FLAGS


def request_body(image_bytes: bytes) -> dict:
    """The :predict body: one instance, binary input sent as {"b64": ...}."""
    return {"signature_name": "stylize_encoded", "instances": [{"b64": base64.b64encode(image_bytes).decode()}]}


def answer_locally(body: dict, saved_model: str) -> dict:
    """What TF Serving returns for ``body``: string outputs named *_bytes come back base64-encoded."""
    import tensorflow as tf

    signature = tf.saved_model.load(saved_model).signatures[body["signature_name"]]
    inputs = tf.constant([base64.b64decode(instance["b64"]) for instance in body["instances"]])
    outputs = signature(image_bytes=inputs)["png_bytes"].numpy()
    return {"predictions": [{"b64": base64.b64encode(png).decode()} for png in outputs]}


def main(argv: list[str]) -> None:
    body = request_body(Path(FLAGS.image).read_bytes())
    if FLAGS.saved_model:
        reply = answer_locally(body, FLAGS.saved_model)
    else:
        request = urllib.request.Request(FLAGS.url, json.dumps(body).encode(), {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            reply = json.load(response)
    if "predictions" not in reply:
        sys.exit(f"serving_client: error: server replied {reply}")
    Path(FLAGS.output).write_bytes(base64.b64decode(reply["predictions"][0]["b64"]))
    print(f"wrote {FLAGS.output}")


if __name__ == "__main__":
    app.run(main)
