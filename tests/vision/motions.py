"""Head motions the generator's scripts do not make: nods, tilts, wide shakes, winks, quick blinks.

Made with the generator's own primitives (``face_mesh.pose_points``, ``face_mesh.warp``,
``synth.Camera``) from the astronaut mesh, so they belong to the tuning source. Cached in
``tests/.fixture-cache/vision-motions-<VERSION>/``; bump ``VERSION`` when a recipe changes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.vision.testing import face_mesh, synth, video_files

VERSION = "v2"
CACHE = Path(__file__).resolve().parents[1] / ".fixture-cache" / f"vision-motions-{VERSION}"
SIZE = 384

Curve = Callable[[float], float]
_LEFT_LIDS = (37, 38, 40, 41)


def _still(t: float) -> float:
    return 0.0


def swing(amplitude: float, period: float, start: float = 0.6) -> Curve:
    """A back-and-forth motion of ``amplitude`` degrees after ``start`` seconds."""

    def at(t: float) -> float:
        return 0.0 if t < start else amplitude * math.sin(2 * math.pi * (t - start) / period)

    return at


def blinks(starts: tuple[float, ...], length: float = 0.25) -> Curve:
    """Eye closure (0 open, 1 closed) of blinks starting at ``starts``, each ``length`` long."""
    return functools.partial(synth.closure_at, synth.Script(10.0, ((0.0, 0.0),), starts, length))


def head_frames(
    *,
    duration: float = 4.0,
    fps: float = 30.0,
    yaw: Curve = _still,
    pitch: Curve = _still,
    roll: Curve = _still,
    closure: Curve = _still,
    wink: bool = False,
    seed: int = 21,
    size: int = SIZE,
) -> Iterable[np.ndarray]:
    """The astronaut moving her head; with ``wink`` only her image-left eye closes."""
    import cv2

    mesh = face_mesh.astronaut_mesh()
    cam = synth.Camera(seed)
    for i in range(round(duration * fps)):
        t = i / fps
        c = closure(t)
        pts, depth = face_mesh.pose_points(mesh, yaw(t), pitch(t), 0.0 if wink else c)
        if wink and c > 0:
            closed, _ = face_mesh.pose_points(mesh, yaw(t), pitch(t), c)
            pts[list(_LEFT_LIDS)] = closed[list(_LEFT_LIDS)]
        image = face_mesh.warp(mesh, pts, depth)
        angle = roll(t)
        if angle:
            h, w = image.shape[:2]
            rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
            image = cv2.warpAffine(image, rot, (w, h), borderMode=cv2.BORDER_REFLECT)
        yield cam.apply(image, t, size)


@dataclass(frozen=True)
class Motion:
    """One clip and how many blinks it holds."""

    name: str
    frames: Callable[[], Iterable[np.ndarray]]
    blinks: int
    fps: float = 30.0

    def build(self) -> Path:
        return video_files.made_once(
            CACHE / f"{self.name}.mp4",
            lambda tmp: video_files.write_video(tmp, self.frames(), self.fps),
        )


@functools.cache
def catalogue() -> dict[str, Motion]:
    """Every motion clip, by name."""
    clips = [
        Motion("nod_open", lambda: head_frames(pitch=swing(18.0, 1.4)), 0),
        Motion("tilt_open", lambda: head_frames(roll=swing(25.0, 1.6)), 0),
        Motion("shake_wide_open", lambda: head_frames(yaw=swing(40.0, 1.8)), 0),
        Motion(
            "nod_and_shake_open",
            lambda: head_frames(yaw=swing(30, 2.0), pitch=swing(12, 1.3)),
            0,
        ),
        Motion("wink", lambda: head_frames(closure=blinks((1.0, 2.6)), wink=True), 0),
        Motion(
            "quick_blinks_15fps",
            lambda: head_frames(fps=15.0, closure=blinks((1.0, 2.6), length=0.12)),
            2,
            fps=15.0,
        ),
        Motion(
            "nod_with_blink",
            lambda: head_frames(pitch=swing(15, 1.4), closure=blinks((1.9,))),
            1,
        ),
        # Narrow eyes: the lids rest 65 % closed (openness about 0.11, as the held-out people's
        # photos read; the astronaut's own eyes read 0.19), where a whole blink spans 0.03.
        Motion("narrow_blink_shake", lambda: _narrow(30.0, blinks((0.6, 3.9))), 2),
        Motion("narrow_blink_shake_15fps", lambda: _narrow(15.0, blinks((0.6, 3.9))), 2, fps=15.0),
        Motion("narrow_shake_open", lambda: _narrow(30.0, _still, yaw=swing(40.0, 1.8)), 0),
        Motion("narrow_nod_open", lambda: _narrow(30.0, _still, pitch=swing(18.0, 1.4)), 0),
    ]
    return {c.name: c for c in clips}


NARROW_REST = 0.65
KNOWN_MISSES = {
    "narrow_blink_shake": "0 of 2 blinks: dlib's whole-pixel lids (0.02 of openness a pixel) and "
    "its shut-lid floor (~0.075) leave a 24-30 % drop from 0.107, under the 30 % rule",
    "narrow_blink_shake_15fps": "0 of 2 blinks found, as above",
}
"""Clips whose blinks the engine is known to miss, with what it does (strict xfails)."""


def _narrow(
    fps: float, closure: Curve, yaw: Curve | None = None, pitch: Curve = _still
) -> Iterable[np.ndarray]:
    """A narrow-eyed astronaut (lids at ``NARROW_REST``), by default doing the generator's
    shake (a turn each way from 1.2 s to 3.4 s)."""
    script = synth.shake_script()
    return head_frames(
        duration=5.0,
        fps=fps,
        yaw=yaw or (lambda t: synth.yaw_at(script, t)),
        pitch=pitch,
        closure=lambda t: max(NARROW_REST, closure(t)),
    )


def performed(steps: str, fps: float = 30.0, seed: int = 31) -> Callable[[], Iterable[np.ndarray]]:
    """A clip performing ``steps`` in order ("blink,turn_left,turn_right"), about 1.1 s each."""
    yaw_keys: list[tuple[float, float]] = [(0.0, 0.0), (0.6, 0.0)]
    blink_starts: list[float] = []
    t = 0.6
    for step in steps.split(","):
        if step == "blink":
            blink_starts.append(t + 0.3)
            t += 1.0
            yaw_keys.append((t, 0.0))
        else:
            side = -30.0 if step == "turn_left" else 30.0
            yaw_keys += [(t + 0.5, side), (t + 0.8, side), (t + 1.3, 0.0)]
            t += 1.5
    yaw_keys.append((t + 0.6, 0.0))
    script = synth.Script(t + 0.6, tuple(yaw_keys), tuple(blink_starts))

    def frames() -> Iterable[np.ndarray]:
        return head_frames(
            duration=script.duration,
            fps=fps,
            yaw=functools.partial(synth.yaw_at, script),
            closure=functools.partial(synth.closure_at, script),
            seed=seed,
        )

    return frames


ORDERS = (
    "blink,turn_left,turn_right",
    "turn_left,blink,turn_right",
    "turn_right,turn_left,blink",
    "turn_left,turn_right,blink",
    "blink,turn_right,turn_left",
    "turn_right,blink,turn_left",
)
"""Every order the bot draws (``bot.flows.citizen.liveness.draw_challenge`` shuffles blink,
turn_left and turn_right)."""


@functools.cache
def ordered() -> dict[str, Motion]:
    """Clips performing each of ``ORDERS``, by order."""
    return {
        order: Motion("order_" + order.replace(",", "-"), performed(order), order.count("blink"))
        for order in ORDERS
    }


def screen_replay(
    motion: synth.Motion, *, head_yaw: float = 12.0, duration: float = 5.0
) -> Callable[[], Iterable[np.ndarray]]:
    """A screen held to the camera and moved by ``motion``, replaying a real-looking person who
    blinks and turns her head a little (``head_yaw`` degrees each way)."""
    mesh = face_mesh.astronaut_mesh()
    yaw = swing(head_yaw, 2.2, start=0.3)
    closure = blinks((0.8, 2.1, 3.4))

    def shown(t: float) -> np.ndarray:
        pts, depth = face_mesh.pose_points(mesh, yaw(t), 0.0, closure(t))
        return face_mesh.warp(mesh, pts, depth)

    def frames() -> Iterable[np.ndarray]:
        return synth.held_photo_frames(shown, motion, duration=duration, size=SIZE, seed=5)

    return frames


@functools.cache
def replays() -> dict[str, Motion]:
    """Screen replays of a blinking, slightly turning person: swung, and slid and rolled."""
    clips = [
        Motion("replay_swung", screen_replay(synth.tilt_sheet), 3),
        Motion("replay_slid_rolled", screen_replay(synth.slide_and_roll(SIZE)), 3),
        Motion("replay_swung_turning_head", screen_replay(synth.tilt_sheet, head_yaw=20.0), 3),
    ]
    return {c.name: c for c in clips}


@functools.cache
def off_axis() -> dict[str, Motion]:
    """The generated blink + shake seen by a camera held to one side: the face looking at the
    screen is turned by ``rest`` degrees of the generator's head model from the start."""
    script = synth.shake_script(first="left")

    def clip(rest: float) -> Callable[[], Iterable[np.ndarray]]:
        def frames() -> Iterable[np.ndarray]:
            return head_frames(
                duration=script.duration,
                yaw=lambda t: rest + synth.yaw_at(script, t),
                closure=functools.partial(synth.closure_at, script),
            )

        return frames

    clips = {
        f"off_axis_{name}": Motion(f"off_axis_{name}", clip(rest), 2)
        for name, rest in (("right_8", 8.0), ("left_14", -14.0))
    }
    # looking at the screen from 20 degrees of the generator's model (about 15 measured):
    # blinks, no turn; no frame is within the 12-degree frontal angle
    clips["off_axis_still_20"] = Motion(
        "off_axis_still_20",
        lambda: head_frames(yaw=lambda t: 20.0, closure=blinks((1.0, 2.6))),
        2,
    )
    return clips


@functools.cache
def wide_turns() -> dict[str, Motion]:
    """Shakes past the angle where dlib's 68-point fit flips or collapses: the generator's
    blink + shake with its turns scaled to 55-60 degrees of its head model (34-41 measured), at
    640 px and at a round note's 384 px, and a plain +-55-60 degree swing with no blink."""
    script = synth.shake_script(first="left")

    def shake(peak: float, size: int) -> Callable[[], Iterable[np.ndarray]]:
        def frames() -> Iterable[np.ndarray]:
            return head_frames(
                duration=script.duration,
                yaw=lambda t: synth.yaw_at(script, t) * peak / 30.0,
                closure=functools.partial(synth.closure_at, script),
                size=size,
            )

        return frames

    def swung(peak: float, size: int) -> Callable[[], Iterable[np.ndarray]]:
        return lambda: head_frames(duration=5.0, yaw=swing(peak, 1.8), size=size)

    clips = [
        Motion("wide_shake_60_640", shake(60.0, 640), 2),
        Motion("wide_shake_55_384", shake(55.0, 384), 2),
        Motion("wide_swing_55_640", swung(55.0, 640), 0),
        Motion("wide_swing_60_384", swung(60.0, 384), 0),
    ]
    return {c.name: c for c in clips}
