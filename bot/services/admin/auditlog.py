"""Admin lines of the audit log: recorded pseudonymously, read back newest last."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC

from bot.services.audit import Audit
from bot.storage.models import AuditLog

MAX_AUDIT_LINES = 100
DEFAULT_AUDIT_LINES = 20


async def audit_lines(count: int = DEFAULT_AUDIT_LINES) -> list[AuditLog]:
    """The newest `count` audit lines (1..100), oldest first."""
    count = max(1, min(MAX_AUDIT_LINES, count))
    newest = await AuditLog.all().order_by("-id").limit(count)
    return list(reversed(newest))


def format_audit_line(entry: AuditLog) -> str:
    details = _details(entry.details)
    at = entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    parts = [at, entry.actor, entry.action]
    if entry.target:
        parts.append(entry.target)
    if details:
        parts.append(details)
    return " · ".join(parts)


def _details(details: Mapping[str, object]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(details.items()))[:200]


async def record(
    audit: Audit, admin_id: int, action: str, target: str = "", **details: object
) -> None:
    """An admin action in the audit log: who (pseudonymous), what, when, on which target."""
    await audit.record(audit.pseudonym("tg", admin_id), f"admin_{action}", target, **details)
