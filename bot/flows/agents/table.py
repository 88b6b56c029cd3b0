"""The agents' desk as two state tables: a review card's life and a support ticket's.

A card is open until an agent takes it; choosing a reason or confirming a decision are
steps of the card's buttons (kept on the review, so a stale or repeated tap finds the card
already moved on and changes nothing); a confirmed decision is final. A ticket waits for an
agent until one replies, then they talk until either side ends it (or the citizen blocks the
bot); an agent who writes in a closed ticket's topic is told once that nothing reaches the
citizen any more (a blocked citizen's topic was told so when the block was found).
`cards.mmd` and `tickets.mmd` beside this module draw these rows (a test keeps them equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CardState(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    REASONS = "choosing_reason"
    CONFIRMING = "confirming"
    DECIDED = "decided"


class CardTap(StrEnum):
    """The buttons of a card (their callback data's action)."""

    TAKE = "take"
    RELEASE = "free"  # the agent who took it hands it back
    APPROVE = "ok"
    WHY = "why"  # open the reasons to reject
    REJECT = "rej"  # a reason was chosen
    RETRY = "rr"
    BACK = "back"
    CONFIRM = "yes"


class CardMove(StrEnum):
    """What a tap does, besides moving the card."""

    CLAIM = "claim"
    RELEASE = "release"
    SHOW_REASONS = "show_reasons"
    ASK_TO_CONFIRM = "ask_to_confirm"
    BACK = "back"
    DECIDE = "decide"


@dataclass(frozen=True)
class CardRow:
    source: CardState
    tap: CardTap
    target: CardState
    move: CardMove


_S, _T, _M = CardState, CardTap, CardMove

CARD_TABLE: tuple[CardRow, ...] = (
    CardRow(_S.OPEN, _T.TAKE, _S.TAKEN, _M.CLAIM),
    CardRow(_S.OPEN, _T.APPROVE, _S.CONFIRMING, _M.ASK_TO_CONFIRM),
    CardRow(_S.OPEN, _T.RETRY, _S.CONFIRMING, _M.ASK_TO_CONFIRM),
    CardRow(_S.OPEN, _T.WHY, _S.REASONS, _M.SHOW_REASONS),
    CardRow(_S.TAKEN, _T.APPROVE, _S.CONFIRMING, _M.ASK_TO_CONFIRM),
    CardRow(_S.TAKEN, _T.RETRY, _S.CONFIRMING, _M.ASK_TO_CONFIRM),
    CardRow(_S.TAKEN, _T.WHY, _S.REASONS, _M.SHOW_REASONS),
    CardRow(_S.TAKEN, _T.RELEASE, _S.OPEN, _M.RELEASE),
    CardRow(_S.REASONS, _T.REJECT, _S.CONFIRMING, _M.ASK_TO_CONFIRM),
    CardRow(_S.REASONS, _T.BACK, _S.TAKEN, _M.BACK),
    CardRow(_S.CONFIRMING, _T.BACK, _S.TAKEN, _M.BACK),
    CardRow(_S.CONFIRMING, _T.CONFIRM, _S.DECIDED, _M.DECIDE),
)


def card_row(state: CardState, tap: CardTap) -> CardRow | None:
    """The row for this tap on a card in this state; None: the tap does nothing."""
    return next((r for r in CARD_TABLE if r.source is state and r.tap is tap), None)


REASONS_STEP = "reasons"
CONFIRM_PREFIX = "confirm:"


def card_state(status: str, step: str | None) -> CardState:
    """A card's state from its review's status and the step of its buttons."""
    if status == "decided":
        return CardState.DECIDED
    if step == REASONS_STEP:
        return CardState.REASONS
    if step is not None and step.startswith(CONFIRM_PREFIX):
        return CardState.CONFIRMING
    return CardState.TAKEN if status == "claimed" else CardState.OPEN


class TicketState(StrEnum):
    WAITING = "waiting_for_agent"
    TALKING = "talking"
    CLOSED = "closed"
    BLOCKED = "blocked"


class TicketEvent(StrEnum):
    CITIZEN_WROTE = "citizen_wrote"
    TOPIC_GONE = "topic_gone"  # the topic was deleted: recreated, the message relayed
    AGENT_REPLIED = "agent_replied"
    NOTE = "note"
    AGENT_CLOSED = "agent_closed"
    CITIZEN_LEFT = "citizen_left"
    CITIZEN_BLOCKED = "citizen_blocked"


@dataclass(frozen=True)
class TicketRow:
    source: TicketState
    event: TicketEvent
    target: TicketState


_W, _K, _E = TicketState.WAITING, TicketState.TALKING, TicketEvent

TICKET_TABLE: tuple[TicketRow, ...] = (
    TicketRow(_W, _E.CITIZEN_WROTE, _W),
    TicketRow(_K, _E.CITIZEN_WROTE, _K),
    TicketRow(_W, _E.TOPIC_GONE, _W),
    TicketRow(_K, _E.TOPIC_GONE, _K),
    TicketRow(_W, _E.AGENT_REPLIED, _K),  # the citizen is told who they talk to
    TicketRow(_K, _E.AGENT_REPLIED, _K),
    TicketRow(_W, _E.NOTE, _W),
    TicketRow(_K, _E.NOTE, _K),
    TicketRow(_W, _E.AGENT_CLOSED, TicketState.CLOSED),
    TicketRow(_K, _E.AGENT_CLOSED, TicketState.CLOSED),
    TicketRow(_W, _E.CITIZEN_LEFT, TicketState.CLOSED),
    TicketRow(_K, _E.CITIZEN_LEFT, TicketState.CLOSED),
    TicketRow(_W, _E.CITIZEN_BLOCKED, TicketState.BLOCKED),
    TicketRow(_K, _E.CITIZEN_BLOCKED, TicketState.BLOCKED),
    # nothing is relayed; the first agent to write is told the ticket is closed (once)
    TicketRow(TicketState.CLOSED, _E.AGENT_REPLIED, TicketState.CLOSED),
)


def ticket_row(state: TicketState, event: TicketEvent) -> TicketRow | None:
    return next((r for r in TICKET_TABLE if r.source is state and r.event is event), None)


def ticket_state(status: str, agent_joined: bool) -> TicketState:
    if status == "closed":
        return TicketState.CLOSED
    if status == "blocked":
        return TicketState.BLOCKED
    return TicketState.TALKING if agent_joined else TicketState.WAITING


def render_cards() -> str:
    """cards.mmd, drawn from `CARD_TABLE`."""
    lines = ["stateDiagram-v2", f"    [*] --> {CardState.OPEN.value}"]
    lines += sorted(
        f"    {r.source.value} --> {r.target.value} : {r.tap.name} / {r.move.value}"
        for r in CARD_TABLE
    )
    lines.append(f"    {CardState.DECIDED.value} --> [*]")
    return "\n".join(lines) + "\n"


def render_tickets() -> str:
    """tickets.mmd, drawn from `TICKET_TABLE`."""
    lines = ["stateDiagram-v2", f"    [*] --> {TicketState.WAITING.value}"]
    lines += sorted(
        f"    {r.source.value} --> {r.target.value} : {r.event.value}" for r in TICKET_TABLE
    )
    lines += [f"    {TicketState.CLOSED.value} --> [*]", f"    {TicketState.BLOCKED.value} --> [*]"]
    return "\n".join(lines) + "\n"
