"""From a received video or photo to a decided attempt: queue the analysis, record the
outcome (application state, member status, failed attempts, key frames) and tell the
conversation through an `AnalysisFinished` event."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Protocol

from bot.domain.idnumber import age_on
from bot.flows import effects as fx
from bot.flows.ports import FileSource, ForCitizen, Notifier, ReviewNeeded
from bot.jobs.analysis import AnalysisJob, AnalysisResult
from bot.jobs.local import OnDone
from bot.metrics import Metrics
from bot.security import Vault
from bot.services.audit import Audit
from bot.services.citizen_context import ContextChanges
from bot.services.citizens import utcnow
from bot.services.references import (
    LocalReferenceRegistry,
    ReferencePhotoError,
    open_image,
    seal_image,
    write_private,
)
from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    FamilyMember,
    MemberStatus,
)

log = logging.getLogger(__name__)

_MATCH_REASONS = {"match_low", "match_borderline", "hard_to_match", "no_reference", "child"}


class JobQueue(Protocol):
    """What the service needs of a queue (LocalJobQueue, or arq workers in production)."""

    async def submit(self, job: AnalysisJob, on_done: OnDone) -> None: ...


class VerificationService:
    def __init__(
        self,
        queue: JobQueue,
        audit: Audit,
        *,
        files: FileSource,
        notifier: Notifier,
        media_dir: Path,
        max_attempts_per_day: int,
        child_age: int,
        job_defaults: dict[str, float | int],
        vault: Vault | None = None,
        references: LocalReferenceRegistry | None = None,
        thresholds: Callable[[], Awaitable[tuple[float, float]]] | None = None,
        metrics: Metrics | None = None,
        changes: ContextChanges | None = None,
    ) -> None:
        self.queue = queue
        self.audit = audit
        self.files = files
        self.notifier = notifier
        self.media_dir = media_dir
        self.max_attempts = max_attempts_per_day
        self.child_age = child_age
        self.job_defaults = job_defaults
        self.vault = vault
        self.references = references
        self.thresholds = thresholds
        self.metrics = metrics or Metrics()
        self.changes = changes  # told after every write to an application or a member

    async def _changed(self, citizen_id: int) -> None:
        if self.changes is not None:
            await self.changes.changed(citizen_id)

    async def _job_settings(self) -> dict[str, float | int]:
        """Limits and thresholds for a job; thresholds an admin changed win over settings."""
        values = dict(self.job_defaults)
        if self.thresholds is not None:
            passing, review = await self.thresholds()
            values.update(match_pass_distance=passing, match_review_distance=review)
        return values

    async def accept_reference(
        self, citizen_id: int, cmd: fx.SubmitReferencePhoto
    ) -> fx.ReferenceAccepted | fx.ReferenceRefused:
        """The member's ID card photo: its one face becomes this application's reference,
        kept encrypted in the application's media folder."""
        app = await Application.get_or_none(id=cmd.application_id, citizen_id=citizen_id)
        if app is None or self.vault is None or self.references is None:
            return fx.ReferenceRefused("not_an_image")
        path = self._incoming("img")
        try:
            await self.files.download(cmd.file_id, path)
            image = path.read_bytes()
        except Exception:
            return fx.ReferenceRefused("not_an_image")
        finally:
            path.unlink(missing_ok=True)
        try:
            await self.references.validate_image(image)
        except ReferencePhotoError as error:
            return fx.ReferenceRefused(error.code.value)
        app.media_dir = f"app_{app.id}"
        app.reference_path = f"{app.media_dir}/reference.bin"
        write_private(self.media_dir / app.reference_path, seal_image(self.vault, image))
        await app.save(update_fields=["reference_path", "media_dir", "updated_at"])
        await self._changed(app.citizen_id)
        return fx.ReferenceAccepted(app.id)

    async def _reference_file(self, app: Application, member: FamilyMember) -> str | None:
        """The reference face for this attempt, decrypted into a file the job deletes."""
        if self.vault is None:
            return None
        image: bytes | None = None
        if app.reference_path:
            stored = self.media_dir / app.reference_path
            if stored.exists():
                image = open_image(self.vault, stored.read_bytes())
        if image is None and self.references is not None:
            image = await self.references.get(self.vault.decrypt(member.id_enc))
        if image is None:
            return None
        path = self._incoming("ref")
        path.write_bytes(image)
        return str(path)

    def _incoming(self, suffix: str) -> Path:
        """A fresh file name for received or decrypted media, deleted once analysed."""
        incoming = self.media_dir / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        return incoming / f"{uuid.uuid4().hex}.{suffix}"

    async def submit(self, citizen_id: int, cmd: fx.SubmitMedia) -> fx.AnalysisFinished | None:
        """Downloads the file and queues its analysis. Returns an event only when the file
        could not even be fetched (the citizen is told at once)."""
        app = await Application.get_or_none(
            id=cmd.application_id, citizen_id=citizen_id
        ).prefetch_related("member")
        if app is None or app.state not in (ApplicationState.SUBMITTED, ApplicationState.CHECKING):
            return fx.AnalysisFinished(
                cmd.application_id, app.member.id if app else 0, "error", kind=cmd.kind
            )
        path = self._incoming("jpg" if cmd.kind == "photo" else "mp4")
        try:
            await self.files.download(cmd.file_id, path)
        except Exception as exc:  # a file Telegram will not hand out (too big, gone)
            log.warning(
                "could not fetch the media of application %s: %s", app.id, type(exc).__name__
            )
            path.unlink(missing_ok=True)
            return fx.AnalysisFinished(
                app.id, app.member.id, "error", kind=cmd.kind, practice=cmd.practice
            )
        if not cmd.practice:
            app.state = ApplicationState.CHECKING
            await app.save(update_fields=["state", "updated_at"])
            await ApplicationEvent.create(
                application=app, state=app.state, actor=f"citizen:{citizen_id}"
            )
            await self._changed(citizen_id)
        today = utcnow().date()
        is_child = age_on(app.member.birth_date, today) < self.child_age
        job = AnalysisJob(
            application_id=app.id,
            kind=cmd.kind,
            path=str(path),
            challenge=cmd.challenge,
            practice=cmd.practice,
            reference_path=(
                await self._reference_file(app, app.member)
                if cmd.kind == "video" and not cmd.practice
                else None
            ),
            is_child=is_child,
            **await self._job_settings(),  # type: ignore[arg-type]
        )
        self.metrics.analysis_submitted(app.id)
        await self.queue.submit(job, self.finish)
        return None

    async def finish(self, result: AnalysisResult) -> None:
        """Records a finished analysis and tells the citizen's conversation. If recording
        fails, the citizen still hears that the attempt did not go through."""
        self.metrics.analysis_finished(result)
        try:
            event = await self.record(result)
        except Exception:
            log.exception("recording the analysis of application %s failed", result.application_id)
            app = await Application.get_or_none(id=result.application_id)
            if app is None:
                return
            if app.state is ApplicationState.CHECKING:
                await self._transition(
                    app, ApplicationState.SUBMITTED, "system", "recording_failed"
                )
            await self._changed(app.citizen_id)  # and whatever `record` wrote before failing
            failed = fx.AnalysisFinished(app.id, app.member_id, "error", kind=result.kind)
            await self.notifier.publish(ForCitizen(app.citizen_id, failed))
            return
        if event is None:
            return
        self.metrics.decided("engine", event.outcome, practice=event.practice)
        if event.outcome == "in_review":
            await self.notifier.publish(ReviewNeeded(event.application_id))
        app = await Application.get(id=result.application_id)
        await self.notifier.publish(ForCitizen(app.citizen_id, event))

    async def record(self, result: AnalysisResult) -> fx.AnalysisFinished | None:
        app = await Application.get_or_none(id=result.application_id).prefetch_related("member")
        if app is None:  # deleted meanwhile (member removed, account erased)
            return None
        outcome = await self._record(app, result)
        await self._changed(app.citizen_id)
        return outcome

    async def _record(self, app: Application, result: AnalysisResult) -> fx.AnalysisFinished | None:
        member: FamilyMember = app.member
        now = utcnow()
        kind = result.kind
        if result.practice:
            if result.verdict == "error":
                return fx.AnalysisFinished(app.id, member.id, "error", kind=kind, practice=True)
            reasons = tuple(r for r in result.reasons if r not in _MATCH_REASONS)
            return fx.AnalysisFinished(
                app.id, member.id, "practice", reasons, practice=True, kind=kind
            )
        if app.state is not ApplicationState.CHECKING:
            log.info("analysis of application %s arrived in state %s: ignored", app.id, app.state)
            return None
        self._store_key_frames(app, result)
        app.scores = {k: v for k, v in result.scores.items() if k != "timings_ms"}
        app.reasons = list(result.reasons)
        verdict = result.verdict
        if verdict == "pass" and result.scores.get("distance") is None:
            # live, but matched against nothing: never approve without a reference face
            verdict = "review"
            app.reasons = [*app.reasons, "no_reference"]
        if verdict == "error":
            await self._transition(
                app, ApplicationState.SUBMITTED, "engine", f"unreadable:{result.error_code}"
            )
            return fx.AnalysisFinished(app.id, member.id, "error", kind=kind)
        if verdict == "pass":
            app.decided_at = now
            await self._transition(app, ApplicationState.APPROVED, "engine")
            member.status = MemberStatus.VERIFIED
            member.verified_at = now
            await member.save(update_fields=["status", "verified_at"])
            await self.audit.record("engine", "approved", f"application:{app.id}")
            return fx.AnalysisFinished(app.id, member.id, "approved", kind=kind)
        if verdict == "review":
            await self._transition(app, ApplicationState.IN_REVIEW, "engine", ",".join(app.reasons))
            member.status = MemberStatus.PENDING_REVIEW
            await member.save(update_fields=["status"])
            return fx.AnalysisFinished(
                app.id, member.id, "in_review", tuple(app.reasons), kind=kind
            )
        # a failed attempt
        app.attempts += 1
        await self._transition(app, ApplicationState.SUBMITTED, "engine", ",".join(result.reasons))
        if kind == "photo":
            return fx.AnalysisFinished(
                app.id, member.id, "retry", tuple(result.reasons), attempts_left=1, kind=kind
            )
        today = now.date()
        failures = (member.failed_attempts if member.attempts_day == today else 0) + 1
        member.failed_attempts = failures
        member.attempts_day = today
        left = max(0, self.max_attempts - failures)
        if left == 0:
            member.locked_until = datetime.combine(
                today + timedelta(days=1), time.min, tzinfo=now.tzinfo
            )
        await member.save(update_fields=["failed_attempts", "attempts_day", "locked_until"])
        outcome = "locked" if left == 0 else "retry"
        return fx.AnalysisFinished(
            app.id, member.id, outcome, tuple(result.reasons), attempts_left=left, kind=kind
        )

    async def sweep_stuck(self, older_than: timedelta) -> int:
        """Applications left in CHECKING longer than any analysis can take (a job lost with
        its worker and its retries): back to SUBMITTED, and the citizen is asked to retry."""
        cutoff = utcnow() - older_than
        stuck = await Application.filter(state=ApplicationState.CHECKING, updated_at__lt=cutoff)
        for app in stuck:
            changed = await Application.filter(id=app.id, state=ApplicationState.CHECKING).update(
                state=ApplicationState.SUBMITTED, updated_at=utcnow()
            )
            if not changed:
                continue
            await ApplicationEvent.create(
                application_id=app.id,
                state=ApplicationState.SUBMITTED,
                actor="system",
                note="analysis_lost",
            )
            await self._changed(app.citizen_id)
            event = fx.AnalysisFinished(app.id, app.member_id, "error", kind=app.kind.value)
            await self.notifier.publish(ForCitizen(app.citizen_id, event))
        return len(stuck)

    async def request_human_review(self, citizen_id: int, application_id: int) -> None:
        app = await Application.get_or_none(
            id=application_id, citizen_id=citizen_id
        ).prefetch_related("member")
        if app is None or app.state.is_final or app.state is ApplicationState.IN_REVIEW:
            return
        await self._transition(
            app, ApplicationState.IN_REVIEW, f"citizen:{citizen_id}", "human_review_requested"
        )
        app.member.status = MemberStatus.PENDING_REVIEW
        await app.member.save(update_fields=["status"])
        await self._changed(citizen_id)
        await self.notifier.publish(ReviewNeeded(app.id))

    async def _transition(
        self, app: Application, state: ApplicationState, actor: str, note: str = ""
    ) -> None:
        app.state = state
        await app.save()
        await ApplicationEvent.create(application=app, state=state, actor=actor, note=note[:255])

    def _store_key_frames(self, app: Application, result: AnalysisResult) -> None:
        if not result.key_frames:
            return
        folder = self.media_dir / f"app_{app.id}"
        folder.mkdir(parents=True, exist_ok=True)
        for label, jpeg in result.key_frames:
            safe = "".join(c for c in label if c.isalnum() or c in "_-")[:32] or "frame"
            (folder / f"{app.attempts + 1}_{safe}.jpg").write_bytes(jpeg)
        app.media_dir = folder.name
