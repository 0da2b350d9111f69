"""Video transfer: clips (anything FFmpeg reads, through PyAV) or folders of numbered frames.

    from tf_nst.video.clips import transfer_video
    transfer_video(model, "clip.mp4", "out.mp4", TransferOptions(), TemporalOptions(blend=0.6))

Frames are decoded in a worker thread, go through the model in batches, are stabilized
(:mod:`tf_nst.video.temporal`) and encoded (H.264, or numbered PNGs for a folder) in a second worker
thread, so decoding, stylization and encoding overlap. The output keeps the frame rate, the size,
the rotation metadata and the audio stream (its packets copied, not re-encoded). It is written
to a temporary file renamed at the end: an error or Ctrl-C leaves no half-written output.
"""
from __future__ import annotations

import dataclasses
import fractions
import os
import queue
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from tf_nst.media import images as images_lib
from tf_nst.core.errors import UserError
from tf_nst.transfer.fast_model import FastModel
from tf_nst.transfer.options import TransferOptions
from tf_nst.video.temporal import Stabilizer, TemporalOptions

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".m4v", ".avi")
DEFAULT_FPS = 25
_END = object()


@dataclasses.dataclass
class VideoProgress:
    """Frames done (of ``total``, 0 if unknown), frames per second and time left."""

    done: int = 0
    total: int = 0
    start: float = dataclasses.field(default_factory=time.perf_counter)

    @property
    def fps(self) -> float:
        """Frames done per second of wall time so far."""
        return self.done / max(time.perf_counter() - self.start, 1e-9)

    def __str__(self) -> str:
        left = f", ETA {(self.total - self.done) / max(self.fps, 1e-9):.0f}s" if self.total else ""
        return f"frame {self.done}/{self.total or '?'}, {self.fps:.1f} fps{left}"


def is_video(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a video file (by its suffix) rather than a folder of frames."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


class VideoSource:
    """Decoded RGB uint8 frames of a clip (or of a folder of numbered images) and what to keep."""

    def __init__(self, path: str | os.PathLike, fps: float = DEFAULT_FPS, max_size: int | None = None):
        self.path, self.max_size = Path(path), max_size
        self.rotation, self.audio, self._container = 0, None, None
        if not self.path.exists():
            raise UserError(f"input not found: {self.path}")
        if self.path.is_dir():
            self.frame_files = sorted((p for p in self.path.iterdir() if p.is_file() and not p.name.startswith(".")),
                                      key=_natural_key)
            if not self.frame_files:
                raise UserError(f"no frames in folder {self.path}")
            self.fps, self.total = fractions.Fraction(fps).limit_denominator(1001), len(self.frame_files)
            self.height, self.width = next(self.frames()).shape[:2]
            return
        self.frame_files = None
        import av
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError) as error:
            raise UserError(f"input is not a readable video ({type(error).__name__}): {self.path}") from None
        if not self._container.streams.video:
            raise UserError(f"input has no video stream: {self.path}")
        stream = self._container.streams.video[0]
        if stream.codec_context is None or not stream.codec_context.name:
            raise UserError(f"input's video codec is not supported: {self.path}")
        self.fps = stream.average_rate or stream.guessed_rate or fractions.Fraction(DEFAULT_FPS)
        self.total = stream.frames or 0
        self.width, self.height = stream.codec_context.width, stream.codec_context.height
        self.audio = self._container.streams.audio[0] if self._container.streams.audio else None
        frames = self.frames()
        try:
            first = next(frames)
        except StopIteration:
            raise UserError(f"input has no video frames: {self.path}") from None
        self.height, self.width = first.shape[:2]
        self.close()

    def frames(self) -> Iterator[np.ndarray]:
        """RGB uint8 frames, shrunk to ``max_size`` (long side) if larger."""
        for frame in self._decoded():
            if self.max_size is not None and max(frame.shape[:2]) > self.max_size:
                import cv2
                scale = self.max_size / max(frame.shape[:2])
                size = (max(1, round(frame.shape[1] * scale)), max(1, round(frame.shape[0] * scale)))
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            yield frame

    def _decoded(self) -> Iterator[np.ndarray]:
        if self.frame_files is not None:
            first = None
            for path in self.frame_files:
                frame = images_lib.load_image(path, "frame", dtype=np.uint8)
                first = first or frame.shape[:2]
                if frame.shape[:2] != first:
                    raise UserError(f"frame {path.name} is {frame.shape[1]}x{frame.shape[0]}, the first frame "
                                    f"{first[1]}x{first[0]}")
                yield frame
            return
        import av
        container = av.open(str(self.path))
        try:
            for frame in container.decode(video=0):
                self.rotation = frame.rotation or 0
                yield frame.to_ndarray(format="rgb24")
        except av.error.FFmpegError as error:
            raise UserError(f"could not decode the video ({error}): {self.path}") from None
        finally:
            container.close()

    def close(self) -> None:
        """Release the decoder (the clip file stays open until then)."""
        if self._container is not None:
            self._container.close()
            self._container = None


def _natural_key(path: Path):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


class VideoSink:
    """Encodes RGB uint8 frames to a temporary file beside ``path`` (H.264 + the source's audio
    packets), or numbered PNGs into a temporary folder; :meth:`commit` renames it into place."""

    def __init__(self, path: Path, source: VideoSource, crf: int = 18):
        self.path, self.source, self.frames = Path(path), source, 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not is_video(self.path):  # a folder of frames
            self._temporary = Path(tempfile.mkdtemp(dir=self.path.parent, prefix=f".{self.path.name}."))
            return
        import av
        handle, name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=self.path.suffix)
        os.close(handle)
        self._temporary = Path(name)
        self._container = av.open(name, "w")
        self._video = self._container.add_stream("libx264", rate=source.fps)
        # 4:2:0 needs even sides; odd ones keep full chroma rather than change the size.
        even = source.width % 2 == 0 and source.height % 2 == 0
        self._video.width, self._video.height = source.width, source.height
        self._video.pix_fmt = "yuv420p" if even else "yuv444p"
        self._video.options = {"crf": str(crf), "preset": "veryfast"}
        self._audio_in, self._audio_packets = None, None
        if source.audio is not None:
            self._audio_in = av.open(str(source.path))
            self._audio = self._container.add_stream_from_template(self._audio_in.streams.audio[0])
            self._audio_packets = self._audio_in.demux(self._audio_in.streams.audio[0])
        self._pending_audio = None

    def write(self, frame: np.ndarray) -> None:
        """Append one uint8 frame [H, W, 3] (to the temporary file or folder)."""
        if not is_video(self.path):
            images_lib.save_image(self._temporary / f"{self.frames:06d}.png", frame)
            self.frames += 1
            return
        import av
        if self.frames == 0 and self.source.rotation:
            self._video.set_display_rotation(self.source.rotation)
        video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
        video_frame.pts, video_frame.time_base = self.frames, 1 / fractions.Fraction(self.source.fps)
        for packet in self._video.encode(video_frame):
            self._container.mux(packet)
        self.frames += 1
        self._mux_audio(until=self.frames / self.source.fps)

    def _mux_audio(self, until: float | None) -> None:
        """Copy the source's audio packets up to ``until`` seconds (None: all the rest), so that
        audio and video interleave."""
        while self._audio_packets is not None:
            packet, self._pending_audio = self._pending_audio or next(self._audio_packets, None), None
            if packet is None:
                self._audio_packets = None
            elif packet.pts is not None and packet.size:  # not the demuxer's final empty packet
                if until is not None and packet.pts * packet.time_base > until:
                    self._pending_audio = packet
                    return
                packet.stream = self._audio
                self._container.mux(packet)

    def commit(self) -> Path:
        """Finish the output (flush the encoder, mux the audio) and move it into place atomically."""
        if is_video(self.path):
            for packet in self._video.encode():
                self._container.mux(packet)
            self._mux_audio(until=None)
            self._close()
            os.chmod(self._temporary, 0o666 & ~images_lib.UMASK)
            os.replace(self._temporary, self.path)
        else:
            if self.path.exists():
                raise UserError(f"output folder exists, refusing to mix frames into it: {self.path}")
            os.chmod(self._temporary, 0o777 & ~images_lib.UMASK)
            os.replace(self._temporary, self.path)
        return self.path

    def abort(self) -> None:
        """Drop the partial output; nothing is left at the target."""
        if is_video(self.path):
            self._close()
            self._temporary.unlink(missing_ok=True)
        else:
            for child in self._temporary.iterdir():
                child.unlink()
            self._temporary.rmdir()

    def _close(self) -> None:
        self._container.close()
        if self._audio_in is not None:
            self._audio_in.close()
            self._audio_in = None


def _in_thread(work: Callable[[], None], errors: list) -> threading.Thread:
    def run():
        try:
            work()
        except BaseException as error:  # handed to the main thread
            errors.append(error)
    thread = threading.Thread(target=run, daemon=True, name="tf_nst_video")
    thread.start()
    return thread


def transfer_video(model: FastModel, source: str | os.PathLike, target: str | os.PathLike, options=None,
                   temporal: TemporalOptions = TemporalOptions(), batch_size: int = 4,
                   mask_fn: Callable[[np.ndarray], np.ndarray] | None = None, fps: float = DEFAULT_FPS,
                   progress: Callable[[VideoProgress], None] | None = None) -> VideoProgress:
    """Stylize a clip (or a folder of numbered frames) into ``target`` (a video file or a folder of
    PNG frames) with a fast model; returns the final progress (frames done, fps). ``mask_fn(frame)
    -> [H, W]`` makes it local, frame by frame."""
    options = (options or TransferOptions()).check(model)
    temporal = temporal.check()
    images_lib.refuse_overwriting_inputs(target, [source])
    if not is_video(target) and Path(target).suffix:
        raise UserError(f"video output needs a {', '.join(VIDEO_SUFFIXES)} file or a folder name: {target}")
    video = VideoSource(source, fps, options.max_size)
    options = options.encoded_for(model)
    sink = VideoSink(Path(target), video)
    state = VideoProgress(total=video.total)
    decoded, encoded, errors = queue.Queue(2 * batch_size), queue.Queue(2 * batch_size), []
    stop = threading.Event()

    def decode():
        frames = video.frames()
        try:
            for frame in frames:
                while not _put(decoded, frame, stop):
                    pass
                if stop.is_set():
                    return
            while not _put(decoded, _END, stop):
                pass
        finally:
            frames.close()

    def encode():
        while (frame := _get(encoded, stop)) is not _END:
            sink.write(frame)

    def stylize(batch: list[np.ndarray]) -> np.ndarray:
        return model.transfer_photos(np.stack(batch), options, mask_fn)

    stabilizer = Stabilizer(temporal)
    threads = [_in_thread(decode, errors), _in_thread(encode, errors)]
    try:
        finished = False
        while not finished and not errors:
            batch = []
            while len(batch) < batch_size and (frame := _get(decoded, stop, errors)) is not _END:
                batch.append(frame)
            finished = len(batch) < batch_size
            for frame, stylized in zip(batch, stylize(batch) if batch else []):
                while not _put(encoded, np.clip(np.rint(stabilizer(frame, stylized)), 0, 255).astype(np.uint8),
                               stop):
                    if errors:
                        raise errors[0]
                state.done += 1
                if progress is not None:
                    progress(state)
        while not errors and not _put(encoded, _END, stop):
            pass
        threads[1].join()
        if errors:
            raise errors[0]
        if state.done == 0:
            raise UserError(f"input has no video frames: {source}")
        sink.commit()
    except BaseException:
        stop.set()
        for thread in threads:
            thread.join()
        sink.abort()
        raise
    finally:
        video.close()
    return state


def _put(items: queue.Queue, item, stop: threading.Event) -> bool:
    """Put ``item`` unless ``stop`` is set; False if the queue stayed full for a while."""
    try:
        items.put(item, timeout=0.5)
        return True
    except queue.Full:
        return stop.is_set()


def _get(items: queue.Queue, stop: threading.Event, errors: list = ()):
    """The next item, or the end marker once stopped or a worker has failed."""
    while not stop.is_set():
        try:
            return items.get(timeout=0.5)
        except queue.Empty:
            if errors:
                return _END
    return _END
