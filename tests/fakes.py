"""Fakes of the core's ports for service tests: a file source and a recording notifier."""

from __future__ import annotations

from pathlib import Path

from bot.flows.ports import ForCitizen, Notification


class FixedFiles:
    """A `FileSource` that writes the same bytes for every file id."""

    def __init__(self, data: bytes = b"video") -> None:
        self.data = data

    async def download(self, file_id: str, destination: Path) -> None:
        destination.write_bytes(self.data)


class RecordingNotifier:
    def __init__(self) -> None:
        self.published: list[Notification] = []

    async def publish(self, notification: Notification) -> None:
        self.published.append(notification)

    def for_citizens(self) -> list[ForCitizen]:
        return [n for n in self.published if isinstance(n, ForCitizen)]
