"""Support tickets through the desk, without Telegram: waiting for an agent, replies marked
as a person's, a deleted topic opened again without losing the citizen's message."""

from __future__ import annotations

import pytest

from bot.flows import effects as fx
from bot.flows.core import T
from bot.flows.ports import ForCitizen
from bot.storage.models import FamilyMember, Ticket, TicketMessage, TicketStatus
from tests.agents.conftest import AGENT_A, AGENT_B, GROUP, OUTSIDER, TRANSLATOR, World
from tests.ids import rid

USER = 9001


async def opened(world: World) -> Ticket:
    cid, _ = await world.citizen_in_review(USER)
    assert isinstance(await world.desk.open_ticket(USER, cid, "menu"), fx.TicketOpened)
    return await Ticket.get(telegram_user_id=USER)


async def test_the_topic_starts_with_a_context_card_in_words(world: World) -> None:
    ticket = await opened(world)
    assert ticket.topic_id is not None and ticket.context_message_id is not None
    assert world.messenger.topics[ticket.topic_id] == f"Wang Xiaoming #{ticket.id}"
    context = world.messenger.find(GROUP, ticket.context_message_id).text
    assert "the main menu" in context and "not verified" in context
    assert "not_verified" not in context and "in_review" not in context


async def test_the_citizen_waits_until_an_agent_replies_then_hears_who(world: World) -> None:
    ticket = await opened(world)
    assert ticket.topic_id is not None
    asked = world.messenger.user_writes(USER, "hello?")
    await world.desk.relay_from_citizen(USER, asked)
    assert world.messenger.live(GROUP, ticket.topic_id)[-1].copied_from == (USER, asked)
    assert world.notifier.published == []
    # an outsider in the topic reaches nobody and changes nothing
    spam = world.messenger.user_writes(GROUP, "spam", ticket.topic_id)
    await world.desk.topic_message(OUTSIDER, ticket.topic_id, spam, text="spam", kind="text")
    assert world.notifier.published == [] and world.messenger.live(USER)[-1].text == "hello?"
    for text in ("Hello, I am here", "Send a photo <please>"):
        said = world.messenger.user_writes(GROUP, text, ticket.topic_id)
        await world.desk.topic_message(AGENT_A, ticket.topic_id, said, text=text, kind="text")
    [joined] = world.notifier.published
    assert joined == ForCitizen(
        ticket.citizen_id, fx.AgentJoined(ticket.id, "Agent A"), telegram_user_id=USER
    )
    header = TRANSLATOR.render("en", T("support-agent-says", {"agent": "Agent A"}))
    assert [m.text for m in world.messenger.live(USER)[-2:]] == [
        f"{header}\nHello, I am here",
        f"{header}\nSend a photo &lt;please&gt;",
    ]
    lines = await TicketMessage.filter(ticket_id=ticket.id).order_by("id")
    assert [line.direction for line in lines] == ["in", "out", "out"]
    assert all(line.message_id is not None for line in lines)


async def test_a_deleted_topic_is_opened_again_and_nothing_is_lost(world: World) -> None:
    ticket = await opened(world)
    assert ticket.topic_id is not None
    world.messenger.delete_topic(ticket.topic_id)
    asked = world.messenger.user_writes(USER, "are you there?")
    await world.desk.relay_from_citizen(USER, asked)
    await ticket.refresh_from_db()
    assert ticket.topic_id is not None and ticket.topic_id not in world.messenger.deleted_topics
    first, copied = world.messenger.live(GROUP, ticket.topic_id)
    assert first.message_id == ticket.context_message_id and "Wang Xiaoming" in first.text
    assert copied.copied_from == (USER, asked)
    line = await TicketMessage.get(ticket_id=ticket.id, direction="in")
    assert line.message_id == copied.message_id


async def test_a_citizen_who_blocked_the_bot_closes_the_ticket(world: World) -> None:
    ticket = await opened(world)
    assert ticket.topic_id is not None
    world.messenger.blocked.add(USER)
    said = world.messenger.user_writes(GROUP, "Are you there?", ticket.topic_id)
    await world.desk.topic_message(
        AGENT_A, ticket.topic_id, said, text="Are you there?", kind="text"
    )
    await ticket.refresh_from_db()
    assert ticket.status is TicketStatus.BLOCKED
    notices = [m for m in world.messenger.live(GROUP, ticket.topic_id) if "blocked" in m.text]
    assert len(notices) == 1
    again = world.messenger.user_writes(GROUP, "Hello?", ticket.topic_id)
    await world.desk.topic_message(AGENT_A, ticket.topic_id, again, text="Hello?", kind="text")
    assert (
        len([m for m in world.messenger.live(GROUP, ticket.topic_id) if "blocked" in m.text]) == 1
    )


@pytest.mark.parametrize("closing", ["agent", "citizen"])
async def test_an_agent_writing_in_a_closed_ticket_is_told_once(world: World, closing: str) -> None:
    """Once a ticket is closed (by an agent, or by the citizen going back to the bot),
    nothing written in its topic reaches the citizen: the first agent to write is told so
    and what the citizen can do; later messages get no notice under each of them."""
    ticket = await opened(world)
    assert ticket.topic_id is not None
    if closing == "agent":
        await world.desk.topic_command(AGENT_A, ticket.topic_id, 1, "close", "")
    else:
        await world.desk.close_from_citizen(USER)
    published = list(world.notifier.published)
    to_citizen = len(world.messenger.live(USER))
    notice = TRANSLATOR.render("en", T("agent-ticket-closed-write", {"ticket": str(ticket.id)}))
    for agent, text in ((AGENT_A, "One more thing"), (AGENT_B, "Hello?"), (AGENT_A, "x")):
        said = world.messenger.user_writes(GROUP, text, ticket.topic_id)
        await world.desk.topic_message(agent, ticket.topic_id, said, text=text, kind="text")
    in_topic = [m.text for m in world.messenger.live(GROUP, ticket.topic_id)]
    assert in_topic.count(notice) == 1, in_topic
    assert world.notifier.published == published
    assert len(world.messenger.live(USER)) == to_citizen
    assert await TicketMessage.filter(ticket_id=ticket.id, direction="out").count() == 0
    line = await TicketMessage.get(ticket_id=ticket.id, kind="closed_notice")
    assert line.message_id is not None  # erased with the topic's other messages


async def test_the_context_card_lists_only_applications_something_was_sent_for(
    world: World,
) -> None:
    """An application opened by the consent, with nothing sent, is no application to the
    agents either (the citizen's My applications and /stats do not show it)."""
    cid, in_review = await world.citizen_in_review(USER)
    member = await FamilyMember.get(citizen_id=cid)
    draft = await world.opened_application(
        cid, fx.AddMember("Li Fang", rid("11010519580911002"), "mother")
    )
    assert isinstance(await world.desk.open_ticket(USER, cid, "menu"), fx.TicketOpened)
    ticket = await Ticket.get(telegram_user_id=USER)
    context = world.messenger.find(GROUP, ticket.context_message_id or 0).text
    assert f"#{in_review} " in context and member.full_name in context
    assert f"#{draft} " not in context, context
