"""The test fixture catalogue: videos generated from real faces by bot.vision.testing.synth
(the benchmark's own catalogue, ``synth_fixtures``, plus the cases only the tests need).

Everything is generated on first use into ``tests/.fixture-cache/vision-<version>/`` (git-ignored)
and reused by later runs; bump ``VERSION`` when the generator changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from bot.vision.testing import synth, synth_fixtures, video_files

VERSION = "v2"
SIZE = 384
FPS = 30.0
CACHE = Path(__file__).resolve().parents[1] / ".fixture-cache" / f"vision-{VERSION}"


@functools.cache
def _shake_left() -> tuple[np.ndarray, ...]:
    return tuple(synth.genuine_frames(synth.shake_script(first="left"), size=SIZE, seed=0))


def frames_left() -> tuple[np.ndarray, ...]:
    """The frames of the genuine left-first shake at the test size (kept in memory)."""
    return _shake_left()


def _from(
    frames: Callable[[], Iterable[np.ndarray]], fps: float = FPS, **kw: object
) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        return video_files.write_video(path, frames(), fps, **kw)  # type: ignore[arg-type]

    return make


def _catalogue() -> dict[str, synth_fixtures.Fixture]:
    fx: dict[str, synth_fixtures.Fixture] = {
        f.name: f for f in synth_fixtures.bench_fixtures(SIZE, FPS, (0,))
    }
    left = _shake_left

    def add(name: str, make: Callable[[Path], Path], suffix: str = ".mp4") -> None:
        fx[name] = synth_fixtures.Fixture(name, True, "blink,shake", make, suffix=suffix)

    add("too_dark", _from(lambda: synth.darker(left())))
    add("too_blurry", _from(lambda: synth.blurred(left())))
    add("face_too_small", _from(lambda: synth.far_away(left(), 0.32)))
    add("too_short", _from(lambda: left()[:30]))
    add("rotated", _from(lambda: synth.rotated_storage(left()), rotation=-90))
    add("mov", _from(left), suffix=".mov")
    add("webm_vp8", _from(left, codec="libvpx"), suffix=".webm")
    add("webm_vp9", _from(left, codec="libvpx-vp9"), suffix=".webm")
    add(
        "fps15",
        _from(lambda: synth.genuine_frames(synth.shake_script(), size=SIZE, fps=15, seed=4), 15),
    )
    add(
        "fps60",
        _from(lambda: synth.genuine_frames(synth.shake_script(), size=SIZE, fps=60, seed=5), 60),
    )
    add("eyes_closed", _from(lambda: synth.eyes_closed_frames(SIZE, FPS, seed=6)))
    add("long", _from(lambda: (np.full((96, 96, 3), 128, np.uint8) for _ in range(17 * 10)), 10))
    add("tiny", _from(lambda: (np.full((32, 32, 3), 128, np.uint8) for _ in range(30))))
    return fx


CATALOGUE = _catalogue()


def video(name: str) -> Path:
    """The fixture video ``name``, generated on first use."""
    return CATALOGUE[name].build(CACHE)


def reference(name: str) -> Path:
    """A reference image: ``astronaut`` or ``carphone``."""
    return synth_fixtures.reference_image(name, CACHE)
