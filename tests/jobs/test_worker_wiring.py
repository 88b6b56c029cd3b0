"""The worker with the real vision engine, its command line, and the arq queue wired into the
bot: settings, `build_app`, and the verification service recording a decision from a worker."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.flows import effects as fx
from bot.flows.core import FlowConfig
from bot.jobs.analysis import AnalysisResult
from bot.jobs.arq_queue import ArqJobQueue
from bot.jobs.arq_wire import RESULTS_GROUP, Keys, encode_result
from bot.security import Vault, generate_key
from bot.services.audit import Audit
from bot.services.citizens import CitizenService
from bot.services.verification import VerificationService
from bot.storage.models import Application, ApplicationEvent, ApplicationState
from bot.wiring import build_app
from tests.fakes import FixedFiles, RecordingNotifier
from tests.jobs.conftest import ROOT, Lab, until
from tests.services.test_verification import open_application
from tests.vision.fixtures import video

pytestmark = pytest.mark.redis


def run_worker_cli(
    *args: str, env: dict[str, str], via_bot: bool = True, timeout: float = 60
) -> tuple[int, str]:
    """`python -m bot worker ARGS`, or `python -m bot.worker ARGS` (no bot import: faster)."""
    entry = ["bot", "worker"] if via_bot else ["bot.worker"]
    process = subprocess.run(
        [sys.executable, "-m", *entry, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return process.returncode, process.stderr


def test_the_worker_needs_redis_url() -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    code, stderr = run_worker_cli(env=env, via_bot=False)
    assert code == 2
    assert "needs REDIS_URL" in stderr


def test_the_arq_backend_needs_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ValidationError, match="ANALYSIS_BACKEND=arq needs REDIS_URL"):
        Settings(_env_file=None, analysis_backend="arq")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="analysis_backend"):
        Settings(_env_file=None, analysis_backend="celery")  # type: ignore[call-arg]


@pytest.mark.slow
async def test_the_real_engine_on_a_worker(lab: Lab) -> None:
    worker = lab.worker("--timeout", "60", analysis="bot.jobs.analysis:run_analysis")
    queue = lab.queue()
    await queue.start(lab.on_done)
    attack = video("attack_static_photo_384").read_bytes()
    await queue.submit(lab.job(9101, attack, challenge=("blink", "shake")), lab.on_done)
    await queue.submit(lab.job(9102, b"this is not a video" * 10), lab.on_done)
    await lab.ready(worker)
    await queue.drain(timeout_s=60)
    by_app = {r.application_id: r for r in lab.delivered}
    photo = by_app[9101]
    # a photo held to the camera: not live, and a key frame for the reviewers
    assert photo.verdict in ("fail", "review") and not photo.live
    assert "no_blink" in photo.reasons
    assert photo.key_frames and all(jpeg[:2] == b"\xff\xd8" for _, jpeg in photo.key_frames)
    # an unreadable file is a verdict of the engine (a VisionError), not a crash: no retry
    assert by_app[9102].verdict == "error" and by_app[9102].error_code
    assert "try=2" not in worker.output()
    # a worker alive on this queue passes the health check
    env = {**os.environ, "REDIS_URL": lab.redis_url}
    code, _ = run_worker_cli("--prefix", lab.prefix, "--check", env=env, via_bot=False)
    assert code == 0
    await lab.settled()
    assert await lab.leftovers() == [lab.keys.results]
    assert list(worker.tmp_dir.iterdir()) == []
    worker.stop()  # a stopped worker deletes its health record: the check fails
    code, _ = run_worker_cli("--prefix", lab.prefix, "--check", env=env, via_bot=False)
    assert code == 1


async def test_build_app_starts_the_arq_queue_when_configured(
    redis_url: str, tmp_path: Path, lab: Lab
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", redis_url=redis_url, analysis_backend="arq"
    )
    stream = Keys().results  # the production names: leave them as they were found
    existed = bool(await lab.redis.exists(stream))
    app = await build_app(settings, token="123456:arq-wiring", api_url="http://127.0.0.1:9")
    try:
        assert isinstance(app.queue, ArqJobQueue)
        groups = await lab.redis.xinfo_groups(stream)
        assert RESULTS_GROUP in [g["name"].decode() for g in groups]
        if not existed:  # our own stream: a result in it reaches the verification service
            nobody = AnalysisResult(-1, False, "video", "fail")  # no such application: ignored
            await lab.redis.xadd(stream, {"job_id": "j", "result": encode_result(nobody)})

            async def acknowledged() -> bool:
                return await lab.redis.xlen(stream) == 0

            await until(acknowledged, 10, "the bot to take the result")
    finally:
        await app.close()
        if not existed:
            await lab.redis.delete(stream)


async def test_a_decision_from_a_worker_is_recorded_once(
    lab: Lab, sqlite_db: str, tmp_path: Path
) -> None:
    vault = Vault([generate_key()], generate_key())
    audit = Audit(vault)
    citizens = CitizenService(
        vault, audit, FlowConfig(), media_dir=tmp_path / "media", application_expiry=timedelta(1)
    )
    queue = lab.queue()
    data = lab.fake_media(lab.run_log(), verdict="fail")
    verification = VerificationService(
        queue,
        audit,
        files=FixedFiles(data),
        notifier=RecordingNotifier(),
        media_dir=tmp_path / "media",
        max_attempts_per_day=3,
        child_age=16,
        job_defaults={},
    )
    delivered: list[AnalysisResult] = []

    async def finish(result: AnalysisResult) -> None:
        delivered.append(result)
        await verification.finish(result)

    await queue.start(finish)
    worker = lab.worker()
    citizen_id, app_id = await open_application(citizens)
    submitted = fx.SubmitMedia(app_id, "f", "video", ("blink",), False)
    assert await verification.submit(citizen_id, submitted) is None
    assert list((tmp_path / "media" / "incoming").iterdir()) == []
    await lab.ready(worker)
    await queue.drain(timeout_s=60)
    app = await Application.get(id=app_id)
    assert app.state is ApplicationState.SUBMITTED and app.attempts == 1  # a failed attempt
    assert len(list((tmp_path / "media" / app.media_dir).glob("*.jpg"))) == 2  # key frames
    events = await ApplicationEvent.filter(application_id=app_id).count()
    # the same result delivered again (as after a consumer died before its ACK): no change
    await lab.redis.xadd(lab.keys.results, {"job_id": "j", "result": encode_result(delivered[0])})

    async def redelivered() -> bool:
        return len(delivered) == 2 and await lab.redis.xlen(lab.keys.results) == 0

    await until(redelivered, 10, "the second delivery")
    await app.refresh_from_db()
    assert app.state is ApplicationState.SUBMITTED and app.attempts == 1
    assert await ApplicationEvent.filter(application_id=app_id).count() == events
