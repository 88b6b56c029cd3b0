"""The local reference registry on a real (SQLite) database, with real faces."""

from __future__ import annotations

import functools
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.domain.idnumber import mask_id
from bot.security import DecryptionError, Vault, generate_key
from bot.services.references import (
    ImportReport,
    LocalReferenceRegistry,
    ReferenceErrorCode,
    ReferenceImportError,
    ReferencePhotoError,
    ReferenceRegistry,
    import_csv,
    import_folder,
)
from bot.storage.models import ReferencePhoto
from tests.ids import rid
from tests.vision import fixtures

ID_A = rid("11010519491231002")
ID_B = rid("44030619900101123")
ID_C = rid("31011520010715004")


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    return buffer.getvalue()


@functools.cache
def face_jpeg() -> bytes:
    """The astronaut's head and shoulders: one real face."""
    return fixtures.reference("astronaut").read_bytes()


@functools.cache
def two_faces_png() -> bytes:
    face = np.asarray(Image.open(io.BytesIO(face_jpeg())).convert("RGB"))
    h, w = face.shape[:2]
    canvas = np.full((h + 40, 2 * w + 60, 3), 200, np.uint8)
    canvas[20 : 20 + h, 20 : 20 + w] = face
    canvas[20 : 20 + h, 40 + w : 40 + 2 * w] = face
    return png(canvas)


@functools.cache
def no_face_png() -> bytes:
    ramp = np.tile(np.linspace(0, 255, 200, dtype=np.uint8), (200, 1))
    return png(np.stack([ramp, ramp.T, np.full_like(ramp, 90)], axis=2))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def hash_key() -> str:
    return generate_key()


@pytest.fixture
def vault(hash_key: str) -> Vault:
    return Vault([generate_key()], hash_key)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registry(sqlite_db: str, tmp_path: Path, vault: Vault, clock: Clock) -> LocalReferenceRegistry:
    return LocalReferenceRegistry(vault, tmp_path / "data", clock=clock)


def assert_no_clear_ids(report: ImportReport) -> None:
    text = json.dumps(report.to_json_dict())
    for number in (ID_A, ID_B, ID_C):
        assert number not in text
        assert number[3:14] not in text


async def test_put_get_round_trip_encrypted_at_rest(
    registry: LocalReferenceRegistry, vault: Vault
) -> None:
    checker: ReferenceRegistry = registry  # satisfies the protocol
    await registry.put(ID_A, face_jpeg())

    assert await checker.get(ID_A) == face_jpeg()
    assert await registry.get(f" {ID_A[:6]} {ID_A[6:14]}-{ID_A[14:]}") == face_jpeg()
    assert await registry.get(ID_B) is None
    assert await registry.count() == 1

    row = await ReferencePhoto.get(id_hash=vault.keyed_hash(ID_A))
    assert row.source == "registry"
    assert ID_A not in row.path
    files = list(registry.directory.iterdir())
    assert [f.name for f in files] == [f"{vault.keyed_hash(ID_A)}.bin"]
    stored = files[0].read_bytes()
    assert face_jpeg() not in stored
    assert not stored.startswith(b"\xff\xd8")
    assert files[0].stat().st_mode & 0o077 == 0


async def test_put_replaces_and_delete_removes_the_file(registry: LocalReferenceRegistry) -> None:
    await registry.put(ID_A, face_jpeg())
    flipped = png(np.asarray(Image.open(io.BytesIO(face_jpeg())).convert("RGB"))[:, ::-1].copy())
    await registry.put(ID_A, flipped, source="agent")

    assert await registry.get(ID_A) == flipped
    assert await registry.count() == 1
    assert (await ReferencePhoto.get()).source == "agent"

    assert await registry.delete(ID_A) is True
    assert await registry.delete(ID_A) is False
    assert await registry.get(ID_A) is None
    assert list(registry.directory.iterdir()) == []


async def test_another_encryption_key_cannot_read(
    registry: LocalReferenceRegistry, hash_key: str, tmp_path: Path
) -> None:
    await registry.put(ID_A, face_jpeg())
    stranger = LocalReferenceRegistry(Vault([generate_key()], hash_key), tmp_path / "data")
    with pytest.raises(DecryptionError):
        await stranger.get(ID_A)


@pytest.mark.parametrize(
    ("image", "code"),
    [
        (no_face_png, ReferenceErrorCode.NO_FACE),
        (two_faces_png, ReferenceErrorCode.MULTIPLE_FACES),
        (lambda: b"GIF89a not a photo", ReferenceErrorCode.NOT_AN_IMAGE),
        (lambda: b"\xff\xd8\xff" + b"\x00" * 100, ReferenceErrorCode.NOT_AN_IMAGE),
        (lambda: b"", ReferenceErrorCode.NOT_AN_IMAGE),
    ],
    ids=["no_face", "two_faces", "gif_text", "truncated_jpeg", "empty"],
)
async def test_bad_images_are_refused(
    registry: LocalReferenceRegistry, image: object, code: ReferenceErrorCode
) -> None:
    assert callable(image)
    with pytest.raises(ReferencePhotoError) as caught:
        await registry.put(ID_A, image())
    assert caught.value.code == code
    assert await registry.count() == 0
    assert not registry.directory.exists() or list(registry.directory.iterdir()) == []


async def test_full_astronaut_picture_counts_one_face(registry: LocalReferenceRegistry) -> None:
    from skimage import data

    await registry.put(ID_A, png(np.asarray(data.astronaut())))  # type: ignore[no-untyped-call]
    assert await registry.count() == 1


async def test_too_large_and_bad_ids(
    sqlite_db: str, tmp_path: Path, vault: Vault, clock: Clock
) -> None:
    small = LocalReferenceRegistry(vault, tmp_path, max_bytes=1000, clock=clock)
    with pytest.raises(ReferencePhotoError) as caught:
        await small.put(ID_A, face_jpeg())
    assert caught.value.code == ReferenceErrorCode.TOO_LARGE

    for bad in ("", "12345", ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1"), "1101051949123100"):
        with pytest.raises(ReferencePhotoError) as caught:
            await small.put(bad, face_jpeg())
        assert caught.value.code == ReferenceErrorCode.INVALID_ID
        assert bad not in str(caught.value) or not bad
        assert await small.get(bad) is None
        assert await small.delete(bad) is False


async def test_purge_by_age(registry: LocalReferenceRegistry, clock: Clock) -> None:
    await registry.put(ID_A, face_jpeg())
    clock.now += timedelta(days=20)
    await registry.put(ID_B, face_jpeg())
    clock.now += timedelta(days=15)  # A is 35 days old, B 15

    assert await registry.purge_older_than(30) == 1
    assert await registry.get(ID_A) is None
    assert await registry.get(ID_B) == face_jpeg()
    assert len(list(registry.directory.iterdir())) == 1
    assert await registry.purge_older_than(30) == 0

    await registry.put(ID_B, face_jpeg())  # replacing restarts the clock
    clock.now += timedelta(days=29)
    assert await registry.purge_older_than(30) == 0
    clock.now += timedelta(days=2)
    assert await registry.purge_older_than(30) == 1
    assert await registry.count() == 0


async def test_import_folder(registry: LocalReferenceRegistry, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / f"{ID_A}.jpg").write_bytes(face_jpeg())
    (folder / f"{ID_B.lower()}.PNG").write_bytes(face_jpeg())  # case and suffix tolerated
    (folder / f"{ID_C}.png").write_bytes(no_face_png())
    (folder / f"{ID_A}.jpeg").write_bytes(face_jpeg())  # the same person twice
    (folder / "12345.jpg").write_bytes(face_jpeg())
    (folder / f"{ID_C}.txt").write_text("notes")
    (folder / ".DS_Store").write_bytes(b"\x00")
    (folder / "sub").mkdir()

    report = await import_folder(registry, folder)

    assert report.imported == 2
    assert {(s.where, s.reason) for s in report.skipped} == {
        (f"{mask_id(ID_C)}.png", ReferenceErrorCode.NO_FACE),
        (f"{mask_id(ID_A)}.jpg", ReferenceErrorCode.DUPLICATE_ID),
        ("*****.jpg", ReferenceErrorCode.INVALID_ID),
        (f"{mask_id(ID_C)}.txt", ReferenceErrorCode.UNSUPPORTED_FILE),
    }
    assert_no_clear_ids(report)
    assert await registry.get(ID_B) == face_jpeg()
    assert (await ReferencePhoto.first()).source == "import"  # type: ignore[union-attr]

    with pytest.raises(ReferenceImportError):
        await import_folder(registry, tmp_path / "missing")


async def test_import_csv(registry: LocalReferenceRegistry, tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.jpg").write_bytes(face_jpeg())
    (tmp_path / "img" / "two.png").write_bytes(two_faces_png())
    (tmp_path / "b.png").write_bytes(face_jpeg())
    sheet = tmp_path / "refs.csv"
    sheet.write_text(
        "\ufeffimage_path, id_number\n"  # BOM, spaces, any column order
        f"img/a.jpg,{ID_A}\n"
        "\n"
        f"b.png,{ID_B}\n"
        f"img/two.png,{ID_C}\n"
        f"img/missing.jpg,{ID_C}\n"
        f"img/a.jpg,{ID_A}\n"
        "img/a.jpg,\n"
        "img/a.jpg,110105194912310021\n",
        encoding="utf-8",
    )

    report = await import_csv(registry, sheet)

    assert report.imported == 2
    assert [(s.where, s.reason) for s in report.skipped] == [
        (f"line 5 ({mask_id(ID_C)})", ReferenceErrorCode.MULTIPLE_FACES),
        (f"line 6 ({mask_id(ID_C)})", ReferenceErrorCode.FILE_NOT_FOUND),
        (f"line 7 ({mask_id(ID_A)})", ReferenceErrorCode.DUPLICATE_ID),
        ("line 8", ReferenceErrorCode.BAD_ROW),
        (f"line 9 ({mask_id('110105194912310021')})", ReferenceErrorCode.INVALID_ID),
    ]
    assert_no_clear_ids(report)
    assert await registry.count() == 2


async def test_import_csv_unusable(registry: LocalReferenceRegistry, tmp_path: Path) -> None:
    with pytest.raises(ReferenceImportError):
        await import_csv(registry, tmp_path / "missing.csv")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,path\nx,y\n", encoding="utf-8")
    with pytest.raises(ReferenceImportError, match="id_number,image_path"):
        await import_csv(registry, wrong)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ReferenceImportError):
        await import_csv(registry, binary)
