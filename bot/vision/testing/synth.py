"""Synthetic but real-faced test videos for the tests and the benchmark (the tuning source).

The faces and the mesh that turns them are in ``face_mesh``: here are the scripts of what the
head does, the hand-held phone (noise, hand motion, light changes), and the scenes: genuine
people, photos and screens held up, two faces, no face, and poor capture conditions. Videos are
written by ``video_files.write_video``; the catalogue of benchmark fixtures is
``synth_fixtures``. See tests/vision/README.md.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from bot.vision.testing.face_mesh import (
    FaceMesh,
    astronaut_mesh,
    carphone_frames,
    pose_points,
    warp,
)

# ---------------------------------------------------------------- scripts of motion


@dataclass(frozen=True)
class Script:
    """What the head does over time: yaw keyframes (t, degrees) and blink times."""

    duration: float
    yaw: tuple[tuple[float, float], ...] = ((0.0, 0.0),)
    blinks: tuple[float, ...] = ()
    blink_len: float = 0.25


def yaw_at(script: Script, t: float) -> float:
    """Smoothly interpolated yaw."""
    keys = script.yaw
    if t <= keys[0][0]:
        return keys[0][1]
    for (t0, y0), (t1, y1) in itertools.pairwise(keys):
        if t0 <= t <= t1:
            f = (t - t0) / (t1 - t0) if t1 > t0 else 1.0
            f = 0.5 - 0.5 * math.cos(math.pi * f)
            return y0 + (y1 - y0) * f
    return keys[-1][1]


def closure_at(script: Script, t: float) -> float:
    """How closed the eyes are at ``t`` (0 open, 1 closed)."""
    c = 0.0
    for b in script.blinks:
        u = (t - b) / script.blink_len
        if 0 <= u <= 1:
            c = max(c, math.sin(math.pi * u) ** 0.7)
    return c


def shake_script(duration: float = 5.0, first: str = "left", blinks: bool = True) -> Script:
    """Frontal, a blink, a turn each way with a return to the centre, another blink."""
    s1 = -30.0 if first == "left" else 30.0
    yaw = (
        (0.0, 0.0),
        (1.2, 0.0),
        (1.75, s1),
        (2.3, 0.0),
        (2.85, -s1),
        (3.4, 0.0),
        (duration, 0.0),
    )
    return Script(duration, yaw, (0.6, 3.9) if blinks else ())


def blink_script(duration: float = 4.0) -> Script:
    """Frontal, three blinks, no turn."""
    return Script(duration, ((0.0, 0.0),), (0.8, 2.0, 3.1))


# ---------------------------------------------------------------- realism


class Camera:
    """Hand motion, light drift, sensor noise: smooth random, reproducible from a seed."""

    def __init__(self, seed: int, shake_px: float = 3.0, light: float = 0.08) -> None:
        self.rng = np.random.default_rng(seed)
        self.phase = self.rng.uniform(0, 2 * math.pi, 6)
        self.shake_px = shake_px
        self.light = light

    def apply(self, rgb: np.ndarray, t: float, size: int) -> np.ndarray:
        import cv2

        p = self.phase
        dx = self.shake_px * (math.sin(1.3 * t + p[0]) + 0.4 * math.sin(3.7 * t + p[1]))
        dy = self.shake_px * (math.sin(1.1 * t + p[2]) + 0.4 * math.sin(4.1 * t + p[3]))
        rot = 0.8 * math.sin(0.9 * t + p[4])
        h, w = rgb.shape[:2]
        scale = size / w * 1.04
        m = cv2.getRotationMatrix2D((w / 2, h / 2), rot, scale)
        m[0, 2] += size / 2 - w / 2 + dx * size / 384
        m[1, 2] += size / 2 - h / 2 + dy * size / 384
        out = cv2.warpAffine(
            rgb, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        gain = 1.0 + self.light * math.sin(0.7 * t + p[5])
        noise = self.rng.normal(0.0, 3.0, out.shape)
        frame: np.ndarray = np.clip(out.astype(np.float32) * gain + noise, 0, 255)
        return frame.astype(np.uint8)


# ---------------------------------------------------------------- fixture classes


def genuine_frames(
    script: Script,
    *,
    size: int = 384,
    fps: float = 30.0,
    seed: int = 0,
    mesh: FaceMesh | None = None,
) -> Iterable[np.ndarray]:
    """A real-faced person following the script, seen by a hand-held phone."""
    mesh = mesh or astronaut_mesh()
    cam = Camera(seed)
    n = round(script.duration * fps)
    rng = np.random.default_rng(seed + 1)
    pitch_phase = rng.uniform(0, 6.28)
    for i in range(n):
        t = i / fps
        pts, depth = pose_points(
            mesh, yaw_at(script, t), 3.0 * math.sin(0.8 * t + pitch_phase), closure_at(script, t)
        )
        yield cam.apply(warp(mesh, pts, depth), t, size)


def carphone_video_frames(
    size: int = 384, fps: float = 29.97, seed: int = 0
) -> Iterable[np.ndarray]:
    """The real carphone clip (real blinks, real talking), upscaled to a video note."""
    import cv2

    rng = np.random.default_rng(seed)
    for rgb in carphone_frames():
        up = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_CUBIC)
        noise = rng.normal(0, 2.0, up.shape)
        yield np.clip(up + noise, 0, 255).astype(np.uint8)


def _plane_homography(
    size: int, yaw_deg: float, roll_deg: float, shift: tuple[float, float], scale: float
) -> np.ndarray:
    """Homography of a flat sheet turned about its vertical axis, rolled, slid, in perspective."""
    import cv2

    c = size / 2
    f = 1.6 * size
    yaw, roll = math.radians(yaw_deg), math.radians(roll_deg)
    corners = np.array([[-c, -c], [c, -c], [c, c], [-c, c]]) * scale
    out = []
    for x, y in corners:
        xr, yr = x * math.cos(roll) - y * math.sin(roll), x * math.sin(roll) + y * math.cos(roll)
        x3, z3 = xr * math.cos(yaw), xr * math.sin(yaw)
        d = f / (f + z3)
        out.append((c + shift[0] + x3 * d, c + shift[1] + yr * d))
    src = np.array([[0, 0], [size, 0], [size, size], [0, size]], dtype=np.float32)
    return cv2.getPerspectiveTransform(src, np.array(out, dtype=np.float32))


def held_photo_frames(
    source: Callable[[float], np.ndarray],
    motion: Callable[[float], tuple[float, float, tuple[float, float], float]],
    *,
    duration: float,
    size: int = 384,
    fps: float = 30.0,
    seed: int = 0,
) -> Iterable[np.ndarray]:
    """A flat picture (``source(t)``, a photo or a screen) held in front of the camera."""
    import cv2

    rng = np.random.default_rng(seed)
    wall = cv2.GaussianBlur(rng.integers(60, 120, (size, size, 3)).astype(np.uint8), (0, 0), 9)
    for i in range(round(duration * fps)):
        t = i / fps
        yaw, roll, shift, scale = motion(t)
        jitter = (shift[0] + 2 * math.sin(5.1 * t), shift[1] + 2 * math.sin(4.3 * t + 1))
        hom = _plane_homography(size, yaw, roll + 0.7 * math.sin(3.3 * t), jitter, scale)
        picture = cv2.resize(source(t), (size, size), interpolation=cv2.INTER_AREA)
        sheet = cv2.warpPerspective(picture, hom, (size, size))
        mask = cv2.warpPerspective(np.ones((size, size), np.uint8), hom, (size, size)) > 0
        frame = np.where(mask[..., None], sheet, wall)
        noise = rng.normal(0, 3.0, frame.shape)
        yield np.clip(frame + noise, 0, 255).astype(np.uint8)


def blinking_still(fps: float, script: Script | None = None) -> Callable[[float], np.ndarray]:
    """A frontal, blinking face (what a replayed video on a screen shows), frame by frame."""
    mesh = astronaut_mesh()
    script = script or blink_script(5.0)
    cache: dict[int, np.ndarray] = {}

    def at(t: float) -> np.ndarray:
        key = round(t * fps)
        if key not in cache:
            pts, depth = pose_points(mesh, 0.0, 0.0, closure_at(script, t))
            cache[key] = warp(mesh, pts, depth)
        return cache[key]

    return at


def frontal_photo(t: float) -> np.ndarray:
    """A printed photo: the still itself, whatever the time."""
    return astronaut_mesh().image


Motion = Callable[[float], tuple[float, float, tuple[float, float], float]]


def hand_jitter(t: float) -> tuple[float, float, tuple[float, float], float]:
    """A photo held still by hand: small tilts, rolls and shifts."""
    return (
        2.0 * math.sin(1.7 * t),
        1.0 * math.sin(2.3 * t),
        (3 * math.sin(1.1 * t), 3 * math.sin(1.9 * t)),
        0.9,
    )


def tilt_sheet(t: float) -> tuple[float, float, tuple[float, float], float]:
    """A sheet swung about its vertical axis, 45 degrees each way, like a head shake."""
    return (45.0 * math.sin(2 * math.pi * t / 2.5), 0.0, (0.0, 0.0), 0.8)


def slide_and_roll(size: int) -> Motion:
    """A sheet slid across the frame and rolled 25 degrees each way."""

    def motion(t: float) -> tuple[float, float, tuple[float, float], float]:
        shift = (size * 0.15 * math.sin(2 * math.pi * t / 3.0), 0.0)
        return (0.0, 25.0 * math.sin(2 * math.pi * t / 2.0), shift, 0.75)

    return motion


def two_faces_frames(size: int = 384, fps: float = 30.0, seed: int = 3) -> Iterable[np.ndarray]:
    """The astronaut doing the challenge with the carphone man's face beside hers."""
    import cv2

    others = carphone_frames()
    half = size // 2
    for i, rgb in enumerate(genuine_frames(shake_script(), size=size, fps=fps, seed=seed)):
        # zoom on each face so that both are about a third of the frame wide
        c0, c1 = round(size * 0.2), round(size * 0.8)
        left = cv2.resize(rgb[c0 - size // 10 : c1 - size // 10, c0:c1], (half, half))
        other = others[i % len(others)][10:100, 35:125]
        right = cv2.resize(other, (half, half), interpolation=cv2.INTER_CUBIC)
        frame = np.full_like(rgb, 40)
        top = size // 4
        frame[top : top + half, :half] = left
        frame[top : top + half, half : half * 2] = right
        yield frame


def no_face_frames(
    size: int = 384, fps: float = 30.0, duration: float = 4.0
) -> Iterable[np.ndarray]:
    """A hand-held view of a coffee cup: texture and motion, no face."""
    from skimage import data

    cam = Camera(11, shake_px=6.0)
    cup = np.asarray(data.coffee())  # type: ignore[no-untyped-call]
    cup = cup[:, (cup.shape[1] - cup.shape[0]) // 2 :][:, : cup.shape[0]]
    for i in range(round(duration * fps)):
        yield cam.apply(cup, i / fps, size)


def darker(frames: Iterable[np.ndarray], gain: float = 0.12) -> Iterable[np.ndarray]:
    """The same scene in a dark room (with the sensor noise a dark room brings)."""
    rng = np.random.default_rng(5)
    for f in frames:
        yield np.clip(f * gain + rng.normal(0, 2.0, f.shape), 0, 255).astype(np.uint8)


def blurred(frames: Iterable[np.ndarray], sigma: float = 6.0) -> Iterable[np.ndarray]:
    """The same scene out of focus."""
    import cv2

    for f in frames:
        yield cv2.GaussianBlur(f, (0, 0), sigma)


def far_away(frames: Iterable[np.ndarray], share: float = 0.3) -> Iterable[np.ndarray]:
    """The same scene filmed from far: the picture shrunk to ``share`` of a plain frame."""
    import cv2

    for f in frames:
        h, w = f.shape[:2]
        small = cv2.resize(f, (round(w * share), round(h * share)), interpolation=cv2.INTER_AREA)
        out = np.full_like(f, 90)
        y0, x0 = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
        out[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
        yield out


def rotated_storage(frames: Iterable[np.ndarray]) -> Iterable[np.ndarray]:
    """Frames stored sideways, as phones store portrait video (display rotation -90 undoes it)."""
    for f in frames:
        yield np.ascontiguousarray(np.rot90(f, k=1))


def eyes_closed_frames(size: int, fps: float, seed: int) -> Iterable[np.ndarray]:
    """A head shake with the eyes closed all along."""
    mesh = astronaut_mesh()
    script = shake_script(blinks=False)
    cam = Camera(seed)
    for i in range(round(script.duration * fps)):
        t = i / fps
        pts, depth = pose_points(mesh, yaw_at(script, t), 0.0, 1.0)
        yield cam.apply(warp(mesh, pts, depth), t, size)
