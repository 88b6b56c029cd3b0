"""Phone and browser video formats, made in the test suite from the generated genuine shake.

The content is always the same person (the left-first shake of ``fixtures.frames_left()``),
framed and stored the way real recorders do: portrait sizes, frames stored sideways or upside
down with a display matrix that rights them, a mirrored front camera, Telegram's square round
notes, WebM from a browser, HEVC, variable frame rates, short and long clips. Files are cached in
``tests/.fixture-cache/vision-formats-<VERSION>/``; bump ``VERSION`` when a recipe changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import cast

import numpy as np

from bot.vision.testing import video_files
from tests.vision import fixtures

VERSION = "v1"
CACHE = Path(__file__).resolve().parents[1] / ".fixture-cache" / f"vision-formats-{VERSION}"


@dataclass(frozen=True)
class Format:
    """One recorder's output: how it is made and what the engine must see in it."""

    name: str
    make: Callable[[Path], None]
    suffix: str = ".mp4"
    challenge: str = "blink,shake"
    first_turn: str | None = "turn_left"  # None: the clip is too short to hold the shake

    def build(self) -> Path:
        return video_files.made_once(CACHE / f"{self.name}{self.suffix}", self.make)


def write(
    path: Path,
    frames: Iterable[np.ndarray],
    times: Sequence[float],
    *,
    codec: str = "libx264",
    rotation: int = 0,
) -> None:
    """Encode RGB frames shown at ``times`` (seconds; uneven for a variable frame rate)."""
    import av

    with av.open(str(path), "w") as container:
        stream = cast("av.video.stream.VideoStream", container.add_stream(codec, rate=30))
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)  # frame times in ms, any rate
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": "24", "preset": "ultrafast"}
        elif codec == "libx265":
            stream.options = {"crf": "26", "preset": "ultrafast", "x265-params": "log-level=0"}
        else:
            stream.options = {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8"}
        first = True
        for rgb, t in zip(frames, times, strict=True):
            if first:
                stream.height, stream.width = rgb.shape[:2]
                if rotation:
                    stream.set_display_rotation(rotation)
                first = False
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = round(t * 1000)
            frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _source() -> tuple[np.ndarray, ...]:
    return fixtures.frames_left()  # 5 s, 30 fps, 384 x 384


def _times(n: int, fps: float) -> list[float]:
    return [i / fps for i in range(n)]


def _resample(fps: float, seconds: float | None = None) -> list[np.ndarray]:
    """The source re-timed to ``fps`` (nearest frame), optionally cut or looped to ``seconds``."""
    src = _source()
    span = len(src) / fixtures.FPS
    n = round((seconds if seconds is not None else span) * fps)
    picks = (round(i / fps * fixtures.FPS) for i in range(n))
    if seconds is not None and seconds > span:
        return [src[k % len(src)] for k in picks]  # looped: the clip starts and ends frontal
    return [src[min(k, len(src) - 1)] for k in picks]


def _framed(frame: np.ndarray, width: int, height: int, share: float = 1.0) -> np.ndarray:
    """The square frame scaled to ``share`` of the shorter side and padded (edge colours)."""
    import cv2

    side = round(min(width, height) * share) // 2 * 2
    face = cv2.resize(frame, (side, side), interpolation=cv2.INTER_AREA)
    top = (height - side) // 2
    left = (width - side) // 2
    return cv2.copyMakeBorder(
        face, top, height - side - top, left, width - side - left, cv2.BORDER_REPLICATE
    )


def _stored(frame: np.ndarray, rotation: int) -> np.ndarray:
    """The upright frame as a phone stores it when its display matrix says ``rotation``."""
    return np.ascontiguousarray(np.rot90(frame, k=(-rotation // 90) % 4))


def _recipe(
    width: int,
    height: int,
    *,
    fps: float = 30.0,
    seconds: float | None = None,
    codec: str = "libx264",
    rotation: int = 0,
    mirror: bool = False,
    times: Callable[[int], list[float]] | None = None,
    share: float = 1.0,
    blur: float = 0.0,
) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        import cv2

        frames = [_framed(f, width, height, share) for f in _resample(fps, seconds)]
        if blur:
            frames = [cv2.GaussianBlur(f, (0, 0), blur) for f in frames]
        if mirror:
            frames = [np.ascontiguousarray(f[:, ::-1]) for f in frames]
        stored = [_stored(f, rotation) for f in frames]
        write(
            path,
            stored,
            times(len(stored)) if times else _times(len(stored), fps),
            codec=codec,
            rotation=rotation,
        )

    return make


def _variable(n: int) -> list[float]:
    """Frame times of a phone under load: gaps between 1/45 and 1/18 s, in random order."""
    rng = np.random.default_rng(11)
    gaps = rng.uniform(1 / 45, 1 / 18, n)
    return [float(t) for t in np.concatenate([[0.0], np.cumsum(gaps[:-1])])]


def _variable_source(path: Path) -> None:
    """The source re-timed with uneven gaps, each frame taken at its own time."""
    src = _source()
    times = [t for t in _variable(200) if t < len(src) / fixtures.FPS]
    frames = [_framed(src[min(round(t * fixtures.FPS), len(src) - 1)], 480, 640) for t in times]
    write(path, frames, times)


def blurred_far() -> Callable[[Path], None]:
    """``landscape_720x480_soft`` out of focus (Gaussian sigma 4 px at the stored size)."""
    return _recipe(720, 480, share=0.7, blur=4.0, seconds=2.0)


@functools.cache
def catalogue() -> dict[str, Format]:
    """Every format, by name."""
    formats = [
        Format("portrait_480x640", _recipe(480, 640)),
        Format("landscape_360x288", _recipe(360, 288)),
        # a phone's 720x480, a little soft (Gaussian sigma 1 px), the face in 70 % of the
        # height: at the 400 px work size the inner face is narrower than the 128 px sharpness
        # is measured at (interpolated up, it measured 1.46, under the 1.6 limit)
        Format("landscape_720x480_soft", _recipe(720, 480, share=0.7, blur=1.0)),
        # large portraits: short clips (encoding 1080p is the slow part, not the analysis)
        Format(
            "portrait_720x1280",
            _recipe(720, 1280, fps=15, seconds=2.2),
            challenge="blink",
            first_turn=None,
        ),
        Format(
            "portrait_1080x1920",
            _recipe(1080, 1920, fps=15, seconds=2.2),
            challenge="blink",
            first_turn=None,
        ),
        Format("rotation_90", _recipe(480, 640, rotation=90)),
        Format("rotation_180", _recipe(480, 640, rotation=180)),
        Format("rotation_270", _recipe(480, 640, rotation=270)),
        Format("mirrored", _recipe(480, 640, mirror=True), first_turn="turn_right"),
        Format("round_note_384", _recipe(384, 384)),
        Format("round_note_512", _recipe(512, 512, fps=25)),
        Format("round_note_640", _recipe(640, 640)),
        Format("webm_vp8_640x480", _recipe(640, 480, codec="libvpx"), suffix=".webm"),
        Format("webm_vp9_480x640", _recipe(480, 640, codec="libvpx-vp9"), suffix=".webm"),
        Format("hevc_480x640", _recipe(480, 640, codec="libx265", rotation=90)),
        Format("fps15_480x640", _recipe(480, 640, fps=15)),
        Format("fps24_640x480", _recipe(640, 480, fps=24)),
        Format("fps60_480x640", _recipe(480, 640, fps=60)),
        Format("vfr_480x640", _variable_source),
        Format("short_2s", _recipe(480, 640, seconds=2.0), challenge="blink", first_turn=None),
        Format("long_15s", _recipe(384, 384, fps=15, seconds=14.8)),
    ]
    return {f.name: f for f in formats}


def _dark_carphone(path: Path) -> None:
    """The real carphone clip (real blinks) at 40 % of its light, with sensor noise."""
    from bot.vision.testing import synth

    rng = np.random.default_rng(3)
    frames = [
        np.clip(f.astype(np.float32) * 0.4 + rng.normal(0, 4, f.shape), 0, 255).astype(np.uint8)
        for f in synth.carphone_video_frames(384)
    ]
    write(path, frames, _times(len(frames), 29.97))


DARK_CARPHONE = Format("dark_carphone", _dark_carphone, challenge="blink", first_turn=None)
