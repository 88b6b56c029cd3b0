"""Flat pictures held up to the camera (the held-out set's presentation attacks): a glossy
print or a phone screen replaying a clip, moved by a hand in 3D, with paper grain or moire,
refresh banding, bezel and glare, in front of a room.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Literal

import numpy as np

from bot.vision.testing.render3d import Camera, room_image

Motion = Callable[[float], tuple[float, float, float, float, float]]
"""t -> (yaw, pitch, roll in degrees; x, y shift as a share of the frame)."""


def _moved(t: float) -> tuple[float, float, float, float, float]:
    return (
        4 * math.sin(1.7 * t),
        3 * math.sin(1.3 * t + 1),
        3 * math.sin(0.9 * t),
        0.08 * math.sin(0.8 * t),
        0.05 * math.sin(1.1 * t + 2),
    )


def _tilted(t: float) -> tuple[float, float, float, float, float]:
    return (35 * math.sin(2 * math.pi * t / 2.6), 4 * math.sin(t), 2 * math.sin(1.4 * t), 0.0, 0.0)


def _slid(t: float) -> tuple[float, float, float, float, float]:
    return (
        3 * math.sin(2 * t),
        2 * math.sin(1.5 * t),
        0.0,
        0.22 * math.sin(2 * math.pi * t / 3),
        0.0,
    )


def _rolled(t: float) -> tuple[float, float, float, float, float]:
    return (2 * math.sin(2 * t), 0.0, 25 * math.sin(2 * math.pi * t / 2.2), 0.03 * math.sin(t), 0.0)


def _screen_still(t: float) -> tuple[float, float, float, float, float]:
    return (
        2 * math.sin(1.9 * t),
        2 * math.sin(1.2 * t),
        1.5 * math.sin(0.7 * t),
        0.02 * math.sin(t),
        0.0,
    )


def _screen_tilted(t: float) -> tuple[float, float, float, float, float]:
    return (28 + 2 * math.sin(1.9 * t), 12 + 2 * math.sin(1.2 * t), 8.0, 0.0, 0.0)


MOTIONS: dict[str, Motion] = {
    "photo_moved": _moved,
    "photo_tilted": _tilted,
    "photo_slid": _slid,
    "photo_rolled": _rolled,
    "screen_flat": _screen_still,
    "screen_tilted": _screen_tilted,
    "screen_turning": _tilted,
}


def _print_look(picture: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A glossy print: white margin, paper grain, a little less colour and contrast."""
    import cv2

    h, w = picture.shape[:2]
    m = round(0.05 * w)
    paper = np.full((h + 2 * m, w + 2 * m, 3), 238.0)
    grey = picture.mean(axis=2, keepdims=True)
    faded = 0.85 * picture + 0.15 * grey
    paper[m : m + h, m : m + w] = 18 + 0.88 * faded
    paper += cv2.GaussianBlur(rng.normal(0, 5, paper.shape[:2]), (0, 0), 0.8)[..., None]
    return paper


def _screen_look(picture: np.ndarray, t: float) -> np.ndarray:
    """A phone screen: bright backlit picture, pixel-grid moire, rolling refresh band, bezel."""
    h, w = picture.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    moire = 1.0 + 0.07 * np.sin(2 * np.pi * (xs * 0.41 + ys * 0.13)) * np.sin(2 * np.pi * ys * 0.47)
    band = 1.0 + 0.06 * np.sin(2 * np.pi * (ys / h * 2.0 - t * 1.7))
    lit = np.clip(picture * 1.08 + 10, 0, 255) * (moire * band)[..., None]
    b = round(0.06 * w)
    body = np.full((h + 2 * b + round(0.1 * h), w + 2 * b, 3), 14.0)
    top = b + round(0.05 * h)
    body[top : top + h, b : b + w] = lit
    return body


def sheet_frames(
    picture: Callable[[float], np.ndarray],
    motion: Motion,
    cam: Camera,
    duration: float,
    kind: Literal["photo", "screen"],
) -> Iterator[np.ndarray]:
    """A flat picture (a print or a phone screen) held in front of the camera by a hand."""
    import cv2

    rng = np.random.default_rng(cam.seed + 101)
    room = room_image(cam, rng)
    w, h = cam.width, cam.height
    short = min(w, h)
    f = 1.2 * max(w, h)
    for i in range(round(duration * cam.fps)):
        t = i / cam.fps
        pic = picture(t)
        sheet = _print_look(pic, rng) if kind == "photo" else _screen_look(pic, t)
        sh, sw = sheet.shape[:2]
        yaw, pitch, roll, sx, sy = motion(t)
        tremor = (1.5 * math.sin(7.1 * t), 1.5 * math.sin(6.3 * t + 1))
        # the sheet's face is about as large in the frame as a live face would be
        width = 0.95 * short * (sw / max(sw, sh)) * (1.0 if kind == "photo" else 0.9)
        height = width * sh / sw
        corners = np.array(
            [[-width / 2, -height / 2, 0], [width / 2, -height / 2, 0],
             [width / 2, height / 2, 0], [-width / 2, height / 2, 0]]
        )  # fmt: skip
        ya, pa, ra = (math.radians(v) for v in (yaw, pitch, roll))
        rz = np.array(
            [[math.cos(ra), -math.sin(ra), 0], [math.sin(ra), math.cos(ra), 0], [0, 0, 1]]
        )
        ry = np.array(
            [[math.cos(ya), 0, math.sin(ya)], [0, 1, 0], [-math.sin(ya), 0, math.cos(ya)]]
        )
        rx = np.array(
            [[1, 0, 0], [0, math.cos(pa), -math.sin(pa)], [0, math.sin(pa), math.cos(pa)]]
        )
        pts = corners @ (rx @ ry @ rz).T
        dist = f
        proj = np.stack(
            [
                w / 2 + sx * w + tremor[0] + f * pts[:, 0] / (dist - pts[:, 2]),
                h / 2 + sy * h + tremor[1] + f * pts[:, 1] / (dist - pts[:, 2]),
            ],
            axis=1,
        ).astype(np.float32)
        src = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float32)
        hom = cv2.getPerspectiveTransform(src, proj)
        warped = cv2.warpPerspective(sheet.astype(np.float32), hom, (w, h), flags=cv2.INTER_LINEAR)
        mask = cv2.warpPerspective(np.ones((sh, sw), np.float32), hom, (w, h))
        bx = (room.shape[1] - w) / 2 + 3 * math.sin(1.3 * t)
        by = (room.shape[0] - h) / 2 + 3 * math.sin(1.1 * t)
        bg = room[round(by) : round(by) + h, round(bx) : round(bx) + w].astype(np.float32)
        frame = bg * (1 - mask[..., None]) + warped * mask[..., None]
        # glare: a soft highlight that follows the sheet's tilt, not its content
        gx = w / 2 + (yaw / 40.0) * w * 0.3 + 0.1 * w
        gy = h * 0.35 + (pitch / 40.0) * h * 0.3
        ys, xs = np.mgrid[0:h, 0:w]
        glare = np.exp(-(((xs - gx) / (0.12 * w)) ** 2 + ((ys - gy) / (0.07 * h)) ** 2))
        frame += (90.0 if kind == "screen" else 60.0) * glare[..., None] * mask[..., None]
        blurred = np.asarray(cv2.GaussianBlur(frame, (0, 0), 0.7), dtype=np.float64)
        blurred += rng.normal(0, cam.noise, blurred.shape)
        yield np.clip(blurred * cam.gain, 0, 255).astype(np.uint8)


def looped(frames: Sequence[np.ndarray], fps: float) -> Callable[[float], np.ndarray]:
    def at(t: float) -> np.ndarray:
        return frames[int(t * fps) % len(frames)]

    return at


def still(image: np.ndarray) -> Callable[[float], np.ndarray]:
    def at(t: float) -> np.ndarray:
        return image

    return at
