"""Capped decoding of selfie videos with PyAV (FFmpeg ships in its wheel).

Frames come out upright (rotation metadata honoured), grey and downscaled for analysis; the
colour image of a frame is converted only when asked for.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.vision.types import Limits, VisionError

if TYPE_CHECKING:
    import av.video.frame

_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "gif", "webp_pipe", "bmp_pipe", "tiff_pipe"}
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM")


def _looks_like_video(head: bytes) -> bool:
    """True for the signatures of the containers phones and browsers produce."""
    return (
        head[4:8] in {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"}
        or head.startswith(b"\x1a\x45\xdf\xa3")  # Matroska / WebM
        or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
        or head.startswith(b"\x00\x00\x01\xba")  # MPEG-PS
        or head[:1] == b"\x47"  # MPEG-TS
    )


class Scalers:
    """One swscale context per kind of conversion, shared by a video's frames.

    ``VideoFrame.reformat`` makes a new context for every call, and with ``threads`` left at
    0 swscale starts a pool of threads for each: about twice the CPU of a kept single-thread
    context (0.2 against 0.3-0.8 ms a frame for the grey work frame of a 640 px video, and
    more in wall time), for the same pixels.
    """

    __slots__ = ("_by_kind",)

    def __init__(self) -> None:
        self._by_kind: dict[str, Any] = {}

    def convert(
        self, source: av.video.frame.VideoFrame, kind: str, width: int, height: int, fmt: str
    ) -> np.ndarray:
        """``source`` at ``width`` x ``height`` in pixel format ``fmt``, as an array."""
        scaler = self._by_kind.get(kind)
        if scaler is None:
            from av.video.reformatter import VideoReformatter

            scaler = self._by_kind[kind] = VideoReformatter()
        out = scaler.reformat(source, width=width, height=height, format=fmt, threads=1)
        return np.asarray(out.to_ndarray())


@dataclass(frozen=True)
class VideoInfo:
    """Stream facts: stored frame size (before any display rotation), rate, duration."""

    width: int
    height: int
    fps: float
    declared_duration_s: float | None
    rotation: int
    codec: str


class Frame:
    """One analysed frame: upright grey image at work resolution, colour on demand."""

    __slots__ = ("_gray", "_rgb", "_scalers", "_source", "index", "rotation", "scale", "size", "t")

    def __init__(
        self,
        index: int,
        t: float,
        size: tuple[int, int],
        scale: float,
        source: av.video.frame.VideoFrame | None,
        rotation: int,
        scalers: Scalers | None = None,
    ) -> None:
        self._scalers = scalers if scalers is not None else Scalers()
        self.index = index
        self.t = t
        self.size = size  # stored width, height at work resolution (before rotation)
        self.scale = scale
        self.rotation = rotation
        self._source: av.video.frame.VideoFrame | None = source
        self._gray: np.ndarray | None = None
        self._rgb: np.ndarray | None = None

    @property
    def gray(self) -> np.ndarray:
        """Upright grey image at work resolution (converted on first use)."""
        if self._gray is None:
            assert self._source is not None, "frame released before use"
            w, h = self.size
            arr = self._scalers.convert(self._source, "gray", w, h, "gray")
            self._gray = _upright(arr, self.rotation)
        return self._gray

    def gray_finer(self, factor: float) -> np.ndarray | None:
        """Upright grey image at ``factor`` times the work resolution, at most the stored one.

        None once the decoder's frame is released. For measures that need more detail than the
        work resolution keeps (the sharpness of a small face).
        """
        return self._finer(factor, "gray")

    def rgb_finer(self, factor: float) -> np.ndarray | None:
        """Upright RGB image at ``factor`` times the work resolution, at most the stored one.

        None once the decoder's frame is released (or converted by ``rgb()``). For the face
        encoder, whose 150 px face chip wants more detail than a small face keeps at the work
        resolution. Landmarks at work resolution map onto it by ``x * width / work_width``.
        """
        return self._finer(factor, "rgb24")

    @property
    def upright_size(self) -> tuple[int, int]:
        """Width and height of the upright frame at work resolution."""
        w, h = self.size
        return (h, w) if round(self.rotation / 90.0) % 2 else (w, h)

    def _finer(self, factor: float, fmt: str) -> np.ndarray | None:
        if self._source is None:
            return None
        factor = max(1.0, min(factor, 1.0 / self.scale))
        w, h = self.size
        fw, fh = max(2, round(w * factor)), max(2, round(h * factor))
        arr = self._scalers.convert(self._source, f"{fmt}_finer", fw, fh, fmt)
        return _upright(arr, self.rotation)

    def rgb(self) -> np.ndarray:
        """Upright RGB image at work resolution (converted once, then kept)."""
        if self._rgb is None:
            assert self._source is not None, "frame released before use"
            w, h = self.size
            arr = self._scalers.convert(self._source, "rgb", w, h, "rgb24")
            self._rgb = _upright(arr, self.rotation)
            self._source = None
        return self._rgb

    def keep(self) -> Frame:
        """A light copy that holds only the decoder's frame, for a later ``rgb()``.

        Keeping the YUV frame (about 1.5 bytes a pixel, no conversion) is cheaper than
        converting every candidate key frame to RGB when most are replaced by better ones.
        """
        if self._rgb is not None:
            kept = Frame(
                self.index, self.t, self.size, self.scale, None, self.rotation, self._scalers
            )
            kept._rgb = self._rgb
            return kept
        assert self._source is not None, "frame released before use"
        return Frame(
            self.index, self.t, self.size, self.scale, self._source, self.rotation, self._scalers
        )

    def release(self) -> None:
        """Drop the decoder's frame and the grey copy (keeps memory flat)."""
        self._source = None
        self._gray = None


def _upright(arr: np.ndarray, rotation: int) -> np.ndarray:
    """Apply the display rotation (degrees counter-clockwise, as FFmpeg reports it).

    Always a C-contiguous array: FFmpeg pads every line of a frame to an aligned stride (a
    300 px wide RGB frame has 912-byte lines), so ``to_ndarray`` gives a strided view, which
    dlib's face encoder refuses (``compute_face_descriptor(): incompatible function arguments``).
    """
    k = (round(rotation / 90.0)) % 4
    return np.ascontiguousarray(np.rot90(arr, k=k) if k else arr, dtype=np.uint8)


def check_file(path: Path, limits: Limits) -> bytes:
    """Existence and size checks; returns the first bytes of the file."""
    try:
        size = path.stat().st_size
    except (FileNotFoundError, NotADirectoryError):
        raise VisionError("not_found", f"no such file: {path.name}") from None
    except OSError as exc:
        raise VisionError("not_found", f"cannot read {path.name}: {exc.strerror}") from None
    if not path.is_file():
        raise VisionError("not_found", f"not a regular file: {path.name}")
    if size == 0:
        raise VisionError("empty", "the file is empty")
    if size > limits.max_bytes:
        raise VisionError("too_large", f"{size} bytes, more than the {limits.max_bytes} allowed")
    with path.open("rb") as fh:
        return fh.read(16)


class VideoReader:
    """Opens a video with caps and yields upright analysis frames. Use as a context manager."""

    def __init__(self, path: str | Path, limits: Limits, deadline: float) -> None:
        import av

        self._limits = limits
        self._deadline = deadline
        self.path = Path(path)
        head = check_file(self.path, limits)
        if head.startswith(_IMAGE_MAGIC):
            raise VisionError("not_a_video", "this is a still image, not a video")
        known = _looks_like_video(head)
        try:
            self._container: Any = av.open(
                str(self.path),
                options={"probesize": "5000000", "analyzeduration": "5000000"},
                timeout=5.0,
            )
        except av.FFmpegError as exc:
            code = "truncated" if known else "not_a_video"
            raise VisionError(code, f"cannot open the video ({type(exc).__name__})") from None
        try:
            self.info = self._probe()
        except VisionError:
            self._container.close()
            raise
        self._scalers = Scalers()
        self.decoded = 0
        self.analysed = 0
        self.last_t = 0.0
        self.error: str | None = None
        self.stopped_by_limit: str | None = None

    def _probe(self) -> VideoInfo:
        container = self._container
        fmt = container.format.name.split(",")[0]
        if not container.streams.video:
            raise VisionError("not_a_video", "the file has no video stream")
        if fmt in _IMAGE_FORMATS:
            raise VisionError("not_a_video", "this is an image, not a video")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        ctx.thread_count = self._limits.decoder_threads
        self._stream = stream
        w, h = int(ctx.width or 0), int(ctx.height or 0)
        if w == 0 or h == 0:
            raise VisionError("truncated", "the video stream has no frame size")
        self._check_dims(w, h)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        if not 1.0 <= fps <= 1000.0:
            fps = 30.0
        duration: float | None = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        if duration is not None and duration <= 0:
            duration = None
        return VideoInfo(w, h, fps, duration, 0, ctx.name)

    def _check_dims(self, w: int, h: int) -> None:
        lim = self._limits
        if min(w, h) < lim.min_side or w * h > lim.max_pixels:
            raise VisionError(
                "bad_dimensions",
                f"{w}x{h} frames: sides of at least {lim.min_side} px and at most "
                f"{lim.max_pixels} pixels are accepted",
            )

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the container."""
        self._container.close()

    def check_deadline(self) -> None:
        """Raise ``timeout`` once the hard time limit has passed."""
        if time.perf_counter() > self._deadline:
            raise VisionError(
                "timeout", f"analysis took longer than {self._limits.time_limit_s:.0f} s"
            )

    def frames(self) -> Iterator[Frame]:
        """Analysis frames, upright, at most ``max_analysis_fps``, within every cap."""
        import av

        lim = self._limits
        min_gap = 0.75 / lim.max_analysis_fps
        last_kept = -1e9
        first_t: float | None = None
        fallback_dt = 1.0 / self.info.fps
        packets = self._container.demux(self._stream)
        while True:
            try:
                packet = next(packets)
                decoded = packet.decode()
            except StopIteration:
                return
            except av.FFmpegError as exc:
                self.error = type(exc).__name__
                return
            for vf in decoded:
                self.check_deadline()
                self.decoded += 1
                if self.decoded > lim.max_frames:
                    self.stopped_by_limit = "max_frames"
                    return
                if vf.time is not None:
                    t_abs = float(vf.time)
                    if first_t is None:
                        first_t = t_abs
                    t = t_abs - first_t
                else:
                    t = (self.decoded - 1) * fallback_dt
                self.last_t = max(self.last_t, t)
                if t > lim.max_seconds:
                    self.stopped_by_limit = "max_seconds"
                    return
                if t - last_kept < min_gap:
                    continue
                last_kept = t
                self._check_dims(vf.width, vf.height)
                rotation = int(vf.rotation or 0)
                yield self._frame(vf, t, rotation)

    def _frame(self, vf: av.video.frame.VideoFrame, t: float, rotation: int) -> Frame:
        side = self._limits.work_side
        w, h = vf.width, vf.height
        scale = min(1.0, side / max(w, h))
        size = (max(2, round(w * scale)), max(2, round(h * scale)))
        self.analysed += 1
        return Frame(self.analysed - 1, t, size, scale, vf, rotation, self._scalers)
