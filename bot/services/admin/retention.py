"""Data retention: key frames of long-decided applications and old reference photos."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.services.admin.stats import utcnow
from bot.storage.models import Application


class ReferencePurger(Protocol):
    async def purge_older_than(self, days: int) -> int: ...


@dataclass(frozen=True)
class PurgeReport:
    key_frame_folders: int
    references: int


async def purge(
    media_dir: Path,
    references: ReferencePurger,
    retention_days: int,
    *,
    now: datetime | None = None,
) -> PurgeReport:
    """Deletes the key-frame folders (`media_dir/app_<id>`) of applications decided more than
    `retention_days` ago, and the reference photos older than that."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    folders = 0
    for app in await Application.filter(decided_at__lt=cutoff):
        folder = media_dir / f"app_{app.id}"
        if await asyncio.to_thread(folder.is_dir):
            await asyncio.to_thread(shutil.rmtree, folder, True)
            folders += 1
        if app.media_dir or app.reference_path:
            app.media_dir, app.reference_path = "", None
            await app.save(update_fields=["media_dir", "reference_path"])
    purged = await references.purge_older_than(retention_days)
    return PurgeReport(folders, purged)
