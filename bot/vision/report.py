"""Results of an analysis and the decision helper."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.vision.types import FAIL_REASONS, REVIEW_REASONS, Reason, Verdict


@dataclass(frozen=True)
class MatchResult:
    """Distance of the analysed face to the reference, and whether it is the same person."""

    distance: float
    same_person: bool


@dataclass(frozen=True)
class KeyFrame:
    """A small JPEG for human review: ``frontal``, ``turn_left``, ``turn_right`` or ``face``."""

    label: str
    jpeg: bytes = field(repr=False)


@dataclass(frozen=True)
class Decision:
    """Verdict and the reasons behind it."""

    verdict: Verdict
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class VideoReport:
    """What the engine found in one selfie video. Picklable."""

    verdict: Verdict
    live: bool
    reasons: tuple[Reason, ...]
    blinks: int
    head_turns: tuple[str, ...]
    match: MatchResult | None
    frames: int
    duration_s: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    key_frames: tuple[KeyFrame, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """The CLI contract object (no key frames)."""
        return {
            "verdict": self.verdict,
            "live": self.live,
            "reasons": [str(r) for r in self.reasons],
            "blinks": self.blinks,
            "head_turns": list(self.head_turns),
            "match": None
            if self.match is None
            else {"distance": round(self.match.distance, 4), "same_person": self.match.same_person},
            "frames": self.frames,
            "duration_s": round(self.duration_s, 3),
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True)
class PhotoReport:
    """What the engine found in one photo (the children's path). Picklable."""

    verdict: Verdict
    reasons: tuple[Reason, ...]
    match: MatchResult | None
    key_frames: tuple[KeyFrame, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no key frames)."""
        return {
            "verdict": self.verdict,
            "reasons": [str(r) for r in self.reasons],
            "match": None
            if self.match is None
            else {"distance": round(self.match.distance, 4), "same_person": self.match.same_person},
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


def verdict_for(reasons: Iterable[Reason]) -> Verdict:
    """``fail`` if any reason fails, else ``review`` if any asks for a human, else ``pass``."""
    found = set(reasons)
    if found & FAIL_REASONS:
        return "fail"
    if found & REVIEW_REASONS:
        return "review"
    return "pass"


def decide(report: VideoReport | PhotoReport, *, is_child: bool = False) -> Decision:
    """Decide pass / fail / review. Children never pass automatically: at best they go to review."""
    reasons = list(report.reasons)
    if is_child and Reason.CHILD not in reasons:
        reasons.append(Reason.CHILD)
    return Decision(verdict=verdict_for(reasons), reasons=tuple(reasons))
