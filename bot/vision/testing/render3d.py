"""The held-out test-video source: face photos lifted onto a dense 3D head, rendered in perspective.

A different principle from ``synth.py`` (a 2D piecewise-affine warp of 68 landmarks), and
different people (see ``media.py``). Never used to tune the engine.

1. The person is cut out of the photo and lifted onto a 3D head: see ``head3d``.
2. A frame is a point render: every texel of the head (two samples each) is rotated in 3D about
   a neck pivot behind the face (yaw, pitch, roll), moved by the hand-held camera, projected with
   a true pinhole camera at selfie distance and z-buffered, so a turning head shows parallax
   and hides its far cheek. The texture is then sampled through the rendered (u, v) map.
3. Eyelids close by geometry (the shifts ``head3d`` stores), as the ``Performance`` says.
4. Lambert shading from the rotated surface normals under a slowly moving light; a room
   background behind the person moving with parallax; sensor noise, gain drift, optics blur.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.vision.testing.head3d import Head
from bot.vision.testing.video_files import write_video

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


def room_image(cam: Camera, rng: np.random.Generator) -> np.ndarray:
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
    room = room_image(cam, rng)
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
    return write_video(path, frames, fps, **kw)  # type: ignore[arg-type]
