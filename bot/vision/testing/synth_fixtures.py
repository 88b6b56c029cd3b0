"""The catalogue of the tuning source's benchmark videos (``synth``): each one's recipe, its
challenge, whether it should pass, and the reasons the engine must give when it should not.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.vision.testing.face_mesh import carphone_frames
from bot.vision.testing.synth import (
    blink_script,
    blinking_still,
    carphone_video_frames,
    frontal_photo,
    genuine_frames,
    hand_jitter,
    held_photo_frames,
    no_face_frames,
    shake_script,
    slide_and_roll,
    tilt_sheet,
    two_faces_frames,
)
from bot.vision.testing.video_files import made_once, write_video


@dataclass(frozen=True)
class Fixture:
    """One fixture video: how to make it, its challenge, and whether it should pass."""

    name: str
    genuine: bool
    challenge: str
    make: Callable[[Path], Path]
    suffix: str = ".mp4"
    reference: str | None = None  # "astronaut" or "carphone"
    expect: tuple[str, ...] = ()  # reason codes the engine must give

    def build(self, directory: Path) -> Path:
        """The video file, generated once into ``directory``."""
        return made_once(directory / f"{self.name}{self.suffix}", self.make)


def reference_image(name: str, directory: Path) -> Path:
    """A reference JPEG (the ID photo): the astronaut still, or a carphone frame."""
    import cv2

    path = directory / f"reference_{name}.jpg"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        if name == "astronaut":
            from skimage import data

            rgb = np.asarray(data.astronaut())[0:260, 90:350]  # type: ignore[no-untyped-call]
        else:
            rgb = cv2.resize(carphone_frames()[100], (288, 288), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path


def _writer(
    frames: Callable[[], Iterable[np.ndarray]],
    fps: float,
    *,
    codec: str = "libx264",
    rotation: int = 0,
) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        return write_video(path, frames(), fps, codec=codec, rotation=rotation)

    return make


def bench_fixtures(
    size: int = 640, fps: float = 30.0, seeds: Sequence[int] = (0, 1, 2)
) -> list[Fixture]:
    """Genuine and attack classes of the benchmark (genuine ones once per seed)."""
    out: list[Fixture] = []
    for seed in seeds:
        for first in ("left", "right"):
            script = shake_script(first=first)
            out.append(
                Fixture(
                    f"genuine_shake_{first}_{size}_{seed}",
                    True,
                    "blink,shake",
                    _writer(
                        functools.partial(genuine_frames, script, size=size, fps=fps, seed=seed),
                        fps,
                    ),
                    reference="astronaut",
                )
            )
    out.append(
        Fixture(
            f"genuine_carphone_{size}",
            True,
            "blink",
            _writer(functools.partial(carphone_video_frames, size), 29.97),
            reference="carphone",
        )
    )
    held = functools.partial(held_photo_frames, size=size, fps=fps)
    out += [
        Fixture(
            f"attack_static_photo_{size}",
            False,
            "blink,shake",
            _writer(lambda: held(frontal_photo, hand_jitter, duration=4.0), fps),
            expect=("no_blink",),
        ),
        Fixture(
            f"attack_photo_tilted_{size}",
            False,
            "blink,shake",
            _writer(lambda: held(frontal_photo, tilt_sheet, duration=5.0), fps),
            expect=("flat_image",),
        ),
        Fixture(
            f"attack_screen_tilted_blinking_{size}",
            False,
            "blink,shake",
            _writer(lambda: held(blinking_still(fps), tilt_sheet, duration=5.0), fps),
            expect=("flat_image",),
        ),
        Fixture(
            f"attack_photo_slid_rolled_{size}",
            False,
            "blink,shake",
            _writer(lambda: held(frontal_photo, slide_and_roll(size), duration=4.0), fps),
            expect=("no_blink",),
        ),
        Fixture(
            f"attack_blink_only_{size}",
            False,
            "blink,shake",
            _writer(lambda: genuine_frames(blink_script(4.0), size=size, fps=fps, seed=7), fps),
            expect=("no_turn_left", "no_turn_right"),
        ),
        Fixture(
            f"attack_shake_only_{size}",
            False,
            "blink,shake",
            _writer(
                lambda: genuine_frames(shake_script(blinks=False), size=size, fps=fps, seed=8), fps
            ),
            expect=("no_blink",),
        ),
        Fixture(
            f"attack_two_faces_{size}",
            False,
            "blink,shake",
            _writer(lambda: two_faces_frames(size, fps), fps),
            expect=("multiple_faces",),
        ),
        Fixture(
            f"attack_no_face_{size}",
            False,
            "blink,shake",
            _writer(lambda: no_face_frames(size, fps), fps),
            expect=("no_face",),
        ),
    ]
    return out
