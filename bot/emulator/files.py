"""What the emulator needs to know about a file: an image's size, a path's extension."""

from __future__ import annotations

import io
import mimetypes


def image_size(data: bytes) -> tuple[int, int]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return int(image.width), int(image.height)
    except Exception:
        return 640, 480


def guess_extension(mime_type: str | None, file_name: str | None, kind: str) -> str:
    if file_name and "." in file_name:
        return file_name.rsplit(".", 1)[1].lower()
    if mime_type:
        extension = mimetypes.guess_extension(mime_type)
        if extension:
            return extension.lstrip(".")
    return {"photo": "jpg", "video": "mp4", "video_note": "mp4", "voice": "oga"}.get(kind, "bin")
