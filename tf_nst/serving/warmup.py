"""TF Serving warm-up requests: one ``PredictionLog`` per signature in
``assets.extra/tf_serving_warmup_requests`` (a TFRecord file), which TF Serving replays when it
loads the model, so the first real request does not pay for tracing and memory allocation.

The requests are built with the protos of ``tensorflow-serving-api`` (the ecosystem's own
definitions) from example inputs of each signature: a small photo, as pixels or as a PNG file.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

#: Where TF Serving looks for the warm-up file inside a SavedModel version folder.
WARMUP_FILE = Path("assets.extra") / "tf_serving_warmup_requests"
#: Side of the example photo the warm-up requests send (small: warm-up must be quick).
EXAMPLE_SIDE = 64


def example_image() -> np.ndarray:
    """A smooth uint8 test photo [EXAMPLE_SIDE, EXAMPLE_SIDE, 3] (no file needed)."""
    ramp = np.linspace(0, 255, EXAMPLE_SIDE, dtype=np.float32)
    return np.stack([ramp[None, :].repeat(EXAMPLE_SIDE, 0), ramp[:, None].repeat(EXAMPLE_SIDE, 1),
                     np.full((EXAMPLE_SIDE, EXAMPLE_SIDE), 128.0)], -1).astype(np.uint8)


def example_png() -> bytes:
    """:func:`example_image` as a PNG file's bytes."""
    return tf.io.encode_png(example_image()).numpy()


def prediction_logs(examples: dict[str, dict[str, np.ndarray]], model_name: str = "tf_nst") -> list:
    """One ``PredictionLog`` (a ``PredictRequest``) per signature of ``examples`` (signature -> inputs)."""
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2
    logs = []
    for signature, inputs in examples.items():
        request = predict_pb2.PredictRequest(
            model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature))
        for name, value in inputs.items():
            request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
        logs.append(prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request)))
    return logs


def write_warmup_requests(directory: Path, examples: dict[str, dict[str, np.ndarray]]) -> Path:
    """Write the warm-up file of ``examples`` into the SavedModel folder ``directory``."""
    path = Path(directory) / WARMUP_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for log in prediction_logs(examples):
            writer.write(log.SerializeToString())
    return path


def read_warmup_requests(directory: Path) -> list[tuple[str, dict[str, np.ndarray]]]:
    """The (signature, inputs) of each warm-up request in the SavedModel folder ``directory``."""
    from tensorflow_serving.apis import prediction_log_pb2
    requests = []
    for record in tf.data.TFRecordDataset(str(Path(directory) / WARMUP_FILE)).as_numpy_iterator():
        request = prediction_log_pb2.PredictionLog.FromString(record).predict_log.request
        requests.append((request.model_spec.signature_name,
                         {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}))
    return requests
