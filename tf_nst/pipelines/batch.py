"""``tf-nst batch``: stylize every file an input pattern matches, on Apache Beam.

    files (fileio.MatchFiles, any filesystem Beam knows: local, gs://, s3://, hdfs://)
      -> decode and check each photo       (unreadable or oversized: a dead-letter line, the run goes on;
                                             an output that already exists: skipped, so a killed job resumes)
      -> RunInference(handler)             (the model loaded once per worker, photos batched by Beam)
      -> write each output atomically      (a temporary name, then a rename: no partial files)
      -> manifest.jsonl, dead_letter.jsonl (one JSON line per output / per failed input)

Beam metrics count processed, skipped and failed photos; :func:`run_batch` returns them.
"""
from __future__ import annotations

import dataclasses
import json
import time
import uuid
from pathlib import Path

import apache_beam as beam
import numpy as np
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.ml.inference.base import RunInference

from tf_nst.core.errors import UserError
from tf_nst.media import images as images_lib

NAMESPACE = "tf_nst"
MANIFEST, DEAD_LETTER = "manifest.jsonl", "dead_letter.jsonl"
#: Temporary outputs start with this; a rerun deletes those a killed run left behind.
TEMP_PREFIX = ".tf_nst-partial-"
#: The hidden folder (in the output folder) of a run's manifest and dead-letter shards until they are merged.
RUNS_FOLDER = ".tf_nst-runs"


@dataclasses.dataclass(frozen=True)
class BatchJob:
    """What to stylize and where: ``input`` a file pattern, ``output`` a folder (both any Beam
    filesystem); ``model`` names the model in the manifest; outputs as ``tf-nst transfer`` writes them."""

    input: str
    output: str
    model: str
    max_pixels: int = images_lib.MAX_PIXELS
    bit_depth: int = 8
    jpeg_quality: int = 95


@dataclasses.dataclass
class BatchReport:
    """Photos processed, skipped (their output existed) and failed (dead-lettered) in one run."""

    processed: int
    skipped: int
    failed: int

    def __str__(self) -> str:
        return f"processed {self.processed}, skipped {self.skipped}, failed {self.failed}"


def output_path(job: BatchJob, input_path: str) -> str:
    """Where the stylized copy of ``input_path`` goes (same name; ``.png`` for formats that cannot be written)."""
    return FileSystems.join(job.output, images_lib.output_name(FileSystems.split(input_path)[1]))


class DecodePhotos(beam.DoFn):
    """File metadata -> ``(input path, uint8 photo)``; ``"skipped"`` and ``"dead_letter"`` tagged
    outputs for existing outputs and for inputs that cannot be used (with the reason)."""

    def __init__(self, job: BatchJob):
        self.job = job
        self.skipped = Metrics.counter(NAMESPACE, "skipped")
        self.failed = Metrics.counter(NAMESPACE, "failed")

    def process(self, metadata):
        """One matched file: skipped, dead-lettered, or decoded."""
        source = metadata.path
        target = output_path(self.job, source)
        if target != source and FileSystems.exists(target):  # written whole by an earlier run (renamed into place)
            self.skipped.inc()
            yield beam.pvalue.TaggedOutput("skipped", self._known(source, target))
            return
        try:
            if target == source:
                raise UserError(f"refusing to overwrite the input with its output: {source}")
            with FileSystems.open(source) as handle:
                data = handle.read()
            photo = images_lib.decode_image(data, source, "input", self.job.max_pixels, np.uint8)
        except UserError as error:
            self.failed.inc()
            yield beam.pvalue.TaggedOutput("dead_letter", json.dumps({"input": source, "reason": str(error)}))
            return
        yield source, photo

    def _known(self, source: str, target: str) -> str:
        """The manifest line of an output an earlier run wrote (its time unknown)."""
        from PIL import Image
        with FileSystems.open(target) as handle, Image.open(handle) as image:
            size = list(image.size)
        return json.dumps({"input": source, "output": target, "size": size, "seconds": None, "model": self.job.model})


class WriteOutputs(beam.DoFn):
    """``(input path, uint8 output, seconds)`` -> the output file, written under a temporary name
    and renamed; yields its manifest line."""

    def __init__(self, job: BatchJob):
        self.job = job
        self.processed = Metrics.counter(NAMESPACE, "processed")

    def process(self, prediction):
        """One ``(input path, uint8 output, seconds)`` from RunInference: written, and its manifest line."""
        source, image, seconds = prediction
        target = output_path(self.job, source)
        folder, name = FileSystems.split(target)
        payload = images_lib.encode_image(image, "." + name.rsplit(".", 1)[-1], self.job.bit_depth,
                                          self.job.jpeg_quality)
        temporary = FileSystems.join(folder, f"{TEMP_PREFIX}{uuid.uuid4().hex}-{name}")
        with FileSystems.create(temporary) as handle:
            handle.write(payload)
        FileSystems.rename([temporary], [target])
        self.processed.inc()
        yield json.dumps({"input": source, "output": target, "size": [int(image.shape[1]), int(image.shape[0])],
                          "seconds": round(float(seconds), 4), "model": self.job.model})


def build(pipeline: beam.Pipeline, job: BatchJob, handler, run_id: str) -> None:
    """The pipeline's steps on ``pipeline`` (lines of this run go to shards in :data:`RUNS_FOLDER`)."""
    decoded = (pipeline
               | "Match" >> fileio.MatchFiles(job.input)
               | "Spread" >> beam.Reshuffle()
               | "Decode" >> beam.ParDo(DecodePhotos(job)).with_outputs("skipped", "dead_letter", main="photos"))
    lines = (decoded.photos
             | "Stylize" >> RunInference(handler)
             | "Write" >> beam.ParDo(WriteOutputs(job)))
    for label, collection in (("manifest", lines), ("known", decoded.skipped), ("dead_letter", decoded.dead_letter)):
        _ = collection | f"Write {label}" >> beam.io.WriteToText(
            FileSystems.join(job.output, RUNS_FOLDER, f"{run_id}.{label}"), shard_name_template="-SSSSS")


def _merge_lines(job: BatchJob, run_id: str, labels: dict[str, bool], file_name: str, key: str) -> None:
    """Merge this run's shards into ``file_name``, one line per ``key``: a label mapped to True
    replaces an earlier line, one mapped to False only fills a missing one. Written atomically."""
    target = FileSystems.join(job.output, file_name)
    lines = {}
    if FileSystems.exists(target):
        with FileSystems.open(target) as handle:
            for line in handle.read().decode().splitlines():
                lines[json.loads(line)[key]] = line
    for label, replaces in labels.items():
        for shard in sorted(m.path for match in FileSystems.match(
                [FileSystems.join(job.output, RUNS_FOLDER, f"{run_id}.{label}*")]) for m in match.metadata_list):
            with FileSystems.open(shard) as handle:
                for line in filter(str.strip, handle.read().decode().splitlines()):
                    name = json.loads(line)[key]
                    if replaces or name not in lines:
                        lines[name] = line
    temporary = FileSystems.join(job.output, f"{TEMP_PREFIX}{file_name}")
    with FileSystems.create(temporary) as handle:
        handle.write(("".join(line + "\n" for line in sorted(lines.values()))).encode())
    FileSystems.rename([temporary], [target])


def _remove_leftovers(job: BatchJob) -> None:
    """Temporary files and run shards a killed (or finished) run left behind."""
    found = [m.path for match in FileSystems.match([FileSystems.join(job.output, f"{TEMP_PREFIX}*")])
             for m in match.metadata_list]
    runs = FileSystems.join(job.output, RUNS_FOLDER)
    if FileSystems.exists(runs):
        found.append(runs)
    if found:
        FileSystems.delete(found)


def run_batch(job: BatchJob, handler, pipeline_args: list[str] | None = None) -> BatchReport:
    """Run the pipeline to the end on the runner ``pipeline_args`` name (``--runner=...`` and its
    options; the DirectRunner by default), merge its manifest and dead-letter lines, and report."""
    from apache_beam.options.pipeline_options import PipelineOptions
    if not FileSystems.match([job.input])[0].metadata_list:
        raise UserError(f"no files match --input={job.input}")
    input_folder, output_folder = FileSystems.split(job.input)[0], FileSystems.split(FileSystems.join(job.output, "x"))[0]
    if input_folder == output_folder or (
            "://" not in job.output and Path(input_folder).resolve() == Path(output_folder).resolve()):
        raise UserError("--output is the --input folder; refusing to overwrite the inputs")
    if not FileSystems.exists(job.output):
        FileSystems.mkdirs(job.output)
    _remove_leftovers(job)
    run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    pipeline = beam.Pipeline(options=PipelineOptions(pipeline_args or []))
    build(pipeline, job, handler, run_id)
    result = pipeline.run()
    result.wait_until_finish()
    _merge_lines(job, run_id, {"manifest": True, "known": False}, MANIFEST, "output")
    _merge_lines(job, run_id, {"dead_letter": True}, DEAD_LETTER, "input")
    _remove_leftovers(job)
    counters = {metric.key.metric.name: metric.committed for metric in
                result.metrics().query(beam.metrics.MetricsFilter().with_namespace(NAMESPACE))["counters"]}
    return BatchReport(*(int(counters.get(name) or 0) for name in ("processed", "skipped", "failed")))
