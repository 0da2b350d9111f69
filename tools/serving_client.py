"""Stylize a photo through TF Serving's REST API (the ``stylize_encoded`` signature of tf-nst export).

  tensorflow_model_server --rest_api_port=8501 --model_name=my_style --model_base_path=$PWD/serving/my_style
  python tools/serving_client.py --image=photo.jpg --output=out.png --url=http://localhost:8501/v1/models/my_style:predict
  python tools/serving_client.py --image=photo.jpg --style=painting.jpg --strength=0.8 --url=.../models/universal:predict
  python tools/serving_client.py --image=photo.jpg --style_weights=0,0.5,0.5,0,0,0,0,0,0,0 --url=.../models/multistyle:predict

A single-style network takes the row format ("instances"); the universal model (content and style
files plus a strength) and a multi-style network (a weight per style) the columnar one ("inputs").

Over gRPC (--grpc=HOST:PORT, TF Serving's --port), the same inputs go as TensorProtos through the
PredictionService stub of tensorflow-serving-api:
  python tools/serving_client.py --image=photo.jpg --output=out.png --grpc=localhost:8500 --model_name=my_style

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
flags.DEFINE_string("url", "http://localhost:8501/v1/models/my_style:predict", "TF Serving :predict URL.")
flags.DEFINE_string("saved_model", None, "Answer locally from this SavedModel instead of a server.")
flags.DEFINE_string("style", None, "Universal model: the painting (JPEG/PNG/GIF/BMP).")
flags.DEFINE_float("strength", 1.0, "Universal model: style strength, 0..1.")
flags.DEFINE_list("style_weights", None, "Multi-style network: one weight per style.")
flags.DEFINE_string("grpc", None, "TF Serving gRPC address HOST:PORT (instead of --url).")
flags.DEFINE_string("model_name", "my_style", "With --grpc: the served model's name.")
FLAGS = flags.FLAGS


def _b64(data: bytes) -> dict:
    return {"b64": base64.b64encode(data).decode()}


def request_body(image_bytes: bytes, style_bytes: bytes | None = None, strength: float = 1.0,
                 style_weights: list[float] | None = None) -> dict:
    """The :predict body; binary inputs are sent as {"b64": ...}."""
    if style_bytes is None and style_weights is None:
        return {"signature_name": "stylize_encoded", "instances": [_b64(image_bytes)]}
    inputs = {"image_bytes": [_b64(image_bytes)]}
    if style_bytes is not None:
        inputs.update(style_bytes=[_b64(style_bytes)], strength=strength)
    if style_weights is not None:
        inputs["style_weights"] = list(style_weights)
    return {"signature_name": "stylize_encoded", "inputs": inputs}


def answer_locally(body: dict, saved_model: str) -> dict:
    """What TF Serving returns for ``body``: string outputs named *_bytes come back base64-encoded
    (the columnar reply of a signature with one output is that output's list)."""
    import tensorflow as tf

    signature = tf.saved_model.load(saved_model).signatures[body["signature_name"]]
    if "instances" in body:
        inputs = {"image_bytes": tf.constant([base64.b64decode(instance["b64"]) for instance in body["instances"]])}
    else:
        inputs = {name: tf.constant([base64.b64decode(item["b64"]) for item in value]) if name.endswith("_bytes")
                  else tf.constant(value, tf.float32) for name, value in body["inputs"].items()}
    pngs = [_b64(png) for png in signature(**inputs)["png_bytes"].numpy()]
    return {"predictions": pngs} if "instances" in body else {"outputs": pngs}


def predict_grpc(body: dict, address: str, model_name: str, timeout: float = 60.0) -> dict:
    """Send ``body`` (the REST body above) as a gRPC PredictRequest; the reply in the REST shape."""
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    request = predict_pb2.PredictRequest()
    request.model_spec.name, request.model_spec.signature_name = model_name, body["signature_name"]
    columns = body.get("inputs") or {"image_bytes": body["instances"]}
    for name, value in columns.items():
        value = [base64.b64decode(item["b64"]) for item in value] if name.endswith("_bytes") else value
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value, None if name.endswith("_bytes") else tf.float32))
    with grpc.insecure_channel(address) as channel:
        reply = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout)
    pngs = [_b64(png) for png in tf.make_ndarray(reply.outputs["png_bytes"]).tolist()]
    return {"predictions": pngs} if "instances" in body else {"outputs": pngs}


def first_png(reply: dict) -> bytes:
    """The first PNG of a row ("predictions") or columnar ("outputs") reply."""
    outputs = reply["predictions"] if "predictions" in reply else reply["outputs"]
    if isinstance(outputs, dict):
        outputs = outputs["png_bytes"]
    return base64.b64decode(outputs[0]["b64"])


def main(argv: list[str]) -> None:
    weights = [float(w) for w in FLAGS.style_weights] if FLAGS.style_weights else None
    body = request_body(Path(FLAGS.image).read_bytes(), Path(FLAGS.style).read_bytes() if FLAGS.style else None,
                        FLAGS.strength, weights)
    if FLAGS.saved_model:
        reply = answer_locally(body, FLAGS.saved_model)
    elif FLAGS.grpc:
        reply = predict_grpc(body, FLAGS.grpc, FLAGS.model_name)
    else:
        request = urllib.request.Request(FLAGS.url, json.dumps(body).encode(), {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            reply = json.load(response)
    if "predictions" not in reply and "outputs" not in reply:
        sys.exit(f"serving_client: error: server replied {reply}")
    Path(FLAGS.output).write_bytes(first_png(reply))
    print(f"wrote {FLAGS.output}")


if __name__ == "__main__":
    app.run(main)
