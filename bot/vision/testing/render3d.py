"""The held-out test-video source: face photos lifted onto a dense 3D head, rendered in perspective.

A different principle from ``synth.py`` (a 2D piecewise-affine warp of 68 landmarks), and
different people (see ``media.py``). Never used to tune the engine.

1. The person is cut out of the photo (GrabCut seeded by the face) and every pixel of the head
   gets a depth: a super-ellipsoid skull plus thin-plate-spline offsets at the landmarks from
   this module's own face profile (nose out, eye sockets in, lips and brows forward). The
   shoulders are a flat plate behind the face; the neck blends the two.
2. A frame is a point render: every texel of the head (two samples each) is rotated in 3D about
   a neck pivot behind the face (yaw, pitch, roll), moved by the hand-held camera, projected with
   a true pinhole camera at selfie distance and z-buffered, so a turning head shows parallax
   and hides its far cheek. The texture is then sampled through the rendered (u, v) map.
3. Eyelids close by geometry: the skin between brow and upper lid slides down over the eye,
   which is pushed back behind it; the lower lid rises a little.
4. Lambert shading from the rotated surface normals under a slowly moving light; a room
   background behind the person moving with parallax; sensor noise, gain drift, optics blur.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.vision import models
from bot.vision.testing import media

# This module's face profile: depth offsets (in half face widths) added at the landmarks.
_PROFILE: dict[int, float] = {
    27: 0.16, 28: 0.26, 29: 0.36, 30: 0.48, 31: 0.20, 32: 0.27, 33: 0.31, 34: 0.27, 35: 0.20,
    **dict.fromkeys(range(36, 48), -0.11),
    **dict.fromkeys(range(17, 27), 0.05),
    **dict.fromkeys(range(48, 60), 0.12),
    **dict.fromkeys(range(60, 68), 0.10),
    7: 0.06, 8: 0.09, 9: 0.06,
}  # fmt: skip


@dataclass(frozen=True)
class Head:
    """A photo lifted to a 3D surface; all arrays are in texture pixels."""

    name: str
    texture: np.ndarray  # (T, T, 3) uint8 RGB
    landmarks: np.ndarray  # (68, 2)
    half_width: float
    u: np.ndarray  # (N,) texel coordinates of the rendered points
    v: np.ndarray
    z: np.ndarray  # (N,) depth toward the camera
    weight: np.ndarray  # (N,) 1 on the head, 0 on the shoulders
    weight_level: np.ndarray  # (N,) the weight in 64 levels (0-63), to look angles up
    normal: np.ndarray  # (N, 3) surface normals in the head frame (z toward the camera)
    lid_dy: np.ndarray  # (N,) downward shift of each point when the eyes are closed
    lid_dz: np.ndarray  # (N,) depth change when the eyes are closed
    pivot: tuple[float, float, float]
    photo: np.ndarray = field(repr=False)  # the cut-out person on grey, for printed photos


def _load(name: str) -> np.ndarray:
    from PIL import Image

    with Image.open(media.path(name)) as img:
        return np.asarray(img.convert("RGB"))


def _smoothstep(x: np.ndarray) -> np.ndarray:
    c = np.clip(x, 0.0, 1.0)
    out: np.ndarray = c * c * (3 - 2 * c)
    return out


def _person_mask(tex: np.ndarray, lm: np.ndarray, a: float) -> np.ndarray:
    """GrabCut seeded with the face (sure) and a head-and-shoulders outline (probable)."""
    import cv2

    t = tex.shape[0]
    mask = np.full((t, t), cv2.GC_BGD, np.uint8)
    cx = float(lm[27, 0])
    eye_y = float(lm[36:48, 1].mean())
    chin_y = float(lm[8, 1])
    cv2.ellipse(
        mask, (round(cx), round(eye_y - 0.2 * a)), (round(1.5 * a), round(1.9 * a)), 0, 0, 360,
        int(cv2.GC_PR_FGD), -1,
    )  # fmt: skip
    body = np.array(
        [[cx - 0.6 * a, chin_y], [cx + 0.6 * a, chin_y], [cx + 2.6 * a, t], [cx - 2.6 * a, t]],
        np.int32,
    )
    cv2.fillConvexPoly(mask, body, int(cv2.GC_PR_FGD))
    neck = np.array(
        [[cx - 0.5 * a, chin_y], [cx + 0.5 * a, chin_y], [cx + 1.6 * a, t], [cx - 1.6 * a, t]],
        np.int32,
    )
    cv2.fillConvexPoly(mask, neck, int(cv2.GC_FGD))
    hull = cv2.convexHull(lm.astype(np.int32))
    cv2.fillConvexPoly(mask, hull, int(cv2.GC_FGD))
    cv2.rectangle(
        mask,
        (round(cx - 0.35 * a), round(chin_y)),
        (round(cx + 0.35 * a), round(chin_y + 0.4 * a)),
        int(cv2.GC_FGD),
        -1,
    )
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    grab: Any = cv2.grabCut
    grab(cv2.cvtColor(tex, cv2.COLOR_RGB2BGR), mask, None, bgd, fgd, 4, cv2.GC_INIT_WITH_MASK)
    person = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    person = cv2.morphologyEx(person.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    n, labels, _stats, _ = cv2.connectedComponentsWithStats(person)
    if n > 1:  # the component holding the face only
        keep = labels[round(float(lm[30, 1])), round(float(lm[30, 0]))]
        person = (labels == keep).astype(np.uint8)
    return np.asarray(person, dtype=bool)


def _depth(lm: np.ndarray, a: float, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Depth of the head surface and the head/shoulders weight over the whole texture."""
    import cv2
    from scipy.interpolate import RBFInterpolator

    ys, xs = np.mgrid[0:t, 0:t].astype(np.float64)
    cx = float(lm[0, 0] + lm[16, 0]) / 2
    eye_y = float(lm[36:48, 1].mean())
    chin_y = float(lm[8, 1])
    cy = eye_y + 0.25 * (chin_y - eye_y)
    rx, ry, rz = 1.3 * a, 1.75 * a, 1.05 * a
    p = 2.0
    inside = 1.0 - np.abs((xs - cx) / rx) ** p - np.abs((ys - cy) / ry) ** p
    skull = rz * np.clip(inside, 0.0, None) ** (1.0 / p)
    # landmark offsets, fading to nothing on a ring around the face
    ring = [
        (cx + 1.45 * a * math.cos(k * math.pi / 8), cy + 1.8 * a * math.sin(k * math.pi / 8))
        for k in range(16)
    ]
    pts = np.vstack([lm, np.array(ring)])
    vals = np.array([_PROFILE.get(i, 0.0) * a for i in range(68)] + [0.0] * len(ring))
    step = 4
    gy, gx = np.mgrid[0:t:step, 0:t:step]
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float64)
    rbf = RBFInterpolator(pts, vals, kernel="thin_plate_spline", smoothing=2.0 * a)
    coarse = rbf(grid).reshape(len(range(0, t, step)), -1).astype(np.float32)
    offsets = cv2.resize(coarse, (t, t), interpolation=cv2.INTER_LINEAR).astype(np.float64)
    face_zone = _smoothstep((inside + 0.1) / 0.35)
    head = skull + offsets * face_zone
    shoulders = np.full_like(head, -0.9 * a)
    weight = 1.0 - _smoothstep((ys - (chin_y + 0.1 * a)) / (0.7 * a))
    depth = weight * np.maximum(head, 0.0) + (1.0 - weight) * shoulders
    return depth, weight


def _lids(lm: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-texel shift (down) and depth change for fully closed eyes."""
    ys, xs = np.mgrid[0:t, 0:t].astype(np.float64)
    dy = np.zeros((t, t))
    dz = np.zeros((t, t))
    for upper, lower, brow in (
        ((36, 37, 38, 39), (36, 41, 40, 39), (17, 18, 19, 20, 21)),
        ((42, 43, 44, 45), (42, 47, 46, 45), (22, 23, 24, 25, 26)),
    ):
        ux, uy = lm[list(upper), 0], lm[list(upper), 1]
        lx, ly = lm[list(lower), 0], lm[list(lower), 1]
        bx, by = lm[list(brow), 0], lm[list(brow), 1]
        x0, x1 = float(ux[0]), float(ux[-1])
        width = x1 - x0
        lo, hi = x0 - 0.12 * width, x1 + 0.12 * width
        cols = (xs >= lo) & (xs <= hi)
        y_up = np.interp(xs, ux, uy)
        y_low = np.interp(xs, lx, ly)
        y_brow = np.interp(xs, np.sort(bx), by[np.argsort(bx)]) + 0.25 * (
            y_up - np.interp(xs, np.sort(bx), by[np.argsort(bx)])
        )
        gap = np.clip(y_low - y_up, 0.0, None) * np.clip(
            np.minimum(xs - lo, hi - xs) / (0.2 * width), 0.0, 1.0
        )
        span = np.maximum(y_up - y_brow, 1.0)
        h = (y_up - ys) / span  # 0 at the lid, 1 at the brow
        lid_skin = cols & (h >= 0) & (h <= 1)
        reach = gap * 1.3 + np.where(gap > 0, 1.5, 0.0)  # past the lower lid's lash line
        dy = np.where(lid_skin, reach * (1.0 - h), dy)
        dz = np.where(lid_skin, 0.5, dz)
        bottom = y_low + 0.3 * gap + 2
        ball = cols & (ys > y_up) & (ys < bottom) & (gap > 0)
        dy = np.where(ball, 0.5 * (bottom - ys), dy)
        dz = np.where(ball, -3.0, dz)
        below = cols & (ys >= bottom) & (ys < bottom + 0.6 * gap + 2)
        dy = np.where(below, -0.12 * gap * (1 - (ys - bottom) / (0.6 * gap + 2)), dy)
    return dy, dz


def build_head(photo: np.ndarray, name: str, texture_side: int = 400) -> Head:
    """Cut the person out of ``photo`` and lift the head onto a 3D surface."""
    import cv2

    found = models.detect(photo, min(1600, max(photo.shape[:2])), upsample=1)
    if not found:
        raise RuntimeError(f"no face in {name}")
    box = found[0][0]
    lm0 = models.landmarks(photo, box)
    a0 = float(np.linalg.norm(lm0[16] - lm0[0])) / 2
    cx, cy = float(lm0[27, 0]), float(lm0[30, 1])
    side = 5.2 * a0
    x0, y0 = cx - side / 2, cy - 0.45 * side
    scale = texture_side / side
    m = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]])
    tex = cv2.warpAffine(
        photo,
        m,
        (texture_side, texture_side),
        flags=cv2.INTER_AREA,
        borderMode=cv2.BORDER_REPLICATE,
    )
    lm = lm0 * scale + np.array([-x0 * scale, -y0 * scale])
    a = a0 * scale
    t = texture_side
    person = _person_mask(tex, lm, a)
    depth, weight = _depth(lm, a, t)
    gy, gx = np.gradient(depth)
    nrm = np.dstack([-np.asarray(gx), -np.asarray(gy), np.ones(depth.shape)])
    nrm /= np.linalg.norm(nrm, axis=-1, keepdims=True)
    lid_dy, lid_dz = _lids(lm, t)
    # points: two per texel on the head, 1 per texel on the shoulders
    ys, xs = np.nonzero(person)
    fine = weight[ys, xs] > 0.02
    us, vs = [xs[~fine].astype(np.float64)], [ys[~fine].astype(np.float64)]
    src_y, src_x = [ys[~fine]], [xs[~fine]]
    for ox, oy in ((-0.25, -0.25), (0.25, 0.25)):
        us.append(xs[fine].astype(np.float64) + ox)
        vs.append(ys[fine].astype(np.float64) + oy)
        src_y.append(ys[fine])
        src_x.append(xs[fine])
    iy, ix = np.concatenate(src_y), np.concatenate(src_x)
    grey = np.full_like(tex, 128)
    photo_cut = np.where(person[..., None], tex, grey)
    eye_y = float(lm[36:48, 1].mean())
    return Head(
        name=name,
        texture=tex,
        landmarks=lm,
        half_width=a,
        u=np.concatenate(us).astype(np.float32),
        v=np.concatenate(vs).astype(np.float32),
        z=depth[iy, ix].astype(np.float32),
        weight=weight[iy, ix].astype(np.float32),
        weight_level=np.round(weight[iy, ix] * 63).astype(np.intp),
        normal=nrm[iy, ix].astype(np.float32),
        lid_dy=lid_dy[iy, ix].astype(np.float32),
        lid_dz=lid_dz[iy, ix].astype(np.float32),
        pivot=(float(lm[0, 0] + lm[16, 0]) / 2, eye_y + 0.3 * a, -0.9 * a),
        photo=photo_cut,
    )


# The people of the held-out source: (media file, crop hint) -> name.
SUBJECTS: dict[str, str] = {
    "obama": "obama.jpg",
    "hao": "hao.jpg",
    "anc": "anc.jpg",
    "biden": "biden.jpg",
}
REFERENCES: dict[str, str] = {
    "obama": "obama2.jpg",  # a different photo of the same man
    "hao": "hao.jpg",  # the same photo (no other one ships): the video is a 3D render of it
    "anc": "anc.jpg",
    "biden": "biden.jpg",
}


@functools.cache
def head(name: str) -> Head:
    """The 3D head of one held-out subject (cached per process)."""
    return build_head(_load(SUBJECTS[name]), name)


# ---------------------------------------------------------------- what the head does


@dataclass(frozen=True)
class Performance:
    """Head pose keyframes (t, yaw, pitch, roll in degrees) and eye closures over time."""

    duration: float
    poses: tuple[tuple[float, float, float, float], ...] = ((0.0, 0.0, 0.0, 0.0),)
    blinks: tuple[float, ...] = ()
    blink_len: float = 0.22
    eyes_closed: bool = False

    def pose(self, t: float) -> tuple[float, float, float]:
        keys = self.poses
        if t <= keys[0][0]:
            return keys[0][1:]
        for k0, k1 in itertools.pairwise(keys):
            if k0[0] <= t <= k1[0]:
                f = (t - k0[0]) / (k1[0] - k0[0]) if k1[0] > k0[0] else 1.0
                f = 0.5 - 0.5 * math.cos(math.pi * f)
                return (
                    k0[1] + (k1[1] - k0[1]) * f,
                    k0[2] + (k1[2] - k0[2]) * f,
                    k0[3] + (k1[3] - k0[3]) * f,
                )
        return keys[-1][1:]

    def closure(self, t: float) -> float:
        if self.eyes_closed:
            return 1.0
        c = 0.0
        for b in self.blinks:
            u = (t - b) / self.blink_len
            if 0 <= u <= 1:
                c = max(c, min(1.0, 1.25 * math.sin(math.pi * u)))
        return c


def shake(
    first: str = "left", amplitude: float = 32.0, blinks: Sequence[float] = (0.7, 4.1)
) -> Performance:
    """Frontal, blink, a turn each way back through the centre, blink; a little nodding."""
    s = -amplitude if first == "left" else amplitude
    return Performance(
        5.0,
        (
            (0.0, 0.0, 2.0, 0.0),
            (1.3, 1.0, 0.0, 1.0),
            (1.9, s, -2.0, 2.0),
            (2.45, 0.0, 1.0, 0.0),
            (3.05, -s, -1.0, -2.0),
            (3.6, 0.0, 2.0, 0.0),
            (5.0, 1.0, 0.0, 1.0),
        ),
        tuple(blinks),
    )


def blink_then_turns(amplitude: float = 32.0) -> Performance:
    """Blink, then turn left, then turn right (for ordered challenges)."""
    return Performance(
        5.0,
        (
            (0.0, 0.0, 0.0, 0.0),
            (1.4, 0.0, 1.0, 0.0),
            (2.0, -amplitude, 0.0, -1.0),
            (2.6, 0.0, -1.0, 0.0),
            (3.2, amplitude, 0.0, 1.0),
            (3.8, 0.0, 1.0, 0.0),
            (5.0, 0.0, 0.0, 0.0),
        ),
        (0.7,),
    )


def blinks_only() -> Performance:
    """Frontal with three blinks and small natural head motion, no turn."""
    return Performance(
        4.5,
        ((0.0, 0.0, 0.0, 0.0), (1.5, 4.0, 2.0, 1.0), (3.0, -4.0, -1.0, -1.0), (4.5, 0.0, 1.0, 0.0)),
        (0.8, 2.0, 3.3),
    )


def nod_and_tilt() -> Performance:
    """Open eyes all along: nodding (pitch) and tilting (roll), no turn past 10 degrees."""
    return Performance(
        5.0,
        (
            (0.0, 0.0, 0.0, 0.0),
            (1.0, 3.0, 18.0, 0.0),
            (2.0, -3.0, -15.0, 0.0),
            (3.0, 0.0, 0.0, 15.0),
            (4.0, 0.0, 0.0, -15.0),
            (5.0, 0.0, 0.0, 0.0),
        ),
    )


# ---------------------------------------------------------------- the camera and the room


@dataclass(frozen=True)
class Camera:
    """Output size, framing and capture conditions."""

    width: int = 640
    height: int = 640
    fps: float = 30.0
    face_share: float = 0.38  # face width over the shorter frame side
    distance: float = 5.0  # camera to face, in half face widths (a selfie at arm's length)
    gain: float = 1.0  # < 1: a dark room
    noise: float = 2.5
    shake_px: float = 4.0
    seed: int = 0


def _room(cam: Camera, rng: np.random.Generator) -> np.ndarray:
    """A plain room behind the person: a wall with a door and a picture, larger than the frame."""
    import cv2

    w, h = round(cam.width * 1.4), round(cam.height * 1.4)
    base = rng.uniform(120, 200, 3)
    wall = np.ones((h, w, 3)) * base
    wall *= np.linspace(0.85, 1.1, w)[None, :, None]
    wall += cv2.GaussianBlur(rng.normal(0, 10, (h, w)), (0, 0), 3)[..., None]
    dx = int(rng.integers(0, w // 3))
    cv2.rectangle(wall, (dx, h // 6), (dx + w // 4, h), tuple(float(c) for c in base * 0.7), -1)
    cv2.rectangle(wall, (dx, h // 6), (dx + w // 4, h), (60.0, 50.0, 40.0), 6)
    px = int(rng.integers(w // 2, w - w // 5))
    cv2.rectangle(wall, (px, h // 8), (px + w // 6, h // 8 + h // 7), (40.0, 90.0, 140.0), -1)
    cv2.line(wall, (0, round(h * 0.8)), (w, round(h * 0.8)), (90.0, 80.0, 70.0), 4)
    return np.clip(wall, 0, 255).astype(np.uint8)


@dataclass
class _Placed:
    head: Head
    perf: Performance
    offset: float  # horizontal position of this head, in frame widths from the centre


def render(heads: Sequence[tuple[Head, Performance, float]], cam: Camera) -> Iterator[np.ndarray]:
    """Frames (RGB uint8) of the heads following their performances, seen by the camera."""
    import cv2

    rng = np.random.default_rng(cam.seed)
    room = _room(cam, rng)
    phase = rng.uniform(0, 2 * math.pi, 8)
    placed = [_Placed(h, p, off) for h, p, off in heads]
    duration = max(p.perf.duration for p in placed)
    n = round(duration * cam.fps)
    w, h = cam.width, cam.height
    short = min(w, h)
    noise_bank = [
        rng.standard_normal((h, w, 3), dtype=np.float32) * np.float32(cam.noise) for _ in range(7)
    ]
    for i in range(n):
        t = i / cam.fps
        # the hand-held camera: translation (pixels at the face), roll, zoom breathing
        tx = cam.shake_px * (math.sin(1.3 * t + phase[0]) + 0.4 * math.sin(3.1 * t + phase[1]))
        ty = cam.shake_px * (math.sin(1.1 * t + phase[2]) + 0.4 * math.sin(3.7 * t + phase[3]))
        cam_roll = math.radians(0.8 * math.sin(0.7 * t + phase[4]))
        light = np.array([0.5 * math.sin(0.5 * t + phase[5]), -0.4 + 0.2 * math.sin(0.3 * t), 0.8])
        light /= np.linalg.norm(light)
        gain = cam.gain * (1.0 + 0.06 * math.sin(0.9 * t + phase[6]))
        # background: far away, so it moves less than the face (parallax)
        bx = (room.shape[1] - w) / 2 - 0.3 * tx
        by = (room.shape[0] - h) / 2 - 0.3 * ty
        mb = cv2.getRotationMatrix2D((w / 2, h / 2), math.degrees(cam_roll) * 0.5, 1.0)
        mb[0, 2] -= bx
        mb[1, 2] -= by
        frame = np.asarray(
            cv2.warpAffine(room, mb, (w, h), borderMode=cv2.BORDER_REFLECT), dtype=np.float32
        )
        zbuf = np.full(h * w, -np.inf, np.float32)
        for p in placed:
            _draw(p, t, cam, (tx, ty, cam_roll), light, frame, zbuf, short)
        frame *= gain
        blurred = np.asarray(cv2.GaussianBlur(frame, (0, 0), 0.6), dtype=np.float32)
        blurred += noise_bank[i % len(noise_bank)][: blurred.shape[0], : blurred.shape[1]]
        yield np.clip(blurred, 0, 255).astype(np.uint8)


def _draw(
    p: _Placed,
    t: float,
    cam: Camera,
    motion: tuple[float, float, float],
    light: np.ndarray,
    frame: np.ndarray,
    zbuf: np.ndarray,
    short: int,
) -> None:
    import cv2

    hd = p.head
    w, h = cam.width, cam.height
    a = hd.half_width
    yaw_d, pitch_d, roll_d = p.perf.pose(t)
    c = p.perf.closure(t)
    px, py, pz = hd.pivot
    x = hd.u - px
    y = hd.v + c * hd.lid_dy - py
    z = hd.z + c * hd.lid_dz - pz
    # the neck twists: each point turns by the angle times its head weight (64 levels)
    level = hd.weight_level
    steps = np.linspace(0.0, 1.0, 64, dtype=np.float32)

    def trig(deg: float) -> tuple[np.ndarray, np.ndarray]:
        ang = np.radians(deg) * steps
        return np.cos(ang)[level], np.sin(ang)[level]

    # yaw > 0 turns the nose toward the frame's right edge
    cyw, syw = trig(yaw_d)
    x1 = x * cyw + z * syw
    z1 = -x * syw + z * cyw
    cp, sp = trig(pitch_d)
    y1 = y * cp - z1 * sp
    z2 = y * sp + z1 * cp
    cr, sr = trig(roll_d)
    x2 = x1 * cr - y1 * sr
    y2 = x1 * sr + y1 * cr
    z3 = z2 + pz
    # normals turn with the head (shading)
    n = hd.normal
    nx1 = n[:, 0] * cyw + n[:, 2] * syw
    nz1 = -n[:, 0] * syw + n[:, 2] * cyw
    ny1 = n[:, 1] * cp - nz1 * sp
    nz2 = n[:, 1] * sp + nz1 * cp
    shade = 0.72 + 0.38 * np.clip(nx1 * light[0] + ny1 * light[1] + nz2 * light[2], 0, 1)
    # pinhole camera at ``distance`` half face widths; face_share of the short side at z = 0
    scale = cam.face_share * short / (2.0 * a)
    dist = cam.distance * a
    focal = scale * dist
    tx, ty, croll = motion
    xs = x2 * math.cos(croll) - y2 * math.sin(croll)
    ys = x2 * math.sin(croll) + y2 * math.cos(croll)
    persp = focal / (dist - z3)
    cx = w / 2 + p.offset * w + tx
    cy = h / 2 + 0.05 * h + ty
    ix = np.floor(cx + xs * persp).astype(np.int64)
    iy = np.floor(cy + (ys + 0.3 * a) * persp).astype(np.int64)
    ok = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    flat = (iy * w + ix)[ok]
    depth = z3[ok]
    # z-buffer: for each pixel keep the point nearest the camera
    q = np.clip((depth - depth.min()) / max(1e-6, float(np.ptp(depth))), 0, 1)
    key = flat * 65536 + (65535 - np.round(q * 65535).astype(np.int64))
    order = np.argsort(key, kind="stable")
    fs = flat[order]
    first = np.ones(len(fs), bool)
    first[1:] = fs[1:] != fs[:-1]
    sel = order[first]
    pix = fs[first]
    nearer = depth[sel] > zbuf[pix]
    pix, sel = pix[nearer], sel[nearer]
    zbuf[pix] = depth[sel]
    um = np.zeros(h * w, np.float32)
    vm = np.zeros(h * w, np.float32)
    sm = np.zeros(h * w, np.float32)
    cov = np.zeros(h * w, np.float32)
    uu, vv, ss = hd.u[ok], hd.v[ok], shade[ok]
    um[pix], vm[pix], sm[pix], cov[pix] = uu[sel], vv[sel], ss[sel], 1.0
    maps = [m.reshape(h, w) for m in (um, vm, sm, cov)]
    # fill the holes a magnifying turn leaves: normalised box filter over the covered pixels
    um2, vm2, sm2, cov2 = maps
    for _ in range(2):
        k = cv2.blur(cov2, (3, 3))
        hole = (cov2 == 0) & (k > 0.3)
        if not hole.any():
            break
        for m in (um2, vm2, sm2):
            m[hole] = (cv2.blur(m * cov2, (3, 3))[hole]) / k[hole]
        cov2 = np.where(hole, 1.0, cov2).astype(np.float32)
    alpha = cv2.GaussianBlur(cov2, (0, 0), 0.7)[..., None]
    sample = cv2.remap(hd.texture, um2, vm2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    person = sample.astype(np.float32) * sm2[..., None]
    frame[:] = frame * (1 - alpha) + person * alpha


# ---------------------------------------------------------------- output


def write(
    path: Path, frames: Iterator[np.ndarray] | Sequence[np.ndarray], fps: float, **kw: object
) -> Path:
    """Encode with the same writer as the tuning source (formats are not what differs)."""
    from bot.vision.testing import synth

    return synth.write_video(path, frames, fps, **kw)  # type: ignore[arg-type]


def contact_sheet(frames: Sequence[np.ndarray], path: Path, cols: int = 8, side: int = 200) -> Path:
    """Save frames side by side as a PNG (to look at what was generated)."""
    import cv2

    tiles = []
    for f in frames:
        hh, ww = f.shape[:2]
        s = side / max(hh, ww)
        tile = np.zeros((side, side, 3), np.uint8)
        small = cv2.resize(f, (round(ww * s), round(hh * s)), interpolation=cv2.INTER_AREA)
        tile[: small.shape[0], : small.shape[1]] = small
        tiles.append(tile)
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i : i + cols]) for i in range(0, len(tiles), cols)]
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
    return path


Source = Callable[[float], np.ndarray]
