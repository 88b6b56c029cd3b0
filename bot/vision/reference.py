"""Photos: decoded upright within limits, their faces, and the reference face's encoding."""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from pathlib import Path

import numpy as np

from bot.vision import models
from bot.vision.tracker import SECOND_FACE_SHARE
from bot.vision.types import Limits, Reason, VisionError


def load_image(source: str | Path | bytes, limits: Limits, code: str = "bad_image") -> np.ndarray:
    """Decode a photo to upright RGB (EXIF orientation honoured), within ``image_max_pixels``."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        if isinstance(source, bytes):
            if not source:
                raise VisionError(code, "the image is empty")
            if len(source) > limits.max_bytes:
                raise VisionError(code, "the image is too large")
            handle: io.BytesIO | Path = io.BytesIO(source)
        else:
            handle = Path(source)
            if not handle.is_file():
                raise VisionError(code, f"no such image: {handle.name}")
            if handle.stat().st_size > limits.max_bytes:
                raise VisionError(code, "the image is too large")
        with Image.open(handle) as img:
            if img.width * img.height > limits.image_max_pixels:
                raise VisionError(code, f"{img.width}x{img.height} is too many pixels")
            upright = ImageOps.exif_transpose(img).convert("RGB")
            return np.asarray(upright)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise VisionError(code, f"cannot read the image ({type(exc).__name__})") from None


def faces(rgb: np.ndarray) -> list[models.Box]:
    """Faces in a still image, largest first, ignoring ones much smaller than the largest."""
    found = models.detect(rgb, 800)
    if not found:
        found = models.detect(rgb, min(1600, max(rgb.shape[:2])), upsample=1)
    boxes = [b for b, _ in found]
    if not boxes:
        return []
    main_w = boxes[0][2] - boxes[0][0]
    return [b for b in boxes if b[2] - b[0] >= SECOND_FACE_SHARE * main_w]


def face_encoding(image: str | Path | bytes, limits: Limits | None = None) -> np.ndarray | None:
    """The 128-d encoding of the largest face of an image, or None without a face."""
    rgb = load_image(image, limits or Limits())
    boxes = faces(rgb)
    if not boxes:
        return None
    return models.encode(rgb, models.landmarks(rgb, boxes[0]))


_CACHE_SIZE = 64
_cache: OrderedDict[tuple[bytes, int, int], tuple[np.ndarray | None, Reason | None]] = OrderedDict()


def reference_encoding(
    source: str | Path | bytes, limits: Limits
) -> tuple[np.ndarray | None, Reason | None]:
    """The reference photo's face encoding, or the reason there is none (not one face).

    Kept per process by the photo's content (its SHA-256), for the last ``_CACHE_SIZE``
    photos: a member's reference is the same for every video they send, and encoding it
    costs about as much as matching a video (detection at up to 800 px, landmarks, two
    encoder runs: ``symmetric_encoding``), so a worker pays for it once per reference photo.
    """
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise VisionError("bad_reference", f"no such image: {path.name}")
        if path.stat().st_size > limits.max_bytes:
            raise VisionError("bad_reference", "the image is too large")
        data = path.read_bytes()
    key = (hashlib.sha256(data).digest(), limits.max_bytes, limits.image_max_pixels)
    found = _cache.get(key)
    if found is None:
        found = _encode_reference(data, limits)
        _cache[key] = found
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return found


def clear_cache() -> None:
    """Forget every kept reference encoding (the bench times the encoding itself)."""
    _cache.clear()


def _encode_reference(data: bytes, limits: Limits) -> tuple[np.ndarray | None, Reason | None]:
    rgb = load_image(data, limits, code="bad_reference")
    boxes = faces(rgb)
    if len(boxes) != 1:
        return None, Reason.NO_REFERENCE
    encoding = symmetric_encoding(rgb, models.landmarks(rgb, boxes[0]))
    encoding.flags.writeable = False  # shared by every video matched against it
    return encoding, None


def symmetric_encoding(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The mean of the encodings of the face's chip and of its mirror image.

    A face and its mirror image are one person; what differs between their two encodings is
    the asymmetric part of one photo (light from one side, a slight turn, the landmark fit on
    one side), and the mean halves it. Used for the reference photo only: it is encoded once
    per worker (``reference_encoding``), so the second encoder run costs a video nothing.
    Deterministic, unlike dlib's ``jitter_image`` (a process-wide random generator: one photo
    would encode differently in each worker). *Tuning source*, carphone split (40 references,
    bot/vision/README.md 7b), the video's best frame against the reference: 0.337 on average
    (90th percentile 0.392, worst 0.475) with the photo's plain encoding, 0.331 (0.379, 0.447)
    with this one; 10 of dlib's jitters 0.333 (0.385, 0.429) for five times the encoder runs.
    """
    chip = models.face_chip(rgb, points)
    both = models.encode_chip(chip) + models.encode_chip(chip[:, ::-1])
    return np.asarray(both / 2.0, dtype=np.float64)
