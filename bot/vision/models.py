"""dlib models behind face_recognition, loaded lazily once per process."""

from __future__ import annotations

import functools
import importlib.util
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.vision import resnet
from bot.vision.resnet import CHIP_PADDING, CHIP_SIZE


@dataclass(frozen=True)
class Models:
    """The HOG face detector, the 68-point shape predictor and the 128-d face encoder (a
    ``resnet.Net``, or dlib's ``face_recognition_model_v1`` where that cannot be read)."""

    detector: Any
    predictor: Any
    encoder: Any
    load_cpu_ms: dict[str, float] = field(default_factory=dict)
    """CPU time each took to load in this process (for the bench)."""


DETECTOR_FILE = Path(__file__).with_name("data") / "frontal_face_detector.svm"
"""dlib's own frontal face detector (``dlib.get_frontal_face_detector()``), saved as dlib saves
a detector: it loads in about 1 ms, where dlib's embedded copy takes about 280 ms of CPU to
decode. ``tests/vision/test_loading.py`` checks that it is byte for byte dlib's detector."""


@functools.cache
def models() -> Models:
    """Load the models on first use (face_recognition_models holds the files).

    About 0.45 s of CPU on one core, nearly all of it the 68-point predictor (100 MB): a worker
    loads them before its first job (``bot.jobs.analysis.warm_up``).
    """
    spent: dict[str, float] = {}
    started = time.process_time()
    import dlib

    folder = model_dir()

    def timed(name: str, value: Any) -> Any:
        nonlocal started
        now = time.process_time()
        spent[name] = (now - started) * 1000.0
        started = now
        return value

    timed("import", None)
    detector = timed("detector", _detector())
    predictor = timed(
        "predictor", dlib.shape_predictor(str(folder / "shape_predictor_68_face_landmarks.dat"))
    )
    encoder = timed("encoder", _encoder(folder / "dlib_face_recognition_resnet_model_v1.dat"))
    _huge_pages_for_heap()
    timed("huge_pages", None)
    return Models(detector, predictor, encoder, spent)


def model_dir() -> Path:
    """The folder of face_recognition_models' files, found without importing the package (its
    ``__init__`` imports ``pkg_resources``, about 150 ms of CPU and a deprecation warning)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("face_recognition_models is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def _encoder(path: Path) -> Any:
    """The face encoder: dlib's network run on numpy's BLAS (``resnet``), ~4x less CPU than
    dlib's own build of it; dlib's if its file cannot be read that way."""
    import dlib

    if resnet.usable():
        try:
            return resnet.load(path)
        except (OSError, ValueError, IndexError):
            pass
    return dlib.face_recognition_model_v1(str(path))


def _detector() -> Any:
    import dlib

    try:
        return dlib.fhog_object_detector(str(DETECTOR_FILE))
    except RuntimeError:  # missing or unreadable: dlib's embedded copy is the same detector
        return dlib.get_frontal_face_detector()


_MADV_HUGEPAGE = 14
_MADV_COLLAPSE = 25  # Linux 6.1+: collapse now, rather than when khugepaged gets to it
_HUGE = 2 * 1024 * 1024


def _huge_pages_for_heap() -> None:
    """Ask Linux to back the C heap, where dlib keeps its models, with 2 MB pages.

    The 68-point predictor is ~100 MB of small tree nodes on the heap, and every call reads
    one leaf of each of its 7,500 trees: with 4 KB pages nearly every read misses the TLB.
    On 2 MB pages the landmarks and the rest of the analysis run ~10 % faster (measured on a
    5 s video: 535 -> 482 ms) at no extra memory. Best effort: anywhere else, or when
    transparent huge pages are off, nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        madvise = libc.madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        madvise.restype = ctypes.c_int
        with open("/proc/self/maps") as maps:
            heaps = [line.split() for line in maps if line.rstrip().endswith("[heap]")]
        for fields in heaps:
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            start, end = -(-lo // _HUGE) * _HUGE, hi // _HUGE * _HUGE
            if end - start >= _HUGE and madvise(start, end - start, _MADV_HUGEPAGE) == 0:
                madvise(start, end - start, _MADV_COLLAPSE)  # may fail: khugepaged will do
    except (OSError, AttributeError, ValueError):
        pass


Box = tuple[float, float, float, float]
"""left, top, right, bottom in pixels."""


def image_for_dlib(image: np.ndarray) -> np.ndarray:
    """``image`` as dlib's bindings take it: C-contiguous uint8, H x W grey or H x W x 3 RGB.

    dlib rejects strided views (FFmpeg's padded lines, slices, rotations) and any other
    layout with an opaque ``incompatible function arguments`` TypeError; this is the one
    place every array handed to dlib goes through. Grey-with-a-channel and RGBA are reduced.
    """
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    elif arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[:, :, :3]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise ValueError(f"not an image array: shape {arr.shape}")
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(arr)


def rgb_for_dlib(image: np.ndarray) -> np.ndarray:
    """``image_for_dlib`` with three channels (the face encoder needs colour)."""
    arr = image_for_dlib(image)
    if arr.ndim == 2:
        arr = np.ascontiguousarray(np.repeat(arr[:, :, None], 3, axis=2))
    return arr


def detect(image: np.ndarray, target_side: int, upsample: int = 0) -> list[tuple[Box, float]]:
    """HOG detection on a copy downscaled to ``target_side``; boxes in ``image`` pixels."""
    import cv2

    h, w = image.shape[:2]
    scale = min(1.0, target_side / max(h, w))
    small = (
        cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        if scale < 1.0
        else image
    )
    rects, scores, _ = models().detector.run(image_for_dlib(small), upsample, 0.0)
    out: list[tuple[Box, float]] = []
    for r, s in zip(rects, scores, strict=True):
        out.append(
            (
                (r.left() / scale, r.top() / scale, r.right() / scale, r.bottom() / scale),
                float(s),
            )
        )
    out.sort(key=lambda bs: -(bs[0][2] - bs[0][0]))
    return out


def landmarks(image: np.ndarray, box: Box) -> np.ndarray:
    """68 landmarks (x, y) as a float array of shape (68, 2)."""
    import dlib

    rect = dlib.rectangle(round(box[0]), round(box[1]), round(box[2]), round(box[3]))
    shape = models().predictor(image_for_dlib(image), rect)
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


def encode(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """128-d encoding of the face whose 68 landmarks are ``points`` (no jitter). dlib's
    encoder given the chip gives what it gives cutting the chip itself, bit for bit."""
    return encode_chip(face_chip(rgb, points))


def face_chip(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The chip ``compute_face_descriptor`` cuts (150 px, a quarter of padding), aligned on
    ``points``: what the encoder sees."""
    import dlib

    return np.asarray(
        dlib.get_face_chip(rgb_for_dlib(rgb), _shape(points), size=CHIP_SIZE, padding=CHIP_PADDING)
    )


def encode_chip(chip: np.ndarray) -> np.ndarray:
    """128-d encoding of a face chip cut by ``face_chip`` (or any view of one, e.g. mirrored)."""
    encoder = models().encoder
    chip = np.ascontiguousarray(chip, dtype=np.uint8)
    if isinstance(encoder, resnet.Net):
        return resnet.forward(encoder, chip)
    return np.array(encoder.compute_face_descriptor(chip))


def _shape(points: np.ndarray) -> Any:
    import dlib

    parts = [dlib.point(round(x), round(y)) for x, y in points]
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    rect = dlib.rectangle(round(x0), round(y0), round(x1), round(y1))
    return dlib.full_object_detection(rect, parts)


def box_from_points(points: np.ndarray) -> Box:
    """The box dlib's detector would give for these landmarks, to follow the face.

    Fitted on detector boxes: centred on the landmarks' extent, 10 % of its height higher,
    as wide as the extent (matching the detector's convention keeps the predictor from drifting).
    """
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    w, h = x1 - x0, y1 - y0
    side = 0.5 * (1.016 * w + 0.925 * h)
    cx = (x0 + x1) / 2 + 0.012 * w
    cy = (y0 + y1) / 2 - 0.096 * h
    return (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
