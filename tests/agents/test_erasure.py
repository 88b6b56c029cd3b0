"""Deleting a citizen's data, through the desk and the services without Telegram: the
group keeps only neutral notes, the rows go, e-cards are revoked, statistics add up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.flows import effects as fx
from bot.flows.ports import Unreachable
from bot.services.admin.stats import Period, collect_stats
from bot.services.citizens import Actor
from bot.services.ecard import issue_token
from bot.services.erasure import revoked_at
from bot.storage.models import (
    ErasedApplication,
    FamilyMember,
    Review,
    Ticket,
    TicketMessage,
)
from tests.agents.conftest import AGENT_A, GROUP, World
from tests.agents.test_cards import posted, press

USER = 9001


async def test_erasure_leaves_neutral_notes_and_no_rows(world: World) -> None:
    _, card = await posted(world)
    await press(world, card, world.label("agent-btn-approve"))
    await press(world, card, world.label("agent-btn-confirm-approve"))
    member = await FamilyMember.get(full_name="Wang Dagang")
    cid = member.citizen_id  # type: ignore[attr-defined]
    assert isinstance(await world.desk.open_ticket(USER, cid, "menu"), fx.TicketOpened)
    ticket = await Ticket.get(telegram_user_id=USER)
    assert ticket.topic_id is not None
    said = world.messenger.user_writes(USER, "I am Wang Xiaoming")
    await world.desk.relay_from_citizen(USER, said)
    reply = world.messenger.user_writes(GROUP, "Hello Wang Xiaoming", ticket.topic_id)
    await world.desk.topic_message(
        AGENT_A, ticket.topic_id, reply, text="Hello Wang Xiaoming", kind="text"
    )
    await world.desk.topic_command(AGENT_A, ticket.topic_id, reply + 1, "note", "Wang is nice")
    before = await collect_stats(Period.MONTH)
    token_issued = datetime.now(UTC)
    member_hash = member.id_hash

    actor = Actor(telegram_user_id=USER, language="en")
    traces = await world.citizens.group_traces(actor, cid)
    assert len(traces.cards) == 1 and len(traces.topics) == 1
    await world.desk.erase_citizen(traces)
    await world.desk.erase_citizen(traces)  # a redelivered update: what is gone stays gone
    await world.citizens.delete_account(actor, cid)

    live = world.messenger.live(GROUP)
    assert [m for m in live if m.photo is not None] == []
    for name in ("Wang", "0018", "Father"):
        assert not [m.text for m in live if name in m.text], name
        assert not [n for n in world.messenger.topics.values() if name in n], name
    assert world.messenger.find(GROUP, card.message_id).markup is None
    assert world.messenger.topics[ticket.topic_id] == f"Ticket #{ticket.id} (deleted)"
    assert ticket.topic_id in world.messenger.closed_topics
    for model in (Review, Ticket, TicketMessage, FamilyMember):
        assert await model.all().count() == 0, model
    assert await ErasedApplication.all().count() == 1
    revoked = await revoked_at(world.vault, member_hash)
    assert revoked is not None and revoked >= token_issued.replace(microsecond=0)
    issue_token(  # still well-formed; it is the revocation list that refuses it
        world.vault,
        member_id_hash=member_hash,
        relationship="father",
        approved_on=token_issued.date(),
        issued_at=token_issued,
    )
    after = await collect_stats(Period.MONTH)
    assert (after.by_state, after.approved, after.reasons) == (
        before.by_state,
        before.approved,
        before.reasons,
    )
    assert after.median_decision_seconds == before.median_decision_seconds


async def test_removing_a_member_erases_their_cards_and_revokes_their_ecard(
    world: World,
) -> None:
    _, card = await posted(world)
    member = await FamilyMember.get(full_name="Wang Dagang")
    cid = member.citizen_id  # type: ignore[attr-defined]
    before = await collect_stats(Period.MONTH)
    await world.desk.erase_citizen(await world.citizens.member_traces(cid, member.id))
    await world.citizens.remove_member(cid, member.id)
    live = world.messenger.live(GROUP)
    assert [m for m in live if m.photo is not None] == []
    assert "Wang Dagang" not in world.messenger.find(GROUP, card.message_id).text
    assert await revoked_at(world.vault, member.id_hash) is not None
    assert await Review.all().count() == 0
    after = await collect_stats(Period.MONTH)
    assert (after.by_state, after.reasons) == (before.by_state, before.reasons)


async def test_telegram_out_of_reach_stops_the_erasure_before_any_row_goes(world: World) -> None:
    """The runner neutralises the group first: a transient failure fails the update (to be
    delivered again) while every row, and so every trace to find, is still there."""
    await posted(world)
    member = await FamilyMember.get(full_name="Wang Dagang")
    cid = member.citizen_id  # type: ignore[attr-defined]
    traces = await world.citizens.group_traces(Actor(telegram_user_id=USER, language="en"), cid)

    async def unreachable(chat_id: int, message_id: int) -> None:
        raise Unreachable("Bad Gateway")

    world.messenger.delete = unreachable  # type: ignore[method-assign]
    with pytest.raises(Unreachable):
        await world.desk.erase_citizen(traces)
    assert await Review.all().count() == 1 and await FamilyMember.all().count() == 1
