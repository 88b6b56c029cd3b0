"""What the bot and the arq workers agree on: the Redis names of an analysis queue and the
JSON forms of a job and of its result (nothing read from Redis is ever unpickled).

`bot.jobs.arq_queue` (the bot's side) and `bot.worker` (the workers' side) both build on it;
the key layout and the failure behaviour are described in `bot.jobs.arq_queue`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool

from bot.jobs.analysis import AnalysisJob, AnalysisResult

DEFAULT_PREFIX = "ssc:analysis"
TASK_NAME = "analyse"
RESULTS_GROUP = "bot"
# job fields that travel with the job; paths are the bot's own and stay behind
_PATH_FIELDS = frozenset({"path", "reference_path", "delete_after"})


@dataclass(frozen=True)
class Keys:
    """The Redis names of one analysis queue."""

    prefix: str = DEFAULT_PREFIX

    @property
    def queue(self) -> str:
        return f"{self.prefix}:queue"

    @property
    def results(self) -> str:
        return f"{self.prefix}:results"

    @property
    def health_check(self) -> str:
        return f"{self.queue}:health-check"  # arq's default for this queue

    def media(self, job_id: str) -> str:
        return f"{self.prefix}:media:{job_id}"

    def reference(self, job_id: str) -> str:
        return f"{self.prefix}:reference:{job_id}"

    def done(self, job_id: str) -> str:
        return f"{self.prefix}:done:{job_id}"


# --- wire formats: JSON only ---------------------------------------------------------------


def dump_json(value: Any) -> bytes:
    """arq's job serializer: JSON, with anything unexpected (an exception) as its repr."""
    return json.dumps(value, default=repr, separators=(",", ":")).encode()


def load_json(raw: bytes) -> Any:
    return json.loads(raw)


def encode_job(job: AnalysisJob, *, has_reference: bool) -> dict[str, Any]:
    payload = {
        f.name: getattr(job, f.name)
        for f in dataclasses.fields(AnalysisJob)
        if f.name not in _PATH_FIELDS
    }
    payload["challenge"] = list(job.challenge)
    payload["has_reference"] = has_reference
    return payload


def decode_job(payload: Mapping[str, Any], *, path: str, reference_path: str | None) -> AnalysisJob:
    """The job from its JSON form; unknown or missing fields raise `ValueError`."""
    known = {f.name for f in dataclasses.fields(AnalysisJob)} - _PATH_FIELDS
    extra = set(payload) - known - {"has_reference"}
    if extra:
        raise ValueError(f"unknown job fields: {sorted(extra)}")
    values = {name: payload[name] for name in known if name in payload}
    values["challenge"] = tuple(str(a) for a in values.get("challenge", ()))
    try:
        return AnalysisJob(**values, path=path, reference_path=reference_path, delete_after=True)
    except TypeError as exc:
        raise ValueError(str(exc)) from exc


def job_id_for(job: AnalysisJob, media: bytes, reference: bytes | None = None) -> str:
    """`analysis:<application id>:<digest of the bytes and the job's parameters>`."""
    digest = hashlib.sha256()
    digest.update(dump_json(encode_job(job, has_reference=reference is not None)))
    digest.update(hashlib.sha256(media).digest())
    if reference is not None:
        digest.update(hashlib.sha256(reference).digest())
    return f"analysis:{job.application_id}:{digest.hexdigest()[:32]}"


def _plain(value: object) -> object:
    """JSON fallback for numpy scalars and arrays in the scores."""
    for method in ("item", "tolist"):
        convert = getattr(value, method, None)
        if callable(convert):
            return convert()
    return str(value)


def encode_result(result: AnalysisResult) -> bytes:
    data = {
        "application_id": result.application_id,
        "practice": result.practice,
        "kind": result.kind,
        "verdict": result.verdict,
        "live": result.live,
        "reasons": list(result.reasons),
        "scores": result.scores,
        "key_frames": [
            [label, base64.b64encode(jpeg).decode("ascii")] for label, jpeg in result.key_frames
        ],
        "error_code": result.error_code,
    }
    return json.dumps(data, default=_plain, separators=(",", ":")).encode()


def decode_result(raw: bytes) -> AnalysisResult:
    """The result from its JSON form; anything malformed raises `ValueError`."""
    try:
        data = json.loads(raw)
        return AnalysisResult(
            application_id=int(data["application_id"]),
            practice=bool(data["practice"]),
            kind=str(data["kind"]),
            verdict=str(data["verdict"]),
            live=bool(data["live"]),
            reasons=tuple(str(r) for r in data["reasons"]),
            scores=dict(data["scores"]),
            key_frames=tuple(
                (str(label), base64.b64decode(jpeg, validate=True))
                for label, jpeg in data["key_frames"]
            ),
            error_code=None if data["error_code"] is None else str(data["error_code"]),
        )
    except (KeyError, TypeError, binascii.Error) as exc:
        raise ValueError(f"malformed analysis result: {exc!r}") from exc


def error_result(job: AnalysisJob, code: str) -> AnalysisResult:
    return AnalysisResult(job.application_id, job.practice, job.kind, "error", error_code=code)


async def connect(redis_url: str, keys: Keys) -> ArqRedis:
    return await create_pool(
        RedisSettings.from_dsn(redis_url),
        job_serializer=dump_json,
        job_deserializer=load_json,
        default_queue_name=keys.queue,
    )
