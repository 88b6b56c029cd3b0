"""Video and photo analysis as a job: plain, picklable data in and out.

`run_analysis` is what a worker process executes; it knows the vision engine and nothing of
Telegram or the database. Queues (`bot.jobs.local`, later arq workers) only move these
objects around.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class AnalysisJob:
    application_id: int
    kind: str  # "video" or "photo"
    path: str
    challenge: tuple[str, ...] = ()
    practice: bool = False
    reference_path: str | None = None
    is_child: bool = False
    max_bytes: int = 20 * 1024 * 1024
    max_seconds: float = 15.0
    min_seconds: float = 1.0
    time_limit_s: float = 60.0
    match_pass_distance: float = 0.45
    match_review_distance: float = 0.60
    delete_after: bool = True


@dataclass(frozen=True)
class AnalysisResult:
    application_id: int
    practice: bool
    kind: str
    verdict: str  # pass, fail, review, or error (unreadable input)
    live: bool = False
    reasons: tuple[str, ...] = ()
    scores: dict[str, object] = field(default_factory=dict)
    key_frames: tuple[tuple[str, bytes], ...] = ()
    error_code: str | None = None


def run_analysis(job: AnalysisJob) -> AnalysisResult:
    """Analyses one received file with the vision engine. Runs in a worker process."""
    from bot import vision  # the engine loads its models on first use, in the worker

    limits = vision.Limits(
        max_bytes=job.max_bytes,
        max_seconds=job.max_seconds,
        min_seconds=job.min_seconds,
        time_limit_s=job.time_limit_s,
    )
    thresholds = vision.Thresholds(
        match_pass_distance=job.match_pass_distance,
        match_review_distance=job.match_review_distance,
    )
    reference = job.reference_path
    try:
        if job.kind == "photo":
            photo = vision.analyse_photo(
                job.path, reference=reference, limits=limits, thresholds=thresholds
            )
            decision = vision.decide(photo, is_child=True)
            return AnalysisResult(
                application_id=job.application_id,
                practice=job.practice,
                kind=job.kind,
                verdict=str(decision.verdict),
                live=False,
                reasons=tuple(str(r) for r in decision.reasons),
                scores=_scores(photo),
                key_frames=tuple((k.label, k.jpeg) for k in photo.key_frames),
            )
        challenge = vision.parse_challenge(",".join(job.challenge or ("blink", "shake")))
        report = vision.analyse_video(
            job.path, reference=reference, challenge=challenge, limits=limits, thresholds=thresholds
        )
        decision = vision.decide(report, is_child=job.is_child)
        return AnalysisResult(
            application_id=job.application_id,
            practice=job.practice,
            kind=job.kind,
            verdict=str(decision.verdict),
            live=report.live,
            reasons=tuple(str(r) for r in decision.reasons),
            scores={**_scores(report), **report.to_json_dict()},
            key_frames=tuple((k.label, k.jpeg) for k in report.key_frames),
        )
    except vision.VisionError as exc:
        return AnalysisResult(
            application_id=job.application_id,
            practice=job.practice,
            kind=job.kind,
            verdict="error",
            error_code=exc.code,
        )
    finally:
        if job.delete_after:
            # raw media (and the decrypted reference) are deleted right after analysis
            Path(job.path).unlink(missing_ok=True)
            if job.reference_path:
                Path(job.reference_path).unlink(missing_ok=True)


def _scores(report: object) -> dict[str, object]:
    match = getattr(report, "match", None)
    if match is None:
        return {}
    return {"distance": round(float(match.distance), 4), "same_person": bool(match.same_person)}


def warm_up() -> int:
    """Imports the engine and loads its models (once per process) in a fresh worker, so that
    the first real job pays for neither."""
    from bot.vision import models

    models.models()
    return os.getpid()
