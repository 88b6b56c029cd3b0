"""Blink counts against encoding noise, on the tuning source: the same frames at several CRFs.

The tuning source's motions (``motions``: nods, tilts, shakes with open eyes, narrow eyes,
blinks at 30 and 15 fps) and the carphone man (real footage) are generated once per size and
encoded at each CRF (H.264, or VP9 as a browser records); the engine finds blinks on each
encoding. A blink detector that reacts to the encoder's noise counts differently on the same
frames.

``python -m tests.vision.noise [--sizes 288,640] [--crfs 18,23,28,32] [--codec libvpx-vp9]
[--pitch] [CLIP ...]`` prints a table of false and missed blinks per CRF (with ``--pitch``:
how eye openness moves with head pitch on open-eye frames);
``tests/vision/test_blink_noise.py`` checks a few clips at CI size. Encodings are cached in
``tests/.fixture-cache/vision-noise-<VERSION>/``. Never the held-out clips
(``bot/vision/testing/heldout.py``): they only measure.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.vision.observation import Observation
from bot.vision.testing import synth, video_files
from tests.vision import motions

VERSION = "v1"
CACHE = Path(__file__).resolve().parents[1] / ".fixture-cache" / f"vision-noise-{VERSION}"
CRFS = (18, 23, 28, 32)
NEAR_S = 0.25
SIZES = (288, 640)

Frames = Callable[[int], Iterable[np.ndarray]]


@dataclass(frozen=True)
class Clip:
    """A tuning clip, made at any size, and how many blinks it holds.

    Where ``at`` is given (real footage), blinks are judged by time: each of ``at`` must be
    found (within ``NEAR_S``), and a blink found near none of ``at`` or ``maybe`` is false.
    """

    name: str
    frames: Frames
    blinks: int
    fps: float = 30.0
    at: tuple[float, ...] = ()
    maybe: tuple[float, ...] = ()

    def errors(self, found: Sequence[float]) -> tuple[int, int]:
        """False and missed blinks among the blink times ``found``."""
        if not self.at:
            return max(0, len(found) - self.blinks), max(0, self.blinks - len(found))
        known = self.at + self.maybe
        false = sum(1 for t in found if all(abs(t - k) > NEAR_S for k in known))
        missed = sum(1 for k in self.at if all(abs(t - k) > NEAR_S for t in found))
        return false, missed

    def build(self, size: int, crf: int, codec: str = "libx264") -> Path:
        """The clip at ``size`` px encoded at ``crf`` (every CRF is written from one render;
        VP8/VP9 take ``crf`` + 6, as ``video_files.write_video`` does)."""
        path = self._path(size, crf, codec)
        if not path.exists():
            rendered = list(self.frames(size))
            for other in CRFS if crf in CRFS else (crf,):
                video_files.made_once(
                    self._path(size, other, codec),
                    lambda tmp, q=other: video_files.write_video(
                        tmp, rendered, self.fps, crf=q, codec=codec
                    ),
                )
        return path

    def _path(self, size: int, crf: int, codec: str) -> Path:
        if codec == "libx264":
            return CACHE / f"{self.name}_{size}_crf{crf}.mp4"
        return CACHE / f"{self.name}_{size}_{codec}_crf{crf}.webm"


def _head(**kw: object) -> Frames:
    return lambda size: motions.head_frames(size=size, **kw)  # type: ignore[arg-type]


def _narrow(
    closure: motions.Curve,
    yaw: motions.Curve | None = None,
    pitch: motions.Curve | None = None,
    roll: motions.Curve | None = None,
    seed: int = 21,
    fps: float = 30.0,
) -> Frames:
    """The narrow-eyed astronaut (``motions._narrow``), by default doing the generator's shake."""
    script = synth.shake_script()

    def frames(size: int) -> Iterable[np.ndarray]:
        return motions.head_frames(
            duration=5.0,
            fps=fps,
            size=size,
            yaw=yaw or (lambda t: synth.yaw_at(script, t)),
            pitch=pitch or motions._still,
            roll=roll or motions._still,
            closure=lambda t: max(motions.NARROW_REST, closure(t)),
            seed=seed,
        )

    return frames


def _carphone(size: int) -> Iterable[np.ndarray]:
    return synth.carphone_video_frames(size)


def _genuine(size: int) -> Iterable[np.ndarray]:
    return synth.genuine_frames(synth.shake_script(first="left"), size=size, seed=0)


@functools.cache
def catalogue() -> dict[str, Clip]:
    """The clips of the sweep, by name."""
    swing, blinks, still = motions.swing, motions.blinks, motions._still
    clips = [
        Clip("nod_open", _head(pitch=swing(18.0, 1.4)), 0),
        Clip("tilt_open", _head(roll=swing(25.0, 1.6)), 0),
        Clip("shake_wide_open", _head(yaw=swing(40.0, 1.8)), 0),
        Clip("nod_and_shake_open", _head(yaw=swing(30, 2.0), pitch=swing(12, 1.3)), 0),
        Clip("narrow_nod_open", _narrow(still, yaw=still, pitch=swing(18.0, 1.4)), 0),
        Clip("narrow_shake_open", _narrow(still, yaw=swing(40.0, 1.8)), 0),
        Clip(
            "narrow_nod_tilt_open",
            _narrow(still, yaw=still, pitch=swing(15.0, 1.4), roll=swing(20.0, 1.7)),
            0,
        ),
        Clip(
            "narrow_nod_tilt_open_b",
            _narrow(still, yaw=still, pitch=swing(12.0, 1.1), roll=swing(15.0, 2.1), seed=22),
            0,
        ),
        Clip("genuine_shake", _genuine, 2),
        Clip("nod_with_blink", _head(pitch=swing(15, 1.4), closure=blinks((1.9,))), 1),
        Clip(
            "quick_blinks_15fps",
            _head(fps=15.0, closure=blinks((1.0, 2.6), length=0.12)),
            2,
            fps=15.0,
        ),
        Clip("narrow_blink_shake", _narrow(blinks((0.6, 3.9))), 2),
        Clip(
            "narrow_blink_shake_15fps",
            _narrow(blinks((0.6, 3.9)), fps=15.0),
            2,
            fps=15.0,
        ),
        Clip(
            "narrow_blinks_nod",
            _narrow(blinks((0.8, 2.2, 3.6)), yaw=still, pitch=swing(6.0, 1.5), seed=23),
            3,
        ),
        # real footage, labelled by looking at the frames: blinks at frames 41-43 and 91-93;
        # at 112-113 the lids are half down while the head turns (a blink or not); the eyes
        # are open elsewhere (wide at 70-71, then less wide to 86: not a blink)
        Clip("carphone", _carphone, 2, fps=29.97, at=(1.40, 3.07), maybe=(3.74,)),
    ]
    return {c.name: c for c in clips}


CI_SIZE = 288
CI_CLIPS = ("narrow_nod_tilt_open", "genuine_shake", "quick_blinks_15fps", "carphone")
"""The clips ``test_blink_noise`` runs at CI size: none may show a false blink at any CRF."""
CI_MAY_MISS = ("carphone",)
"""Clips whose blinks may be missed there (the carphone man's second blink is made with the
head turned about 20 degrees, at the blink yaw limit: some encodings read it past)."""


def observations(path: Path) -> list[Observation]:
    """What the engine observes in ``path``, watched to the end (the engine's own pass, with a
    challenge it cannot meet early)."""
    import time as clock

    from bot.vision import models
    from bot.vision.decode import VideoReader
    from bot.vision.scan import Clock, scan
    from bot.vision.types import Action, Limits, Thresholds

    models.models()
    limits, th = Limits(), Thresholds()
    steps = (Action.BLINK,) * 20
    with VideoReader(path, limits, clock.perf_counter() + limits.time_limit_s) as reader:
        found, _ = scan(reader, steps, limits, th, False, Clock(), clock.perf_counter())
    return found.observations


def blink_times(path: Path) -> list[float]:
    """The times of the blinks the engine finds in ``path``, watched to the end."""
    from bot.vision.events import events
    from bot.vision.types import Action, Thresholds

    seen, _, _ = events(observations(path), Thresholds())
    return [e.t for e in seen if e.action == Action.BLINK]


def open_eye_pitch(clip: Clip, seen: Sequence[Observation]) -> tuple[np.ndarray, np.ndarray]:
    """Pitch from the clip's median (degrees, positive looking down) and openness over the
    clip's median, on the frames whose eyes are open and whose head faces the camera (within
    20 degrees of the median yaw): clips with no blink, and real footage away from its
    labelled blinks (``NEAR_S`` + 0.1 s)."""
    if clip.blinks and not clip.at:
        return np.zeros(0), np.zeros(0)
    t = np.array([o.t for o in seen])
    pitch = np.array([o.pitch for o in seen])
    yaw = np.array([o.yaw for o in seen])
    openness = np.array([(o.eyes[0] + o.eyes[1]) / 2 for o in seen])
    keep = ~np.isnan(pitch) & (np.abs(yaw - np.nanmedian(yaw)) < 20.0)
    for k in clip.at + clip.maybe:
        keep &= np.abs(t - k) > NEAR_S + 0.1
    if keep.sum() < 10:
        return np.zeros(0), np.zeros(0)
    return pitch[keep] - np.median(pitch[keep]), openness[keep] / np.median(openness[keep])


def pitch_report(
    names: Sequence[str],
    sizes: Sequence[int],
    crfs: Sequence[int],
    out: Callable[[str], None],
    codec: str = "libx264",
) -> None:
    """Openness against pitch on open-eye frames (``open_eye_pitch``): per clip, the pitch's
    spread and its frame-to-frame step (noise on clips that do not nod), and the slope and
    correlation of a straight-line fit of openness on pitch; then the fit over all clips."""
    clips = catalogue()
    out(f"{'clip':<26} {'size':>4} {'crf':>3}  pitch sd  step  openness/10 deg      r")
    pooled: list[tuple[np.ndarray, np.ndarray]] = []
    for size in sizes:
        for name in names:
            for crf in crfs:
                seen = observations(clips[name].build(size, crf, codec))
                pitch, ratio = open_eye_pitch(clips[name], seen)
                if len(pitch) == 0:
                    continue
                pooled.append((pitch, ratio))
                step = float(np.median(np.abs(np.diff(pitch))))
                slope = float(np.polyfit(pitch, ratio, 1)[0]) * 10.0
                r = float(np.corrcoef(pitch, ratio)[0, 1])
                out(
                    f"{name:<26} {size:>4} {crf:>3}  {pitch.std():8.1f} {step:5.1f}"
                    f"  {slope:+17.3f}  {r:+5.2f}"
                )
    if pooled:
        pitch = np.concatenate([p for p, _ in pooled])
        ratio = np.concatenate([q for _, q in pooled])
        slope = float(np.polyfit(pitch, ratio, 1)[0]) * 10.0
        r = float(np.corrcoef(pitch, ratio)[0, 1])
        out(f"all {len(pitch)} frames: openness {slope:+.3f} per 10 degrees of pitch, r {r:+.2f}")


def sweep(
    names: Sequence[str],
    sizes: Sequence[int],
    crfs: Sequence[int],
    out: Callable[[str], None],
    codec: str = "libx264",
) -> dict[tuple[str, int, int], list[float]]:
    """Find blinks on every clip x size x CRF; print one line per clip and size (blinks found),
    then the false and missed blinks per size and CRF."""
    found: dict[tuple[str, int, int], list[float]] = {}
    clips = catalogue()
    out(f"{'clip':<26} {'size':>4} {'true':>4}  " + "  ".join(f"crf{c:<3}" for c in crfs))
    for size in sizes:
        for name in names:
            clip = clips[name]
            row = []
            for crf in crfs:
                times = blink_times(clip.build(size, crf, codec))
                found[(name, size, crf)] = times
                false, missed = clip.errors(times)
                mark = ("+" * false) + ("-" * missed)
                row.append(f"{len(times):>3}{mark:<3}")
            out(f"{name:<26} {size:>4} {clip.blinks:>4}  " + "  ".join(row))
    out("")
    out("false / missed blinks per size and CRF (+ false, - missed in the rows above)")
    for size in sizes:
        cells = []
        for crf in crfs:
            errors = [clips[n].errors(found[(n, size, crf)]) for n in names]
            cells.append(f"crf{crf}: {sum(e[0] for e in errors)}/{sum(e[1] for e in errors)}")
        out(f"  {size} px  " + "   ".join(cells))
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.vision.noise", description=__doc__)
    parser.add_argument("clips", nargs="*", help="clip names (default: all)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--crfs", default=",".join(map(str, CRFS)))
    parser.add_argument("--codec", default="libx264", help="libx264 (MP4) or libvpx-vp9 (WebM)")
    parser.add_argument(
        "--pitch", action="store_true", help="openness against head pitch instead of blinks"
    )
    args = parser.parse_args(argv)
    names = args.clips or list(catalogue())
    unknown = [n for n in names if n not in catalogue()]
    if unknown:
        parser.error(f"unknown clips: {', '.join(unknown)}; known: {', '.join(catalogue())}")
    started = time.perf_counter()
    report = pitch_report if args.pitch else sweep
    report(
        names,
        [int(s) for s in args.sizes.split(",")],
        [int(c) for c in args.crfs.split(",")],
        lambda line: print(line, flush=True),
        args.codec,
    )
    print(f"{time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
