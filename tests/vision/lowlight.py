"""Decisions against low light, on the tuning source: the same clips darkened step by step.

A phone in a dark room: the scene's light times ``gain``, with sensor noise that grows as the
light falls (``noise_sigma``), encoded as the fixtures are. Per gain and clip: the face's median
brightness (what ``min_brightness`` gates), blinks, turns, each turn's planar residual and
surroundings gain (the flat check), the match distance and the verdict, with the light gate off
(``min_brightness`` 0) so that every other decision is seen.

    PYTHONPATH=. uv run --no-sync python -m tests.vision.lowlight [--gains 1,0.5,0.3]
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from bot.vision import Thresholds, analyse_video, engine, events, geometry, parse_challenge
from bot.vision.testing import synth, video_files
from tests.vision import fixtures, motions

GAINS = (1.0, 0.7, 0.5, 0.4, 0.33, 0.27, 0.22, 0.18, 0.15)
CACHE = Path(__file__).resolve().parents[1] / ".fixture-cache" / "vision-lowlight-v1"


def noise_sigma(gain: float) -> float:
    """Sensor noise (grey levels, per channel) at ``gain`` of the light: a phone raises its
    sensor gain as the light falls, and the noise with it (1.75 at full light, 2.9 at 40 %,
    6 at 15 %)."""
    return 1.0 + 0.75 / gain


def darkened(frames: Iterable[np.ndarray], gain: float, seed: int = 8) -> Iterable[np.ndarray]:
    """``frames`` at ``gain`` of their light, with the sensor noise of that light."""
    rng = np.random.default_rng(seed)
    sigma = noise_sigma(gain)
    for f in frames:
        yield np.clip(f * gain + rng.normal(0, sigma, f.shape), 0, 255).astype(np.uint8)


def _decoded(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


@dataclasses.dataclass(frozen=True)
class Clip:
    name: str
    frames: Callable[[], Iterable[np.ndarray]]
    challenge: str
    genuine: bool
    reference: str | None
    fps: float = 30.0


def clips() -> list[Clip]:
    """Genuine clips (real blinks, a blink-and-shake, a nod without blink) and flat attacks."""
    return [
        Clip("shake_left", fixtures.frames_left, "blink,shake", True, "astronaut"),
        Clip(
            "carphone",
            lambda: synth.carphone_video_frames(fixtures.SIZE),
            "blink",
            True,
            "carphone",
            29.97,
        ),
        Clip("nod_open", motions.catalogue()["nod_open"].frames, "blink", True, None),
        Clip(
            "photo_tilted",
            lambda: _decoded(fixtures.video("attack_photo_tilted_384")),
            "blink,shake",
            False,
            None,
        ),
        Clip("replay_swung", motions.replays()["replay_swung"].frames, "blink,shake", False, None),
    ]


def video(clip: Clip, gain: float, seed: int = 8) -> Path:
    """``clip`` at ``gain`` of its light, encoded once into the fixture cache."""
    frames = list(clip.frames())
    suffix = "" if seed == 8 else f"_s{seed}"
    return video_files.made_once(
        CACHE / f"{clip.name}_{round(gain * 100):03d}{suffix}.mp4",
        lambda tmp: video_files.write_video(tmp, darkened(frames, gain, seed), clip.fps),
    )


def measure(clip: Clip, gain: float, seed: int = 8) -> dict[str, object]:
    """One clip at one gain, with the light gate off; every turn's flat-check figures."""
    seen: list[tuple[float, float | None]] = []
    is_flat = events.is_flat

    def recording(a, b, th):  # type: ignore[no-untyped-def]
        residual = geometry.planar_residual(a.points, b.points)
        gain_ = geometry.surroundings_follow(a.small, a.points / 2.0, b.small, b.points / 2.0)
        seen.append((residual, gain_))
        return is_flat(a, b, th)

    light: list[float] = []
    extent: list[tuple[float, float]] = []
    quality = engine._quality

    def measured(found, *rest):  # type: ignore[no-untyped-def]
        light.append(float(np.median([o.brightness for o in found.observations] or [0.0])))
        yaws = np.array([o.yaw for o in found.observations if not np.isnan(o.yaw)] or [0.0])
        extent.append((float(yaws.min() - np.median(yaws)), float(yaws.max() - np.median(yaws))))
        return quality(found, *rest)

    path = video(clip, gain, seed)
    events.is_flat = recording  # type: ignore[assignment]
    engine._quality = measured  # type: ignore[assignment]
    try:
        ref = fixtures.reference(clip.reference) if clip.reference else None
        report = analyse_video(
            path,
            reference=ref,
            challenge=parse_challenge(clip.challenge),
            thresholds=Thresholds(min_brightness=0.0),
        )
    finally:
        events.is_flat = is_flat  # type: ignore[assignment]
        engine._quality = quality  # type: ignore[assignment]
    return {
        "clip": clip.name,
        "gain": gain,
        "seed": seed,
        "sigma": round(noise_sigma(gain), 2),
        "brightness": round(light[0], 1) if light else None,
        "verdict": report.verdict,
        "reasons": ",".join(str(r) for r in report.reasons) or "-",
        "blinks": report.blinks,
        "turns": ",".join(t.replace("turn_", "") for t in report.head_turns) or "-",
        "flat": " ".join(f"{r:.3f}/{'-' if g is None else f'{g:+.2f}'}" for r, g in seen) or "-",
        "yaw": "-" if not extent else f"{extent[0][0]:+.0f}..{extent[0][1]:+.0f}",
        "distance": None if report.match is None else round(report.match.distance, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gains", default=",".join(str(g) for g in GAINS))
    parser.add_argument("--clips", default="")
    parser.add_argument("--seeds", default="8", help="noise seeds, comma-separated")
    parser.add_argument(
        "--dark-face",
        type=float,
        default=None,
        help="experiment: bring faces darker than this to it for the landmarks (tracker's 170)",
    )
    args = parser.parse_args()
    gains = [float(g) for g in args.gains.split(",")]
    wanted = set(filter(None, args.clips.split(",")))
    if args.dark_face is not None:
        from bot.vision import tracker

        tracker._FACE_LEVEL = args.dark_face  # type: ignore[attr-defined]
    for clip in clips():
        if wanted and clip.name not in wanted:
            continue
        for gain in gains:
            for seed in (int(s) for s in args.seeds.split(",")):
                print(measure(clip, gain, seed), flush=True)


if __name__ == "__main__":
    main()
