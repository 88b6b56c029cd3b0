"""The test-video writer makes the same clip every time it is given the same frames.

Every generated clip (synthetic fixtures, 3D renders, the held-out set) goes through
``bot.vision.testing.video_files.write_video``. With x264's macroblock tree on, the bytes of a
clip depended on what the process had done before the encoding (building a 3D head between
two encodings of the same frames was enough), and the engine's verdict on some held-out clips
moved with them: CI on a fresh clone and a run on a warm cache saw different results.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from bot.vision.testing import footage, head3d, heldout, video_files


def _decoded(path: Path) -> str:
    import av

    digest = hashlib.sha256()
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            digest.update(frame.to_ndarray(format="rgb24").tobytes())
    return digest.hexdigest()


@pytest.mark.slow
@pytest.mark.heldout  # the real footage of the held-out set
@pytest.mark.parametrize(
    ("codec", "suffix"), [("libx264", ".mp4"), ("libvpx-vp9", ".webm")], ids=["h264", "vp9"]
)
def test_same_frames_give_the_same_clip_whatever_ran_before(
    tmp_path: Path, codec: str, suffix: str
) -> None:
    frames = list(footage.portrait(footage.segment(heldout.SINGLE, 0, 48)))
    first = video_files.write_video(tmp_path / f"a{suffix}", frames, 30.0, codec=codec, crf=20)
    # What the held-out suite does between two clips: lift a photo onto a 3D head.
    head3d.build_head(np.ascontiguousarray(frames[10]), "between")
    second = video_files.write_video(tmp_path / f"b{suffix}", frames, 30.0, codec=codec, crf=20)
    if codec == "libx264":  # WebM writes a random segment id: compare what decodes
        assert first.read_bytes() == second.read_bytes()
    assert _decoded(first) == _decoded(second)


def test_made_once_makes_a_file_once_and_leaves_nothing_when_making_fails(tmp_path: Path) -> None:
    calls: list[Path] = []

    def make(tmp: Path) -> None:
        calls.append(tmp)
        tmp.write_bytes(b"clip")

    path = tmp_path / "cache" / "clip.mp4"
    assert video_files.made_once(path, make).read_bytes() == b"clip"
    video_files.made_once(path, make)
    assert len(calls) == 1
    assert str(os.getpid()) in calls[0].name  # two processes never share a temporary file

    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"half a clip")
        raise RuntimeError("encoder died")

    other = tmp_path / "cache" / "other.mp4"
    with pytest.raises(RuntimeError):
        video_files.made_once(other, broken)
    assert sorted(p.name for p in other.parent.iterdir()) == ["clip.mp4"]
