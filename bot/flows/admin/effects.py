"""What the admin flow asks the runner to do (a closed set of commands), and the result
events some commands answer with, fed back into the flow in the same update."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# --------------------------------------------------------------------------------------------
# Views: plain data the runner reads from the services
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsView:
    period: str
    since: str
    """The period's first day, YYYY-MM-DD."""
    by_state: tuple[tuple[str, int], ...]
    """Applications created in the period, by their current state (every state listed)."""
    approved: int
    rejected: int
    median: str | None
    """Median time to a decision, formatted (h:mm:ss or m:ss); None without decisions."""
    reasons: tuple[tuple[str, int], ...]
    """Engine reasons of the period's applications, most frequent first."""
    open_tickets: int
    pending_reviews: int

    @property
    def total(self) -> int:
        return sum(count for _, count in self.by_state)

    @property
    def decided(self) -> int:
        return self.approved + self.rejected


@dataclass(frozen=True)
class StaffView:
    user_id: int
    role: str
    """"agent" or "admin"."""
    name: str
    added: str
    """YYYY-MM-DD."""


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectStats:
    period: str
    """"today", "7d" or "30d"."""


@dataclass(frozen=True)
class ListStaff:
    pass


@dataclass(frozen=True)
class AddStaff:
    user_id: int
    role: str
    name: str = ""


@dataclass(frozen=True)
class RemoveStaff:
    user_id: int


@dataclass(frozen=True)
class RefreshMenus:
    """The command menus of users whose role changed (and of every admin)."""

    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class Ban:
    user_id: int
    reason: str = ""


@dataclass(frozen=True)
class Unban:
    user_id: int


@dataclass(frozen=True)
class ExportApplications:
    pass


@dataclass(frozen=True)
class ReadThresholds:
    pass


@dataclass(frozen=True)
class SetThresholds:
    passing: float
    review: float


@dataclass(frozen=True)
class Purge:
    pass


@dataclass(frozen=True)
class ReadAudit:
    count: int


@dataclass(frozen=True)
class CountRecipients:
    language: str
    """"all" or a language code."""


@dataclass(frozen=True)
class DropButtons:
    """Takes the buttons off a message the admin tapped."""

    message_id: int


@dataclass(frozen=True)
class Deliver:
    """Starts the paced delivery beside the chat; answered at once by `DeliveryStarted`, and
    when done by `BroadcastDelivered`."""

    html: str
    language: str


@dataclass(frozen=True)
class Record:
    """An admin action in the audit log. `subject`: the Telegram user acted on (written
    pseudonymously); `target`: any other target."""

    action: str
    subject: int | None = None
    target: str = ""
    details: Mapping[str, str | int | float] = field(default_factory=dict)


Command = (
    CollectStats
    | ListStaff
    | AddStaff
    | RemoveStaff
    | RefreshMenus
    | Ban
    | Unban
    | ExportApplications
    | ReadThresholds
    | SetThresholds
    | Purge
    | ReadAudit
    | CountRecipients
    | DropButtons
    | Deliver
    | Record
)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsCollected:
    view: StatsView


@dataclass(frozen=True)
class StaffListed:
    members: tuple[StaffView, ...]


@dataclass(frozen=True)
class StaffAdded:
    user_id: int
    role: str
    changed: bool
    """False when the user already had that role."""


@dataclass(frozen=True)
class StaffRemoved:
    user_id: int
    removed: bool
    """False when the user was not staff."""


@dataclass(frozen=True)
class BanDone:
    user_id: int
    outcome: str
    """"banned", "already" (banned before) or "staff" (never banned)."""


@dataclass(frozen=True)
class Unbanned:
    user_id: int
    removed: bool
    """False when the user was not banned."""


@dataclass(frozen=True)
class Exported:
    data: bytes
    rows: int


@dataclass(frozen=True)
class ThresholdsRead:
    passing: float
    review: float
    by_admin: bool
    """Set by an admin (else the settings apply)."""


@dataclass(frozen=True)
class ThresholdsSet:
    old: tuple[float, float]
    new: tuple[float, float]


@dataclass(frozen=True)
class Purged:
    key_frame_folders: int
    references: int


@dataclass(frozen=True)
class AuditRead:
    count: int
    """How many lines were asked for."""
    lines: tuple[str, ...]
    """Formatted, oldest first (pseudonymous)."""


@dataclass(frozen=True)
class RecipientsCounted:
    language: str
    count: int


@dataclass(frozen=True)
class DeliveryStarted:
    count: int


@dataclass(frozen=True)
class BroadcastDelivered:
    """The delivery ended (fed in by the runner when its background task is done)."""

    language: str
    delivered: int
    blocked: int
    failed: int


Result = (
    StatsCollected
    | StaffListed
    | StaffAdded
    | StaffRemoved
    | BanDone
    | Unbanned
    | Exported
    | ThresholdsRead
    | ThresholdsSet
    | Purged
    | AuditRead
    | RecipientsCounted
    | DeliveryStarted
    | BroadcastDelivered
)
