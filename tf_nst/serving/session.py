"""Run a SavedModel the way TF Serving does: a TF1 ``Session`` over the bundle
(``tf.compat.v1.saved_model.loader.load`` with the ``serve`` tag), fed and fetched by the tensor
names of its ``SignatureDef``. An eager ``tf.saved_model.load`` can succeed where this fails (a
variable the graph cannot find), so exports are checked both ways.

    python -m tf_nst.serving.session DIR        # replays the warm-up requests, prints each output's shape
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import tensorflow as tf

from tf_nst.serving import warmup


def run_signatures(directory: str | Path, requests: list[tuple[str, dict[str, np.ndarray]]]
                   ) -> list[dict[str, np.ndarray]]:
    """The outputs of each (signature, inputs) request, from one Session over the SavedModel."""
    results = []
    with tf.compat.v1.Session(graph=tf.Graph()) as session:
        bundle = tf.compat.v1.saved_model.loader.load(session, [tf.saved_model.SERVING], str(directory))
        for signature_name, inputs in requests:
            signature = bundle.signature_def[signature_name]
            if set(inputs) != set(signature.inputs):
                raise ValueError(f"{signature_name} takes {sorted(signature.inputs)}, got {sorted(inputs)}")
            feed = {signature.inputs[name].name: value for name, value in inputs.items()}
            fetch = {name: output.name for name, output in signature.outputs.items()}
            results.append(session.run(fetch, feed))
    return results


def main(argv: list[str]) -> int:
    """Replay the warm-up requests of the SavedModel ``argv[1]``; print each output's dtype and shape."""
    directory = Path(argv[1])
    requests = warmup.read_warmup_requests(directory)
    for (signature, _), outputs in zip(requests, run_signatures(directory, requests)):
        print(signature, {name: (value.dtype.name, list(value.shape)) for name, value in outputs.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
