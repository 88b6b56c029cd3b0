"""Model loading and the reference cache: what makes a warm worker fast, same results."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.vision import Limits, Reason, VisionError, models, reference
from tests.vision import fixtures

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_detector_is_dlibs_own(tmp_path: Path) -> None:
    import dlib

    saved = tmp_path / "dlib.svm"
    dlib.get_frontal_face_detector().save(str(saved))
    assert models.DETECTOR_FILE.read_bytes() == saved.read_bytes()


def test_a_missing_detector_file_falls_back_to_dlibs_copy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    image = np.asarray(Image.open(fixtures.reference("astronaut")).convert("L"))
    shipped = models._detector().run(image, 0, 0.0)
    monkeypatch.setattr(models, "DETECTOR_FILE", tmp_path / "absent.svm")
    fallback = models._detector().run(image, 0, 0.0)
    assert len(shipped[0]) == 1
    assert [str(r) for r in fallback[0]] == [str(r) for r in shipped[0]]
    assert list(fallback[1]) == list(shipped[1])


def test_model_files_are_found_without_importing_the_package() -> None:
    code = (
        "import sys; from bot.vision import models; d = models.model_dir(); "
        "print(sorted(p.name for p in d.glob('*68*')), 'face_recognition_models' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "['shape_predictor_68_face_landmarks.dat'] False"


def test_a_warm_worker_has_its_models_loaded_before_the_first_job() -> None:
    code = (
        "from bot.jobs.analysis import warm_up; from bot.vision import models; "
        "warm_up(); print(models.models.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "1"


_CHILD = """
import asyncio, sys, time
from bot.worker import PRELOAD, AnalysisPool

LOADED = "__import__('bot.vision.models', fromlist=['m']).models.cache_info().currsize"

async def main(preload):
    pool = AnalysisPool(preload=PRELOAD if preload else ())
    await pool.start(warm=False)  # the child does not load the models itself
    pool.close(kill=True)  # as after a timeout or a crash
    started = time.perf_counter()
    loaded = await asyncio.get_running_loop().run_in_executor(pool._ready(), eval, LOADED)
    print(loaded, round((time.perf_counter() - started) * 1000))
    pool.close()

asyncio.run(main(sys.argv[1] == "1"))
"""


@pytest.mark.parametrize("preload", [True, False])
def test_a_worker_child_started_again_is_forked_with_the_models(preload: bool) -> None:
    """``bot.worker``'s child comes from a forkserver that loaded the models: a child that
    replaces one killed for a timeout or a crash has them before it runs anything."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, "1" if preload else "0"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    loaded, ms = (int(x) for x in out.stdout.split())
    assert loaded == (1 if preload else 0), out.stderr
    if preload:
        assert ms < 300  # a fork, not an interpreter start and ~0.5 s of model loading


def _jpeg(path: Path, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.open(path).convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@pytest.fixture
def encode_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = reference.symmetric_encoding  # the reference's encoding (two encoder runs)

    def counting(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
        calls.append(1)
        return real(rgb, points)

    monkeypatch.setattr(reference, "symmetric_encoding", counting)
    monkeypatch.setattr(reference, "_cache", type(reference._cache)())
    return calls


def test_a_reference_is_encoded_once_per_content(encode_calls: list[int], tmp_path: Path) -> None:
    limits = Limits()
    photo = fixtures.reference("astronaut")
    first, problem = reference.reference_encoding(photo, limits)
    assert problem is None and first is not None
    copy = tmp_path / "copy.png"
    copy.write_bytes(photo.read_bytes())
    again, _ = reference.reference_encoding(copy, limits)  # same bytes, another file
    from_bytes, _ = reference.reference_encoding(photo.read_bytes(), limits)
    assert len(encode_calls) == 1
    assert again is first and from_bytes is first
    assert not first.flags.writeable  # shared: nobody may change it in place
    other, _ = reference.reference_encoding(_jpeg(photo, 90), limits)  # other bytes
    assert len(encode_calls) == 2
    assert other is not None and float(np.linalg.norm(other - first)) < 0.1


def test_the_reference_cache_is_bounded_and_keeps_the_recent(
    encode_calls: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reference, "_CACHE_SIZE", 2)
    photo = fixtures.reference("astronaut")
    images = [_jpeg(photo, q) for q in (70, 80, 90)]
    for data in images:
        reference.reference_encoding(data, Limits())
    assert len(reference._cache) == 2 and len(encode_calls) == 3
    reference.reference_encoding(images[2], Limits())  # still kept
    assert len(encode_calls) == 3
    reference.reference_encoding(images[0], Limits())  # dropped as the oldest
    assert len(encode_calls) == 4


def test_a_reference_without_one_face_is_cached_as_such(encode_calls: list[int]) -> None:
    blank = io.BytesIO()
    Image.new("RGB", (200, 200), (120, 120, 120)).save(blank, "PNG")
    for _ in range(2):
        assert reference.reference_encoding(blank.getvalue(), Limits()) == (
            None,
            Reason.NO_REFERENCE,
        )
    assert len(reference._cache) == 1 and encode_calls == []


@pytest.mark.parametrize(
    ("source", "limits"),
    [
        (b"", Limits()),
        (b"not an image", Limits()),
        (Path("/nonexistent/ref.jpg"), Limits()),
        (None, Limits(max_bytes=100)),  # the astronaut, over a 100-byte limit
        (None, Limits(image_max_pixels=100)),  # and over a 100-pixel one
    ],
    ids=["empty", "text", "missing", "too_many_bytes", "too_many_pixels"],
)
def test_a_bad_reference_is_refused_every_time(
    encode_calls: list[int], source: bytes | Path | None, limits: Limits
) -> None:
    given = fixtures.reference("astronaut") if source is None else source
    reference.reference_encoding(fixtures.reference("astronaut"), Limits())  # cached unlimited
    for _ in range(2):
        with pytest.raises(VisionError) as info:
            reference.reference_encoding(given, limits)
        assert info.value.code == "bad_reference"
