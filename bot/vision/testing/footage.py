"""Real footage for the held-out set: the frames of the media videos, and the ways a phone
would have stored them (portrait crop, round video note, sideways with rotation metadata,
half the frame rate, a dark room).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

import numpy as np

from bot.vision.testing import media

Frames = Iterable[np.ndarray]


@functools.cache
def real_frames(name: str) -> tuple[np.ndarray, ...]:
    """Every frame of a media video, RGB."""
    import av

    with av.open(str(media.path(name))) as c:
        return tuple(f.to_ndarray(format="rgb24") for f in c.decode(video=0))


@functools.cache
def real_fps(name: str) -> float:
    import av

    with av.open(str(media.path(name))) as c:
        return float(c.streams.video[0].average_rate or 30)


def segment(name: str, start: int, stop: int) -> list[np.ndarray]:
    return list(real_frames(name)[start:stop])


def portrait(frames: Frames, height: int = 640, centre: float = 0.5) -> Iterator[np.ndarray]:
    """A 9:16 crop around ``centre`` (a share of the width: where the face is), scaled to
    ``height`` (a phone held upright)."""
    import cv2

    for f in frames:
        h, w = f.shape[:2]
        cw = round(h * 9 / 16) // 2 * 2
        x0 = min(w - cw, max(0, round(centre * w - cw / 2)))
        yield cv2.resize(f[:, x0 : x0 + cw], (round(height * 9 / 16) // 2 * 2, height))


def square(frames: Frames, side: int = 384) -> Iterator[np.ndarray]:
    """A square centre crop scaled to ``side`` (a Telegram round video note)."""
    import cv2

    for f in frames:
        h, w = f.shape[:2]
        s = min(h, w)
        y0, x0 = (h - s) // 2, (w - s) // 2
        yield cv2.resize(f[y0 : y0 + s, x0 : x0 + s], (side, side), interpolation=cv2.INTER_AREA)


def stored_rotated(frames: Frames, rotation: int) -> Iterator[np.ndarray]:
    """Frames stored turned, so that a display rotation of ``rotation`` degrees undoes it."""
    k = -round(rotation / 90) % 4
    for f in frames:
        yield np.ascontiguousarray(np.rot90(f, k=k))


def every_other(frames: Frames) -> Iterator[np.ndarray]:
    for i, f in enumerate(frames):
        if i % 2 == 0:
            yield f


def dark(
    frames: Frames, gain: float = 0.35, noise: float = 4.0, seed: int = 3
) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    for f in frames:
        yield np.clip(f * gain + rng.normal(0, noise, f.shape), 0, 255).astype(np.uint8)
