"""dlib's face encoder run on numpy's BLAS (``bot.vision.resnet``) gives dlib's encodings.

Tuning source only (the astronaut photo of scikit-image).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import dlib
import numpy as np
import pytest

from bot.vision import models, resnet
from bot.vision.reference import faces

ENCODER_FILE = "dlib_face_recognition_resnet_model_v1.dat"


def _astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(np.asarray(data.astronaut()))  # type: ignore[no-untyped-call]


def _dlib_encoding(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """dlib's own network on the same face (what ``models.encode`` did before)."""
    encoder = dlib.face_recognition_model_v1(str(models.model_dir() / ENCODER_FILE))
    parts = [dlib.point(round(x), round(y)) for x, y in points]
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    rect = dlib.rectangle(round(x0), round(y0), round(x1), round(y1))
    shape = dlib.full_object_detection(rect, parts)
    return np.array(encoder.compute_face_descriptor(rgb, shape, 0))


def test_the_engine_encodes_with_the_numpy_network() -> None:
    assert resnet.usable()
    assert isinstance(models.models().encoder, resnet.Net)


@pytest.mark.parametrize(
    ("scale", "mirror", "dark"), [(1.0, False, False), (0.4, True, False), (0.7, False, True)]
)
def test_the_numpy_network_gives_dlibs_encodings(scale: float, mirror: bool, dark: bool) -> None:
    rgb = _astronaut()
    if scale != 1.0:
        size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    if mirror:
        rgb = np.ascontiguousarray(rgb[:, ::-1])
    if dark:
        rgb = (rgb // 3).astype(np.uint8)
    points = models.landmarks(rgb, faces(rgb)[0])
    ours = models.encode(rgb, points)
    theirs = _dlib_encoding(rgb, points)
    assert ours.shape == (128,) and ours.dtype == np.float64
    # float32 both ways, summed in another order: about 1e-7 apart, distances about 1e-6
    assert float(np.abs(ours - theirs).max()) < 1e-5
    assert abs(float(np.linalg.norm(ours)) - float(np.linalg.norm(theirs))) < 1e-5


def test_a_file_that_is_not_the_network_is_refused(tmp_path: Path) -> None:
    data = (models.model_dir() / ENCODER_FILE).read_bytes()
    truncated = tmp_path / "truncated.dat"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises((ValueError, IndexError)):
        resnet.load(truncated)
    other = tmp_path / "other.dat"
    other.write_bytes(b"\x00" * 1000)
    with pytest.raises(ValueError, match="no input_rgb_image_sized layer"):
        resnet.load(other)
