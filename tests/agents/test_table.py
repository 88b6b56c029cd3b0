"""The desk's state tables: the diagrams beside them draw exactly their rows, and every
state can be reached and (but for the final ones) left."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.flows.agents import table
from tests.diagrams import assert_drawn

FOLDER = Path(table.__file__).resolve().parent


@pytest.mark.parametrize(
    ("name", "render"), [("cards.mmd", table.render_cards), ("tickets.mmd", table.render_tickets)]
)
def test_diagram_is_drawn_from_the_table(name: str, render: Callable[[], str]) -> None:
    assert_drawn(
        FOLDER / name, render(), f"write bot.flows.agents.table.{render.__name__}() into it"
    )


def test_every_card_state_is_reached_and_only_decided_is_final() -> None:
    sources = {row.source for row in table.CARD_TABLE}
    targets = {row.target for row in table.CARD_TABLE} | {table.CardState.OPEN}
    assert targets == set(table.CardState)
    assert set(table.CardState) - sources == {table.CardState.DECIDED}
    assert {row.tap for row in table.CARD_TABLE} == set(table.CardTap)


def test_every_ticket_state_is_reached_and_closing_is_final() -> None:
    """Nothing leaves a closed or blocked ticket (an agent writing in a closed one is only
    told so)."""
    leaving = {row.source for row in table.TICKET_TABLE if row.target is not row.source}
    targets = {row.target for row in table.TICKET_TABLE} | {table.TicketState.WAITING}
    assert targets == set(table.TicketState)
    assert set(table.TicketState) - leaving == {
        table.TicketState.CLOSED,
        table.TicketState.BLOCKED,
    }
    assert {row.event for row in table.TICKET_TABLE} == set(table.TicketEvent)


def test_a_card_state_comes_from_its_review_and_its_buttons() -> None:
    state = table.card_state
    assert state("open", None) is table.CardState.OPEN
    assert state("claimed", None) is table.CardState.TAKEN
    assert state("claimed", "reasons") is table.CardState.REASONS
    assert state("claimed", "confirm:ok") is table.CardState.CONFIRMING
    assert state("decided", "confirm:ok") is table.CardState.DECIDED
    assert table.card_row(table.CardState.TAKEN, table.CardTap.TAKE) is None
    assert table.card_row(table.CardState.TAKEN, table.CardTap.CONFIRM) is None
