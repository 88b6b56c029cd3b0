"""Photos: decoded upright within limits, their faces, and the reference face's encoding."""

from __future__ import annotations

import io
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


def reference_encoding(
    source: str | Path | bytes, limits: Limits
) -> tuple[np.ndarray | None, Reason | None]:
    """The reference photo's face encoding, or the reason there is none (not one face)."""
    rgb = load_image(source, limits, code="bad_reference")
    boxes = faces(rgb)
    if len(boxes) != 1:
        return None, Reason.NO_REFERENCE
    return models.encode(rgb, models.landmarks(rgb, boxes[0])), None
