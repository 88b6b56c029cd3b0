"""The held-out source's people: face photos lifted onto a dense 3D head (``render3d`` films them).

The person is cut out of the photo (GrabCut seeded by the face) and every pixel of the head gets
a depth: a super-ellipsoid skull plus thin-plate-spline offsets at the landmarks from this
module's own face profile (nose out, eye sockets in, lips and brows forward). The shoulders are
a flat plate behind the face; the neck blends the two. Eyelids close by geometry: the skin
between brow and upper lid slides down over the eye, which is pushed back behind it; the lower
lid rises a little (each point stores its shift for fully closed eyes).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
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
    # GrabCut's GMMs start from k-means drawn from OpenCV's random generators (one per
    # thread, their state depending on what ran before): one thread and a fixed seed, so a
    # clip is the same every time it is made (the suite's results must not depend on a
    # random cut-out).
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        cv2.setRNGSeed(0x5EED)
        grab: Any = cv2.grabCut
        grab(cv2.cvtColor(tex, cv2.COLOR_RGB2BGR), mask, None, bgd, fgd, 4, cv2.GC_INIT_WITH_MASK)
    finally:
        cv2.setNumThreads(threads)
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
