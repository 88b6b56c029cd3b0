"""The CSV export of every application: masked ID numbers only, no names."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from enum import StrEnum

from bot.storage.models import Application

EXPORT_COLUMNS = (
    "id",
    "member_id_masked",
    "relationship",
    "state",
    "created",
    "decided",
    "attempts",
    "reasons",
)


async def export_csv() -> tuple[bytes, int]:
    """Every application as CSV (masked ID numbers only, no names): (UTF-8 bytes, rows)."""
    rows = (
        await Application.all()
        .order_by("id")
        .values_list(
            "id",
            "member__id_masked",
            "member__relationship",
            "state",
            "created_at",
            "decided_at",
            "attempts",
            "reasons",
        )
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for app_id, masked, relationship, state, created, decided, attempts, reasons in rows:
        writer.writerow(
            [
                app_id,
                masked,
                _plain(relationship),
                _plain(state),
                _iso(created),
                _iso(decided),
                attempts,
                ";".join(str(r) for r in reasons) if isinstance(reasons, list) else "",
            ]
        )
    return buffer.getvalue().encode("utf-8"), len(rows)


def _plain(value: object) -> str:
    return str(value.value) if isinstance(value, StrEnum) else str(value)


def _iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value is not None else ""
