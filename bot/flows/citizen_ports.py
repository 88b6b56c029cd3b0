"""What the citizen runner asks of the services, as protocols typed with the flow's values.

Exactly the methods `bot.flows.runner.CitizenRunner` calls. `CitizenService` and
`VerificationService` (bot/services/) satisfy them structurally; mypy checks that where
`bot.wiring` builds the runner. The flow's unit tests drive the same runner with an in-memory
stand-in (tests/flows/world.py).

One type here is not the core's own: `GroupTraces`, a plain value (message ids in the agents'
group) that lives in `bot.services.erasure`, a module that also reads the storage models. The
runner and the agents' flows import it from there already; it is named here as it is rather
than widened to `Any`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.flows import effects as fx
from bot.flows.core import Context
from bot.services.erasure import GroupTraces


@dataclass(frozen=True)
class Actor:
    """Who acts in a citizen's private chat: the Telegram user, in the conversation's
    language (for the audit log and a new account's language)."""

    telegram_user_id: int
    language: str


class Citizens(Protocol):
    """Accounts, family members and applications, as the runner reads and changes them."""

    async def load_context(self, citizen_id: int | None, *, now: datetime, entropy: int) -> Context:
        """The snapshot the flow steps on: the citizen, their members, recent applications."""
        ...

    async def telegram_user_of(self, citizen_id: int) -> int | None:
        """The Telegram user a citizen signed in from (for notifications)."""
        ...

    async def record_privacy(self, actor: Actor, accepted: bool) -> None: ...

    async def lookup_phone(self, phone: str) -> fx.PhoneLookedUp: ...

    async def sign_in(self, actor: Actor, citizen_id: int) -> fx.SignedIn: ...

    async def sign_out(self, actor: Actor, reason: str) -> None: ...

    async def register(
        self, actor: Actor, cmd: fx.RegisterCitizen
    ) -> fx.Registered | fx.RegistrationRefused: ...

    async def group_traces(self, actor: Actor, citizen_id: int) -> GroupTraces:
        """What the agents' group holds of this citizen, to neutralise before deleting."""
        ...

    async def delete_account(self, actor: Actor, citizen_id: int) -> None: ...

    async def set_language(self, citizen_id: int, language: str) -> None: ...

    async def add_member(
        self, citizen_id: int, cmd: fx.AddMember
    ) -> fx.MemberAdded | fx.MemberRefused: ...

    async def member_traces(self, citizen_id: int, member_id: int) -> GroupTraces:
        """The review cards of a member about to be removed."""
        ...

    async def remove_member(self, citizen_id: int, member_id: int) -> None: ...

    async def give_biometric_consent(
        self, citizen_id: int, cmd: fx.GiveBiometricConsent
    ) -> None: ...

    async def start_application(
        self, citizen_id: int, cmd: fx.StartApplication
    ) -> fx.ApplicationStarted | fx.ApplicationRefused: ...

    async def ecard(self, citizen_id: int, member_id: int) -> fx.EcardReady | None:
        """The e-card of a verified member; None for any other member."""
        ...


class Verification(Protocol):
    """The evidence of an application: a reference photo, a video or photo to analyse, a
    request for a person to decide."""

    async def accept_reference(
        self, citizen_id: int, cmd: fx.SubmitReferencePhoto
    ) -> fx.ReferenceAccepted | fx.ReferenceRefused: ...

    async def submit(self, citizen_id: int, cmd: fx.SubmitMedia) -> fx.AnalysisFinished | None:
        """Queues the analysis; an event only when the file could not even be fetched (the
        outcome of an analysis arrives later, as a notification)."""
        ...

    async def request_human_review(self, citizen_id: int, application_id: int) -> None: ...
