"""Reference faces by ID number: the photo a family member's selfie video is matched against.

The official service asks the public-security photo registry; `ReferenceRegistry` is that
extension point. `LocalReferenceRegistry` is our stand-in: one row per ID number in the
`reference_photo` table (keyed hash only) and one file `DATA_DIR/references/<hash>.bin` holding
the image encrypted with the Vault. `import_folder` and `import_csv` fill it in bulk; their
reports name files and lines with masked ID numbers only.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import io
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from tortoise.exceptions import IntegrityError

from bot.domain.idnumber import IdNumberError, mask_id, parse_resident_id
from bot.security import Vault
from bot.storage.models import ReferencePhoto
from bot.vision import Reason, VisionError, analyse_photo

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_REFERENCE_BYTES",
    "REFERENCES_DIR",
    "ImportReport",
    "LocalReferenceRegistry",
    "ReferenceErrorCode",
    "ReferenceImportError",
    "ReferencePhotoError",
    "ReferenceRegistry",
    "SkippedItem",
    "import_csv",
    "import_folder",
]

logger = logging.getLogger(__name__)

REFERENCES_DIR = "references"
"""The folder under DATA_DIR that holds the encrypted reference images."""
MAX_REFERENCE_BYTES = 10 * 1024 * 1024
"""Largest accepted reference image (an ID photo is a few tens of kilobytes)."""
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_CSV_COLUMNS = ("id_number", "image_path")


class ReferenceRegistry(Protocol):
    """Where reference faces come from (the photo registry, or `LocalReferenceRegistry`)."""

    async def get(self, id_number: str) -> bytes | None:
        """The JPEG or PNG bytes of the face photo of this ID number, or None."""
        ...


class ReferenceErrorCode(StrEnum):
    INVALID_ID = "invalid_id"
    NOT_AN_IMAGE = "not_an_image"
    TOO_LARGE = "too_large"
    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    # import only
    FILE_NOT_FOUND = "file_not_found"
    UNREADABLE_FILE = "unreadable_file"
    UNSUPPORTED_FILE = "unsupported_file"
    BAD_ROW = "bad_row"
    DUPLICATE_ID = "duplicate_id"


class ReferencePhotoError(ValueError):
    """A reference image or ID number was refused; `code` says why. No personal data inside.

    (Named so as not to shadow the builtin `ReferenceError`.)
    """

    def __init__(self, code: ReferenceErrorCode) -> None:
        super().__init__(f"reference refused: {code.value}")
        self.code = code


class ReferenceImportError(ValueError):
    """An import source as a whole is unusable (missing folder, unreadable CSV, bad header)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _image_kind(image: bytes) -> str | None:
    if image.startswith(_JPEG_MAGIC):
        return "jpeg"
    if image.startswith(_PNG_MAGIC):
        return "png"
    return None


def _check_face(image: bytes) -> None:
    """Blocking: decode the image and require exactly one face (the engine's own rule)."""
    try:
        report = analyse_photo(image)
    except VisionError:
        raise ReferencePhotoError(ReferenceErrorCode.NOT_AN_IMAGE) from None
    if Reason.NO_FACE in report.reasons:
        raise ReferencePhotoError(ReferenceErrorCode.NO_FACE)
    if Reason.MULTIPLE_FACES in report.reasons:
        raise ReferencePhotoError(ReferenceErrorCode.MULTIPLE_FACES)


def seal_image(vault: Vault, image: bytes) -> bytes:
    """An image encrypted for storage at rest (ASCII): the form of every stored face."""
    return vault.encrypt(base64.b64encode(image).decode("ascii")).encode("ascii")


def open_image(vault: Vault, sealed: bytes) -> bytes:
    """The image back from `seal_image`; `DecryptionError` with a key that did not seal it."""
    return base64.b64decode(vault.decrypt(sealed.decode("ascii").strip()))


def write_private(path: Path, data: bytes) -> None:
    """Write atomically with mode 0600 (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".ref-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class LocalReferenceRegistry:
    """Reference faces in the `reference_photo` table, images encrypted under DATA_DIR."""

    def __init__(
        self,
        vault: Vault,
        data_dir: Path,
        *,
        max_bytes: int = MAX_REFERENCE_BYTES,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._vault = vault
        self._data_dir = data_dir
        self._max_bytes = max_bytes
        self._clock = clock

    @property
    def directory(self) -> Path:
        """Where the encrypted image files are."""
        return self._data_dir / REFERENCES_DIR

    def normalise_id(self, id_number: str) -> str:
        """The 18-character form of a valid ID number; `ReferencePhotoError(invalid_id)`."""
        try:
            return parse_resident_id(id_number, today=self._clock().date()).number
        except IdNumberError:
            raise ReferencePhotoError(ReferenceErrorCode.INVALID_ID) from None

    def _id_hash(self, id_number: str) -> str:
        return self._vault.keyed_hash(self.normalise_id(id_number))

    async def validate_image(self, image: bytes) -> None:
        """Raise `ReferencePhotoError` unless `image` is a JPEG or PNG with exactly one face."""
        if len(image) > self._max_bytes:
            raise ReferencePhotoError(ReferenceErrorCode.TOO_LARGE)
        if _image_kind(image) is None:
            raise ReferencePhotoError(ReferenceErrorCode.NOT_AN_IMAGE)
        await asyncio.to_thread(_check_face, image)

    async def put(self, id_number: str, image: bytes, source: str = "registry") -> None:
        """Store (or replace) the reference face of an ID number, after validating both."""
        id_hash = self._id_hash(id_number)
        await self.validate_image(image)
        relative = f"{REFERENCES_DIR}/{id_hash}.bin"
        sealed = seal_image(self._vault, image)
        await asyncio.to_thread(write_private, self._data_dir / relative, sealed)
        now = self._clock()
        updated = await ReferencePhoto.filter(id_hash=id_hash).update(
            path=relative, source=source, created_at=now
        )
        if updated:
            return
        try:
            await ReferencePhoto.create(
                id_hash=id_hash, path=relative, source=source, created_at=now
            )
        except IntegrityError:  # created by a concurrent put of the same ID number
            await ReferencePhoto.filter(id_hash=id_hash).update(
                path=relative, source=source, created_at=now
            )

    async def get(self, id_number: str) -> bytes | None:
        """The image of this ID number, or None (unknown or invalid ID number, file gone).

        Raises `bot.security.DecryptionError` when the file was encrypted with another key.
        """
        try:
            id_hash = self._id_hash(id_number)
        except ReferencePhotoError:
            return None
        row = await ReferencePhoto.get_or_none(id_hash=id_hash)
        if row is None:
            return None
        try:
            token = await asyncio.to_thread((self._data_dir / row.path).read_bytes)
        except FileNotFoundError:
            logger.warning("Reference photo %d has no image file", row.id)
            return None
        return open_image(self._vault, token)

    async def delete(self, id_number: str) -> bool:
        """Forget the reference of this ID number; False when there was none."""
        try:
            id_hash = self._id_hash(id_number)
        except ReferencePhotoError:
            return False
        row = await ReferencePhoto.get_or_none(id_hash=id_hash)
        if row is None:
            return False
        await self._remove(row)
        return True

    async def count(self) -> int:
        """How many reference faces are stored."""
        return await ReferencePhoto.all().count()

    async def purge_older_than(self, days: int) -> int:
        """Delete the references stored (or last replaced) more than `days` days ago."""
        cutoff = self._clock() - timedelta(days=days)
        purged = 0
        for row in await ReferencePhoto.filter(created_at__lt=cutoff):
            await self._remove(row)
            purged += 1
        if purged:
            logger.info("Purged %d reference photo(s) older than %d days", purged, days)
        return purged

    async def _remove(self, row: ReferencePhoto) -> None:
        await row.delete()
        await asyncio.to_thread((self._data_dir / row.path).unlink, missing_ok=True)


# ---------------------------------------------------------------- bulk import


@dataclass(frozen=True)
class SkippedItem:
    """A file or CSV line that was not imported: `where` shows masked ID numbers only."""

    where: str
    reason: ReferenceErrorCode


@dataclass
class ImportReport:
    imported: int = 0
    skipped: list[SkippedItem] = field(default_factory=list)

    def to_json_dict(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "skipped": [{"where": s.where, "reason": s.reason.value} for s in self.skipped],
        }


def _read_limited(path: Path, max_bytes: int) -> bytes:
    if not path.is_file():
        raise ReferencePhotoError(ReferenceErrorCode.FILE_NOT_FOUND)
    if path.stat().st_size > max_bytes:
        raise ReferencePhotoError(ReferenceErrorCode.TOO_LARGE)
    try:
        return path.read_bytes()
    except OSError:
        raise ReferencePhotoError(ReferenceErrorCode.UNREADABLE_FILE) from None


async def _import_one(
    registry: LocalReferenceRegistry,
    id_number: str,
    image_path: Path,
    seen: set[str],
    source: str,
) -> ReferenceErrorCode | None:
    try:
        normalised = registry.normalise_id(id_number)
        if normalised in seen:
            return ReferenceErrorCode.DUPLICATE_ID
        image = await asyncio.to_thread(_read_limited, image_path, MAX_REFERENCE_BYTES)
        await registry.put(normalised, image, source=source)
    except ReferencePhotoError as error:
        return error.code
    seen.add(normalised)
    return None


async def import_folder(
    registry: LocalReferenceRegistry, path: Path, *, source: str = "import"
) -> ImportReport:
    """Import every `<ID number>.jpg|.jpeg|.png` of a folder (not its subfolders)."""
    report = ImportReport()
    seen: set[str] = set()
    for file in await asyncio.to_thread(_list_folder, path):
        where = mask_id(file.stem) + file.suffix
        if file.suffix.lower() not in IMAGE_SUFFIXES:
            report.skipped.append(SkippedItem(where, ReferenceErrorCode.UNSUPPORTED_FILE))
            continue
        problem = await _import_one(registry, file.stem, file, seen, source)
        if problem is None:
            report.imported += 1
        else:
            report.skipped.append(SkippedItem(where, problem))
    return report


def _list_folder(path: Path) -> list[Path]:
    """The visible files of a folder, sorted by name."""
    if not path.is_dir():
        raise ReferenceImportError("not a folder")
    return sorted(f for f in path.iterdir() if not f.name.startswith(".") and f.is_file())


def _read_csv(csv_path: Path) -> list[tuple[int, str, str]]:
    """(line number, id_number, image_path) of each non-blank row; the header is line 1."""
    if not csv_path.is_file():
        raise ReferenceImportError("no such CSV file")
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise ReferenceImportError("the CSV file cannot be read as UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip() for name in next(reader, [])]
        if not set(_CSV_COLUMNS) <= set(header):
            raise ReferenceImportError("the CSV header must name the columns id_number,image_path")
        id_column, path_column = (header.index(name) for name in _CSV_COLUMNS)
        rows: list[tuple[int, str, str]] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            id_number = cells[id_column].strip() if id_column < len(cells) else ""
            image_path = cells[path_column].strip() if path_column < len(cells) else ""
            rows.append((reader.line_num, id_number, image_path))
    except csv.Error:
        raise ReferenceImportError("the CSV file is malformed") from None
    return rows


async def import_csv(
    registry: LocalReferenceRegistry, csv_path: Path, *, source: str = "import"
) -> ImportReport:
    """Import the rows `id_number,image_path` of a CSV (paths relative to the CSV's folder).

    Lines are numbered as in the file (the header is line 1).
    """
    rows = await asyncio.to_thread(_read_csv, csv_path)
    report = ImportReport()
    seen: set[str] = set()
    for line, id_number, image_name in rows:
        where = f"line {line}" + (f" ({mask_id(id_number)})" if id_number else "")
        if not id_number or not image_name:
            report.skipped.append(SkippedItem(where, ReferenceErrorCode.BAD_ROW))
            continue
        image_path = csv_path.parent / image_name
        problem = await _import_one(registry, id_number, image_path, seen, source)
        if problem is None:
            report.imported += 1
        else:
            report.skipped.append(SkippedItem(where, problem))
    return report
