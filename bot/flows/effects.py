"""Commands a flow asks the services to carry out, and the result events some of them return.

A command that returns a result event has it fed back into the flow in the same update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordPrivacyDecision:
    accepted: bool


@dataclass(frozen=True)
class LookupPhone:
    """Answered by PhoneLookedUp."""

    phone: str


@dataclass(frozen=True)
class SignIn:
    """Answered by SignedIn."""

    citizen_id: int


@dataclass(frozen=True)
class SignOut:
    reason: str = "logout"


@dataclass(frozen=True)
class RegisterCitizen:
    """Answered by Registered or RegistrationRefused."""

    phone: str
    name: str
    id_number: str


@dataclass(frozen=True)
class SetLanguage:
    language: str


@dataclass(frozen=True)
class AddMember:
    """Answered by MemberAdded or MemberRefused."""

    name: str
    id_number: str
    relationship: str


@dataclass(frozen=True)
class RemoveMember:
    member_id: int


@dataclass(frozen=True)
class GiveBiometricConsent:
    """The person who will be filmed (for a child: their parent or guardian) agreed to the text
    `text` shown in `language`; to be recorded for that member, with who agreed and when."""

    member_id: int
    text: str
    language: str
    retention_days: int


@dataclass(frozen=True)
class StartApplication:
    """Answered by ApplicationStarted or ApplicationRefused."""

    member_id: int
    kind: str


@dataclass(frozen=True)
class SubmitMedia:
    """Queue the analysis of a received video or photo. Its completion arrives later as
    an AnalysisFinished event."""

    application_id: int
    file_id: str
    kind: str
    challenge: tuple[str, ...]
    practice: bool


@dataclass(frozen=True)
class RequestHumanReview:
    application_id: int


@dataclass(frozen=True)
class DeleteAccount:
    citizen_id: int


@dataclass(frozen=True)
class DeleteMessage:
    """Remove a message the citizen sent from the chat (e.g. one holding a full ID number).
    Bots may delete incoming messages in private chats; a failure is ignored."""

    message_id: int


# --------------------------------------------------------------------------------------------
# Result events
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneLookedUp:
    citizen_id: int | None


@dataclass(frozen=True)
class SignedIn:
    citizen_id: int


@dataclass(frozen=True)
class Registered:
    citizen_id: int


@dataclass(frozen=True)
class RegistrationRefused:
    reason: str


@dataclass(frozen=True)
class MemberAdded:
    member_id: int


@dataclass(frozen=True)
class MemberRefused:
    reason: str


@dataclass(frozen=True)
class ApplicationStarted:
    application_id: int
    needs_reference: bool = False


@dataclass(frozen=True)
class SubmitReferencePhoto:
    """A photo of the member's ID card portrait side: answered by ReferenceAccepted or
    ReferenceRefused."""

    application_id: int
    file_id: str


@dataclass(frozen=True)
class ReferenceAccepted:
    application_id: int


@dataclass(frozen=True)
class ReferenceRefused:
    reason: str


@dataclass(frozen=True)
class ApplicationRefused:
    reason: str


@dataclass(frozen=True)
class AnalysisFinished:
    """The verification engine (through the decision service) is done with a video or photo.

    `outcome`: approved, in_review, retry (a failed attempt with attempts left), locked
    (no attempts left today), practice (a practice run: tips only), error (the file could not
    be analysed).
    """

    application_id: int
    member_id: int
    outcome: str
    reasons: tuple[str, ...] = ()
    attempts_left: int = 0
    practice: bool = False
    kind: str = "video"


@dataclass(frozen=True)
class ReviewDecided:
    """A support agent decided an application under review."""

    application_id: int
    member_id: int
    outcome: str  # approved, rejected or retry (record again)
    reason: str = ""
    may_retry: bool = False


# --------------------------------------------------------------------------------------------
# Talking to a person
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenTicket:
    """Answered by TicketOpened or TicketUnavailable."""

    step: str


@dataclass(frozen=True)
class RelayToAgents:
    """Copy the citizen's message into the ticket's topic."""

    message_id: int


@dataclass(frozen=True)
class CloseTicket:
    pass


@dataclass(frozen=True)
class TicketOpened:
    ticket_id: int


@dataclass(frozen=True)
class TicketUnavailable:
    reason: str


@dataclass(frozen=True)
class TicketClosed:
    """An agent ended the conversation (sent to the citizen's flow)."""

    ticket_id: int


@dataclass(frozen=True)
class AgentJoined:
    """The first agent replied in the ticket: the citizen is now talking to a person."""

    ticket_id: int
    agent: str
    """How the agent is named to the citizen (their name, or their role)."""


@dataclass(frozen=True)
class ShowEcard:
    """Answered by EcardReady (or nothing when the member is not verified)."""

    member_id: int


@dataclass(frozen=True)
class EcardReady:
    member_id: int
    qr_png: bytes
    valid_until: date | None = None
    """The last day the card's token verifies (None: not limited)."""


# --------------------------------------------------------------------------------------------
# The closed sets the runner dispatches on (every `match` over them ends in `assert_never`)
# --------------------------------------------------------------------------------------------

CitizenCommand = (
    RecordPrivacyDecision
    | LookupPhone
    | SignIn
    | SignOut
    | RegisterCitizen
    | SetLanguage
    | AddMember
    | RemoveMember
    | GiveBiometricConsent
    | StartApplication
    | SubmitReferencePhoto
    | SubmitMedia
    | RequestHumanReview
    | DeleteAccount
    | DeleteMessage
    | OpenTicket
    | RelayToAgents
    | CloseTicket
    | ShowEcard
)
"""Everything the citizen flow may ask the services to do."""

CommandResult = (
    PhoneLookedUp
    | SignedIn
    | Registered
    | RegistrationRefused
    | MemberAdded
    | MemberRefused
    | ApplicationStarted
    | ApplicationRefused
    | ReferenceAccepted
    | ReferenceRefused
    | AnalysisFinished
    | TicketOpened
    | TicketUnavailable
    | EcardReady
)
"""What a command may answer with; it is fed back into the flow in the same update."""

Published = AnalysisFinished | ReviewDecided | TicketClosed | AgentJoined
"""What reaches a citizen's conversation from outside the chat (services, agents)."""
