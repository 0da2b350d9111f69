"""How fast the web page's Fast mode answers, idle and while an optimization runs on the same server.

python tools/web_benchmark.py [--size=512] [--repeats=10] [--optimize_size=512]

Starts `tf-nst serve` on a free port, then, through Gradio's own client (upload, queue, download:
what a browser waits for), times Fast-mode requests at --size px: first on an idle server, then
while an optimization (--preset at --optimize_size px) runs, and prints a Markdown table.
"""
from __future__ import annotations

import logging
import statistics
import tempfile
import time
from pathlib import Path

from absl import app, flags

REPO = Path(__file__).resolve().parent.parent
flags.DEFINE_integer("size", 512, "Long side of the Fast-mode photo and output, px.")
flags.DEFINE_integer("repeats", 10, "Fast-mode requests per condition (after one warm-up).")
flags.DEFINE_list("models", ["starry_night", "universal"], "Fast-mode models (universal: with --painting).")
flags.DEFINE_string("photo", str(REPO.parent / "shared/data/content/tubingen.jpg"), "Fast-mode photo.")
flags.DEFINE_string("painting", str(REPO / "tf_nst/assets/starry_night.jpg"),
                    "Painting for the optimization and the universal model.")
flags.DEFINE_string("preset", "gatys2016", "Optimization preset running in the background.")
flags.DEFINE_integer("optimize_size", 512, "Long side of the background optimization, px.")
FLAGS = flags.FLAGS


def _fast_seconds(client, photo: str, repeats: int) -> dict[str, list[float]]:
    """Seconds per Fast-mode request, for each of --models, interleaved."""
    from gradio_client import handle_file
    seconds = {model: [] for model in FLAGS.models}
    for _ in range(repeats):
        for model in FLAGS.models:
            painting = handle_file(FLAGS.painting) if model == "universal" else None
            start = time.perf_counter()
            client.predict(handle_file(photo), model, painting, 1.0, "painting's colours", "whole photo", FLAGS.size,
                           api_name="/transfer")
            seconds[model].append(time.perf_counter() - start)
    return seconds


def main(_):
    from gradio_client import Client, handle_file
    from PIL import Image
    logging.getLogger("httpx").setLevel(logging.WARNING)
    photo = Path(tempfile.mkdtemp()) / "photo.png"
    image = Image.open(FLAGS.photo).convert("RGB")
    image.thumbnail((FLAGS.size, FLAGS.size))
    image.save(photo)
    from tf_nst.web import start_server
    server, url = start_server()
    try:
        client = Client(url, verbose=False)
        _fast_seconds(client, str(photo), 1)  # warm-up: loads and compiles the model
        idle = _fast_seconds(client, str(photo), FLAGS.repeats)
        optimizer = Client(url, verbose=False)
        job = optimizer.submit(handle_file(str(photo)), handle_file(FLAGS.painting), FLAGS.preset,
                               FLAGS.optimize_size, 1000, 1.0, "painting's colours", api_name="/optimize")
        while len(job.outputs()) < 3 and not job.done():  # running, past its start-up and tracing
            time.sleep(0.5)
        before = job.outputs()[-1][1]
        busy = _fast_seconds(client, str(photo), FLAGS.repeats)
        status = f"{before} → {job.outputs()[-1][1]} meanwhile"
        optimizer.predict(api_name="/stop")
        job.result()
    finally:
        server.terminate()
        server.wait(60)
    print(f"Fast mode, {image.size[0]}x{image.size[1]}: seconds per request (median / max of {FLAGS.repeats}); "
          f"background: {FLAGS.preset} at {FLAGS.optimize_size} px ({status})\n")
    print("| model | idle server | while an optimization runs |")
    print("|---|---|---|")
    for model in FLAGS.models:
        print(f"| {model} | {statistics.median(idle[model]):.2f} / {max(idle[model]):.2f} | "
              f"{statistics.median(busy[model]):.2f} / {max(busy[model]):.2f} |")

if __name__ == "__main__":
    app.run(main)
