"""The trainer: one loop for every network tf_nst trains (the task, :mod:`tf_nst.training.tasks`,
says which: transform networks, universal-style decoders), kept apart from the image-optimization
loop in :mod:`tf_nst.optimization.loop`.

A training run owns one output folder::

    MODEL_DIR/model.npz        the network, loadable with tf_nst.load_model(MODEL_DIR)
    MODEL_DIR/run.json         config, style and progress of the run
    MODEL_DIR/checkpoints/     tf.train.CheckpointManager (model, Adam state, step, data order)
    MODEL_DIR/logs/            TensorBoard scalars and sample images

Running again with the same folder resumes from the newest checkpoint.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import time
from pathlib import Path
from typing import Callable, Sequence

import keras
import ml_collections
import numpy as np
import tensorflow as tf

from tf_nst import config as config_lib
from tf_nst.media import images as images_lib
from tf_nst.core.console import RelativeTerms
from tf_nst.core.errors import UserError
from tf_nst.perceptual.backbones import python_random_preserved
from tf_nst.networks.store import read_weights, save_weights
from tf_nst.training.tasks import make_task

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")


def scan_image_folder(folder: str | Path) -> tuple[list[str], list[str]]:
    """Image files under ``folder`` (recursively) that open, and those that do not."""
    from PIL import Image

    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"training data folder not found: {folder}")
    readable, unreadable = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES):
        try:
            with Image.open(path) as image:
                image.verify()
            readable.append(str(path))
        except Exception:  # PIL raises many types for broken files
            unreadable.append(str(path))
    if not readable:
        raise UserError(f"no readable images ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
    return readable, unreadable


def _decode(path: bytes) -> np.ndarray:
    return images_lib.load_image(path.decode())


def _random_crop(image: tf.Tensor, size: int, seed: tf.Tensor) -> tf.Tensor:
    """Resize the short side to ``size``, take a random square crop, flip left-right at random
    (stateless: ``seed`` [2] decides both, so the data order never depends on global seeds)."""
    image.set_shape([None, None, 3])
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    scale = size / tf.reduce_min(shape)
    new_shape = tf.maximum(tf.cast(tf.math.ceil(shape * scale), tf.int32), size)
    image = tf.image.resize(image, new_shape, antialias=True)
    image = tf.image.stateless_random_crop(image, [size, size, 3], seed=seed)
    image = tf.image.stateless_random_flip_left_right(image, seed=seed[::-1])
    return tf.clip_by_value(image, 0.0, 255.0)


def image_dataset(paths: list[str], image_size: int, batch_size: int, seed: int) -> tf.data.Dataset:
    """Endless shuffled batches [B, S, S, 3] float32 0..255; files that fail to decode are dropped."""
    dataset = tf.data.Dataset.from_tensor_slices(paths)
    dataset = dataset.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True).repeat()
    dataset = dataset.map(lambda p: tf.numpy_function(_decode, [p], tf.float32, stateful=False),
                          num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.ignore_errors()
    seeds = tf.data.Dataset.random(seed=seed).batch(2)
    dataset = tf.data.Dataset.zip(dataset, seeds).map(lambda image, pair: _random_crop(image, image_size, pair),
                                                      num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def learning_rate(config: ml_collections.ConfigDict):
    """Adam's learning rate: constant, or cosine decay to 10 % over ``config.steps``."""
    if config.lr_schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(config.learning_rate, config.steps, alpha=0.1)
    return config.learning_rate


def make_strategy(name: str) -> tf.distribute.Strategy:
    """The tf.distribute strategy for ``config.strategy``; "mirrored" uses every GPU, else every logical CPU."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = gpus or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([device.name for device in devices])
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise UserError(f"unknown strategy {name!r}; choose one of {', '.join(config_lib.STRATEGIES)}")


@dataclasses.dataclass
class TrainResult:
    """What a run of :func:`train` did: steps, resume point, final losses, where the model went."""

    step: int  # steps done in total, including those before a resume
    resumed_from: int  # 0 for a fresh run
    losses: dict[str, float]  # mean of the last logged interval
    seconds: float  # wall time of this process's training loop
    skipped_files: list[str]


@contextlib.contextmanager
def _exclusive(output_dir: Path):
    """Hold a lock on ``output_dir`` so that a second training process cannot write into it.

    The operating system drops the lock when the process ends, however it ends (kill -9 too).
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    with open(output_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UserError(f"another tf-nst train is writing to {output_dir}; wait for it or use "
                            "another --output") from None
        yield


def _read_run(run_file: Path) -> dict:
    try:
        return json.loads(run_file.read_text())
    except (OSError, ValueError):
        return {}


#: What a run.json written before a field existed means by its absence.
RUN_DEFAULTS = {"kind": "transform_training", "reflect_border": False, "encoder": "vgg19", "encoder_width": 0.25}


def _check_same_run(run_file: Path, config: ml_collections.ConfigDict, fields: tuple[str, ...]) -> None:
    previous = _read_run(run_file).get("config")
    if not previous:
        return
    for field in ("kind",) + fields:
        ours = list(config[field]) if isinstance(config[field], tuple) else config[field]
        if previous.get(field, RUN_DEFAULTS.get(field)) != ours:
            raise UserError(f"{run_file.parent} holds a run with {field}={previous.get(field)!r}, not "
                            f"{config[field]!r}; use a new --output folder to start another model")


def train(config: ml_collections.ConfigDict, data_dir: str | Path, output_dir: str | Path,
          styles: Sequence[np.ndarray] = (), style_names: Sequence[str] = (), weights_dir: str | None = None,
          verbose: bool = True, callback: Callable[[int, dict], None] | None = None,
          init_from: str | Path | None = None, finetune_from: str | Path | None = None) -> TrainResult:
    """Train (or resume training) the network ``config.kind`` names on the photos in ``data_dir``.

    ``styles`` ([H, W, 3] 0..255) and their names are what a transform network learns; decoders take none.
    ``init_from`` (a trained multi-style network) adds ``styles`` to it, training only their scales and shifts.
    ``finetune_from`` (a trained transform network with as many styles) starts every weight from it, at step 0.
    """
    config_lib.validate_training(config)
    output_dir = Path(output_dir)
    style_names = list(style_names) or [f"style{index}" for index in range(len(styles))]
    task = make_task(config, list(styles), style_names, weights_dir, None if init_from is None else str(init_from),
                     None if finetune_from is None else str(finetune_from))
    with _exclusive(output_dir):
        return _train(task.config, task, data_dir, output_dir, verbose, callback)


def _train(config: ml_collections.ConfigDict, task, data_dir: str | Path, output_dir: Path, verbose: bool,
           callback: Callable[[int, dict], None] | None) -> TrainResult:
    run_file = output_dir / "run.json"
    _check_same_run(run_file, config, task.architecture_fields)
    paths, unreadable = scan_image_folder(data_dir)
    if verbose and unreadable:
        print(f"skipping {len(unreadable)} unreadable file(s) in {data_dir}, e.g. {unreadable[0]}", flush=True)

    strategy = make_strategy(config.strategy)
    replicas = strategy.num_replicas_in_sync
    if config.batch_size % replicas:
        raise UserError(f"config.batch_size={config.batch_size} does not split over {replicas} replicas")
    if verbose:
        print(f"{type(strategy).__name__} with {replicas} replica(s), {len(paths)} training images", flush=True)
    with strategy.scope():
        with python_random_preserved(config.seed):
            model = task.build()
        steps_before = 0  # a fine-tuned network's saved steps count its source's too
        if task.finetune_from is not None:  # a resumed run restores its own checkpoint over these below
            weights, source = read_weights(task.finetune_from)
            model.set_weights(weights)
            steps_before = source.get("steps", 0)
        optimizer = keras.optimizers.Adam(learning_rate(config))
        optimizer.build(model.trainable_variables)
        step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, step=step)
    manager = tf.train.CheckpointManager(checkpoint, str(output_dir / "checkpoints"), config.keep_checkpoints)
    if manager.latest_checkpoint:
        try:
            checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
        except (AssertionError, ValueError, tf.errors.OpError) as error:
            raise UserError(f"could not resume from {manager.latest_checkpoint} ({type(error).__name__}); "
                            "use a new --output folder") from None
    resumed_from = int(step.numpy())

    # A resumed run sees a new data order rather than replaying the batches it already trained on.
    dataset = image_dataset(paths, config.image_size, config.batch_size, config.seed + resumed_from)
    batches = iter(strategy.experimental_distribute_dataset(dataset))

    def replica_step(batch: tf.Tensor) -> dict[str, tf.Tensor]:
        with tf.GradientTape() as tape:
            values = task.losses(batch)
            loss = values["total"] / replicas
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return values

    @tf.function
    def train_step(batch) -> dict[str, tf.Tensor]:
        values = strategy.run(replica_step, args=(batch,))
        step.assign_add(1)
        return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in values.items()}

    run = {"config": config.to_dict(), **{k: v for k, v in task.metadata.items() if k == "style"},
           **({"init_from": task.init_from} if getattr(task, "init_from", None) else {}),
           **({"finetune_from": task.finetune_from} if task.finetune_from else {}),
           "data": str(data_dir), "skipped_files": unreadable}
    writer = tf.summary.create_file_writer(str(output_dir / "logs"))
    samples = next(iter(dataset))[:2]
    progbar = keras.utils.Progbar(config.steps - resumed_from, stateful_metrics=["step", "steps/s"]) \
        if verbose and config.steps > resumed_from else None
    relative = RelativeTerms()  # the bar shows each term as a fraction of its first value
    if verbose and resumed_from:
        print(f"resuming from step {resumed_from} ({manager.latest_checkpoint})", flush=True)

    def save(current: int, seconds: float) -> None:
        manager.save(checkpoint_number=current)
        save_weights(output_dir / "model.npz", model, {**task.metadata, "steps": steps_before + current})
        record = {**run, "steps": current, "seconds_this_process": round(seconds, 1)}
        images_lib.write_atomically(run_file, lambda h: h.write(json.dumps(record, indent=1)), binary=False)

    start, interval_start, sums, count, last = time.perf_counter(), time.perf_counter(), {}, 0, {}
    current = resumed_from
    try:
        while current < config.steps:
            values = train_step(next(batches))
            current += 1
            count += 1  # steps summed since the last log (a resume need not start on a multiple)
            for key, value in values.items():
                sums[key] = sums.get(key, 0.0) + float(value)
            if current % config.log_every == 0 or current == config.steps:
                last = {k: v / count for k, v in sums.items()}
                rate = count / (time.perf_counter() - interval_start)
                with writer.as_default(step=current):
                    for key, value in last.items():
                        tf.summary.scalar(f"loss/{key}", value)
                    tf.summary.scalar("steps_per_second", rate)
                sums, count, interval_start = {}, 0, time.perf_counter()
                if callback is not None:
                    callback(current, last)
            if current % config.sample_every == 0:
                with writer.as_default(step=current):
                    tf.summary.image("samples", task.samples(samples) / 255.0, max_outputs=2)
            if current % config.checkpoint_every == 0 or current == config.steps:
                save(current, time.perf_counter() - start)
            if progbar is not None:
                rate = (current - resumed_from) / (time.perf_counter() - start)
                progbar.update(current - resumed_from, [("step", current), ("steps/s", rate)]
                               + relative({k: v for k, v in values.items() if "/" not in k}))
    finally:
        writer.flush()
    return TrainResult(current, resumed_from, last, time.perf_counter() - start, unreadable)
