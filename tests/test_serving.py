"""The serving contract, checked the way TF Serving loads a model: a TF1 Session over the bundle in
a fresh process, fed by the signature's tensor names; the warm-up file replayed; saved_model_cli."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, REPO, run_cli

PHOTO = DATA / "content" / "chicago.jpg"

_SESSION_SCRIPT = """
import json, sys, numpy as np
from tf_nst.serving import session, warmup
directory, requests_file, outputs_file = sys.argv[1:4]
spec = json.load(open(requests_file))
requests = [(name, {k: np.load(path) for k, path in inputs.items()}) for name, inputs in spec]
replayed = warmup.read_warmup_requests(directory)
results = session.run_signatures(directory, requests + replayed)
np.savez(outputs_file, **{f"{i}/{k}": v.astype("S") if v.dtype == object else v
                          for i, out in enumerate(results) for k, v in out.items()})
print(json.dumps([name for name, _ in replayed]))
"""


def served_like_tf_serving(directory: Path, requests: list[tuple[str, dict[str, np.ndarray]]], tmp_path: Path):
    """Outputs of ``requests`` and then of the warm-up file's requests, from a TF1 Session in a fresh
    process: (list of {output: array}, the warm-up requests' signature names)."""
    spec = []
    for index, (signature, inputs) in enumerate(requests):
        paths = {}
        for name, value in inputs.items():
            paths[name] = str(tmp_path / f"request{index}_{name}.npy")
            np.save(paths[name], value, allow_pickle=False)
        spec.append((signature, paths))
    (tmp_path / "requests.json").write_text(json.dumps(spec))
    result = subprocess.run([sys.executable, "-c", _SESSION_SCRIPT, str(directory), str(tmp_path / "requests.json"),
                             str(tmp_path / "outputs.npz")], capture_output=True, text=True, timeout=600,
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr[-3000:]
    stored = np.load(tmp_path / "outputs.npz")
    count = 1 + max(int(key.split("/")[0]) for key in stored.files)
    outputs = [{key.split("/", 1)[1]: stored[key] for key in stored.files if key.startswith(f"{i}/")}
               for i in range(count)]
    return outputs, json.loads(result.stdout.strip().splitlines()[-1])


def _photo() -> np.ndarray:
    from tf_nst.media import images
    return images.resize(images.load_image(PHOTO), (120, 80)).round().astype(np.uint8)


def _png(image: np.ndarray) -> bytes:
    import tensorflow as tf
    return tf.io.encode_png(image).numpy()


def _decode(png: bytes) -> np.ndarray:
    import tensorflow as tf
    return tf.io.decode_png(png, channels=3).numpy()


def test_a_named_style_serves_from_images_alone_the_way_tf_serving_loads_it(tmp_path):
    from tf_nst.models.loading import load_model
    directory = tmp_path / "starry_night" / "1"
    result = run_cli("export", "--model=starry_night", f"--saved_model={directory}")
    assert result.returncode == 0, result.stderr
    assert "style_weights" not in result.stdout and "warm-up" in result.stdout
    photo = _photo()
    expected = np.clip(np.round(load_model("starry_night", "float32").transfer(photo.astype(np.float32))), 0, 255)
    outputs, replayed = served_like_tf_serving(directory, [
        ("serving_default", {"images": photo[None]}),
        ("stylize_encoded", {"image_bytes": np.array([_png(photo)])})], tmp_path)
    assert outputs[0]["stylized"].dtype == np.uint8 and outputs[0]["stylized"].shape == (1, 80, 120, 3)
    assert np.abs(outputs[0]["stylized"][0].astype(float) - expected).max() <= 1
    assert np.abs(_decode(outputs[1]["png_bytes"][0]).astype(float) - expected).max() <= 1
    assert sorted(replayed) == ["serving_default", "stylize_encoded"]  # one warm-up request per signature
    assert outputs[2]["stylized"].shape == (1, 64, 64, 3) and _decode(outputs[3]["png_bytes"][0]).shape == (64, 64, 3)
    assert not (directory / "assets" / "style_names.txt").exists()
    np.save(tmp_path / "images.npy", photo[None])
    cli = subprocess.run(["saved_model_cli", "run", "--dir", str(directory), "--tag_set", "serve", "--signature_def",
                          "serving_default", "--inputs", f"images={tmp_path / 'images.npy'}", "--outdir",
                          str(tmp_path / "cli")], capture_output=True, text=True, timeout=600)
    assert cli.returncode == 0, cli.stderr[-2000:]
    assert np.abs(np.load(tmp_path / "cli" / "stylized.npy")[0].astype(float) - expected).max() <= 1


def test_the_whole_multistyle_network_takes_style_weights_and_names_its_styles(tmp_path):
    from tf_nst.models.loading import load_model
    from tf_nst.serving.export import export_saved_model
    model = load_model("multistyle", "float32")
    directory = export_saved_model(model, tmp_path / "multistyle" / "1")
    names = (directory / "assets" / "style_names.txt").read_text().split()
    assert names == model.styles and len(names) == 10
    photo = _photo()
    weights = np.zeros(10, np.float32)
    weights[names.index("wave")] = 1.0
    expected = np.clip(np.round(load_model("wave", "float32").transfer(photo.astype(np.float32))), 0, 255)
    outputs, replayed = served_like_tf_serving(directory, [
        ("serving_default", {"images": photo[None], "style_weights": weights}),
        ("stylize_encoded", {"image_bytes": np.array([_png(photo)]), "style_weights": weights})], tmp_path)
    assert np.abs(outputs[0]["stylized"][0].astype(float) - expected).max() <= 1
    assert np.abs(_decode(outputs[1]["png_bytes"][0]).astype(float) - expected).max() <= 1
    assert sorted(replayed) == ["serving_default", "stylize_encoded"]
    (tmp_path / "alone").mkdir()
    with pytest.raises(AssertionError, match="takes"):  # images alone are refused: the weights are an input
        served_like_tf_serving(directory, [("serving_default", {"images": photo[None]})], tmp_path / "alone")


@pytest.mark.slow
def test_the_universal_export_takes_a_style_and_a_strength_the_way_tf_serving_loads_it(tmp_path):
    from tf_nst.media import images
    from tf_nst.models.loading import load_model
    from tf_nst.serving.export import export_saved_model
    model = load_model("universal", "float32")
    directory = export_saved_model(model, tmp_path / "universal" / "1")
    photo = _photo()
    style = images.resize_long_side(images.load_image(DATA / "styles" / "udnie.jpg"), 128).round().astype(np.uint8)
    expected = model(photo[None].astype(np.float32), style[None].astype(np.float32), strength=0.7).numpy()[0]
    outputs, replayed = served_like_tf_serving(directory, [
        ("serving_default", {"images": photo[None], "style": style[None], "strength": np.float32(0.7)})], tmp_path)
    assert np.abs(outputs[0]["stylized"][0].astype(float) - expected).max() <= 1.0 + 1e-3
    assert sorted(replayed) == ["serving_default", "stylize_encoded"]
    assert outputs[1]["stylized"].shape == (1, 64, 64, 3)


def test_the_grpc_client_gets_the_png_a_predict_service_returns(tmp_path):
    """tools/serving_client.py --grpc against a PredictionService that answers from the export's
    signature (as TF Serving does): the request's TensorProtos decode to what the signature takes."""
    from concurrent import futures

    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc
    from tf_nst.models.loading import load_model
    from tf_nst.serving.export import export_saved_model
    directory = export_saved_model(load_model("multistyle", "float32"), tmp_path / "m" / "1")
    signatures = tf.saved_model.load(str(directory)).signatures

    class Service(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):
            inputs = {name: tf.constant(tf.make_ndarray(proto)) for name, proto in request.inputs.items()}
            outputs = signatures[request.model_spec.signature_name](**inputs)
            reply = predict_pb2.PredictResponse()
            for name, value in outputs.items():
                reply.outputs[name].CopyFrom(tf.make_tensor_proto(value.numpy()))
            return reply

    server = grpc.server(futures.ThreadPoolExecutor(2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Service(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        photo = tmp_path / "photo.png"
        from tf_nst.media import images
        images.save_image(photo, _photo())
        result = subprocess.run([sys.executable, "tools/serving_client.py", f"--image={photo}",
                                 f"--output={tmp_path / 'out.png'}", f"--grpc=127.0.0.1:{port}", "--model_name=m",
                                 "--style_weights=0,0,0,0,0,0,0,0,1,0"], cwd=REPO, capture_output=True, text=True,
                                timeout=300)
    finally:
        server.stop(None)
    assert result.returncode == 0, result.stderr[-2000:]
    expected = np.clip(np.round(load_model("wave", "float32").transfer(_photo().astype(np.float32))), 0, 255)
    assert load_model("multistyle").styles[8] == "wave"
    assert np.abs(images.load_image(tmp_path / "out.png") - expected).max() <= 1
