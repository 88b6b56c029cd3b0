"""Unreadable input: exit 2 with an error code (CLI) or VisionError (library), never a hang."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.vision import Limits, VisionError, analyse_video
from bot.vision.testing import video_files
from tests.vision import fixtures

pytestmark = pytest.mark.slow


def _truncated_mp4(tmp: Path) -> Path:
    data = fixtures.video("too_short").read_bytes()
    path = tmp / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    return path


def _truncated_faststart(tmp: Path) -> Path:
    """Index first (as Telegram stores video notes), then cut: decodes, but only in part."""
    full = video_files.write_video(
        tmp / "full.mp4", fixtures.frames_left()[:90], 30.0, faststart=True
    )
    data = full.read_bytes()
    path = tmp / "cut_faststart.mp4"
    path.write_bytes(data[: int(len(data) * 0.3)])
    return path


def _truncated_webm(tmp: Path) -> Path:
    data = fixtures.video("webm_vp8").read_bytes()
    path = tmp / "cut.webm"
    path.write_bytes(data[: len(data) // 4])
    return path


def _garbage_mp4(tmp: Path) -> Path:
    path = tmp / "garbage.mp4"
    rng = np.random.default_rng(0)
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + rng.bytes(50_000))
    return path


def _text(tmp: Path) -> Path:
    path = tmp / "notes.mp4"
    path.write_text("this is not a video\n" * 100)
    return path


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.mp4"
    path.write_bytes(b"")
    return path


def _huge(tmp: Path) -> Path:
    frame = np.zeros((4352, 4352, 3), np.uint8)
    return video_files.write_video(tmp / "huge.mp4", [frame], 1.0, crf=51)


CASES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("missing", lambda tmp: tmp / "nope.mp4", "not_found"),
    ("directory", lambda tmp: tmp, "not_found"),
    ("empty", _empty, "empty"),
    ("truncated_mp4", _truncated_mp4, "truncated"),
    ("truncated_webm", _truncated_webm, "truncated"),
    ("truncated_faststart_mp4", _truncated_faststart, "truncated"),
    ("garbage_after_header", _garbage_mp4, "truncated"),
    ("text", _text, "not_a_video"),
    ("jpeg", lambda tmp: fixtures.reference("astronaut"), "not_a_video"),
    ("tiny_frames", lambda tmp: fixtures.video("tiny"), "bad_dimensions"),
    ("huge_frames", _huge, "bad_dimensions"),
]


@pytest.mark.parametrize(("make", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cli_bad_input(make: Callable[[Path], Path], code: str, tmp_path: Path, cli: Any) -> None:
    rc, payload, stderr = cli("check", str(make(tmp_path)), "--json", timeout=60)
    assert rc == 2
    assert payload["error"]["code"] == code
    assert isinstance(payload["error"]["message"], str)
    assert "Traceback" not in stderr


@pytest.mark.parametrize(("make", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_library_bad_input(make: Callable[[Path], Path], code: str, tmp_path: Path) -> None:
    with pytest.raises(VisionError) as info:
        analyse_video(make(tmp_path))
    assert info.value.code == code


def test_cli_human_error_and_bad_challenge(cli: Any, tmp_path: Path) -> None:
    rc, out, _ = cli("check", str(tmp_path / "nope.mp4"))
    assert rc == 2
    assert "not_found" in out
    rc, payload, _ = cli("check", str(fixtures.video("too_short")), "--challenge", "jump", "--json")
    assert rc == 2
    assert payload["error"]["code"] == "bad_challenge"


def test_limits_bytes_pixels_and_time() -> None:
    path = fixtures.video("too_short")
    for limits, code in [
        (Limits(max_bytes=1000), "too_large"),
        (Limits(max_pixels=100 * 100), "bad_dimensions"),
        (Limits(time_limit_s=0.0), "timeout"),
    ]:
        with pytest.raises(VisionError) as info:
            analyse_video(path, limits=limits)
        assert info.value.code == code


def test_unreadable_reference(tmp_path: Path) -> None:
    bad = tmp_path / "ref.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(VisionError) as info:
        analyse_video(fixtures.video("too_short"), reference=bad)
    assert info.value.code == "bad_reference"
