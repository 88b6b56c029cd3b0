"""Talking to a person: opening a ticket with the agents, relaying every message while the
talk lasts (the bot's own rows are paused), and ending it from either side."""

from __future__ import annotations

import dataclasses

from bot.flows import effects as fx
from bot.flows.citizen.account import show_menu, stale_button, unexpected
from bot.flows.citizen.moves import go, note, stay
from bot.flows.citizen.results import analysis_finished, review_decided
from bot.flows.citizen.screens import prompt
from bot.flows.citizen.state import (
    ANY,
    CONTACT,
    MEDIA,
    TEXT,
    Conversation,
    Event,
    Result,
    Step,
    Transition,
    btn,
    cmd,
    result,
    row,
)
from bot.flows.core import (
    Action,
    ButtonPressed,
    CommandSent,
    ContactShared,
    Context,
    MediaSent,
    Outcome,
    TextSent,
    say,
    t,
)


def open_support(conv: Conversation, _: ButtonPressed, ctx: Context) -> Result:
    """Talk to a person: opens a ticket with the agents (answered by TicketOpened), or says
    that no agents are configured."""
    if not ctx.config.agents_configured:
        return go(conv, Step.SUPPORT, ctx)
    back = conv.step if conv.step in (Step.MENU, Step.MEMBER) else Step.MENU
    return Outcome(dataclasses.replace(conv, return_to=back), [], [fx.OpenTicket(back.value)])


def ticket_opened(conv: Conversation, ev: fx.TicketOpened, ctx: Context) -> Result:
    """Connected: from now on the citizen's messages go to the agents."""
    return go(conv, Step.SUPPORT_CHAT, ctx)


def ticket_unavailable(conv: Conversation, ev: fx.TicketUnavailable, ctx: Context) -> Result:
    """The ticket could not be opened: say so and stay."""
    return stay(conv, note("support-failed"), *prompt(conv, ctx))


def relay(
    conv: Conversation, ev: TextSent | MediaSent | ContactShared | CommandSent, ctx: Context
) -> Result:
    """While talking to a person every message is handed to the agents, untouched."""
    return Outcome(conv, [], [fx.RelayToAgents(ev.message_id)] if ev.message_id else [])


def end_talk(conv: Conversation, _: Event, ctx: Context) -> Result:
    """Back to the bot (the citizen ends it): the ticket closes, the step they left returns."""
    back = conv.return_to if conv.return_to in (Step.MENU, Step.MEMBER) else Step.MENU
    return go(
        conv,
        back,
        ctx,
        before=[note("support-ended")],
        commands=[fx.CloseTicket()],
        return_to=None,
    )


def ticket_closed(conv: Conversation, _: fx.TicketClosed, ctx: Context) -> Result:
    """An agent closed the conversation: the citizen is back where they were."""
    if conv.step is not Step.SUPPORT_CHAT:
        return Outcome(conv, [say(t("support-closed"))])
    back = conv.return_to if conv.return_to in (Step.MENU, Step.MEMBER) else Step.MENU
    return go(conv, back, ctx, before=[note("support-closed")], return_to=None)


def agent_joined(conv: Conversation, ev: fx.AgentJoined, ctx: Context) -> Result:
    """An agent answered: the citizen learns who they are talking to."""
    return Outcome(conv, [say(t("support-agent-joined", agent=ev.agent))])


def agent_joined_late(conv: Conversation, ev: fx.AgentJoined, ctx: Context) -> Result:
    """The citizen had already left the conversation: nothing to say."""
    return Outcome(conv, [])


def paused(conv: Conversation, ev: Event, ctx: Context) -> Result:
    """Anything else during the talk: the bot's own rows are paused (a button is stale)."""
    if isinstance(ev, ButtonPressed):
        return stale_button(conv, ev, ctx)
    return unexpected(conv, ev, ctx)


_BACK = (Step.MENU, Step.MEMBER)

ROWS: tuple[Transition, ...] = (
    row(Step.MENU, btn(Action.SUPPORT), Step.SUPPORT, open_support),
    row(Step.MEMBER, btn(Action.SUPPORT), Step.SUPPORT, open_support),
    row(Step.MENU, result(fx.TicketOpened), Step.SUPPORT_CHAT, ticket_opened),
    row(Step.MEMBER, result(fx.TicketOpened), Step.SUPPORT_CHAT, ticket_opened),
    row(Step.MENU, result(fx.TicketUnavailable), (), ticket_unavailable),
    row(Step.MEMBER, result(fx.TicketUnavailable), (), ticket_unavailable),
    row(Step.SUPPORT, btn(Action.BACK), Step.MENU, show_menu),
    row(None, result(fx.TicketClosed), _BACK, ticket_closed),
    row(None, result(fx.AgentJoined), (), agent_joined_late),
    # during the talk: only these rows apply (the catch-all keeps the global rows out)
    row(Step.SUPPORT_CHAT, TEXT, (), relay),
    row(Step.SUPPORT_CHAT, MEDIA, (), relay),
    row(Step.SUPPORT_CHAT, CONTACT, (), relay),
    row(Step.SUPPORT_CHAT, cmd(), (), relay),
    row(Step.SUPPORT_CHAT, btn(Action.END_TALK), _BACK, end_talk),
    row(Step.SUPPORT_CHAT, cmd("cancel"), _BACK, end_talk),
    row(Step.SUPPORT_CHAT, result(fx.TicketClosed), _BACK, ticket_closed),
    row(Step.SUPPORT_CHAT, result(fx.AgentJoined), (), agent_joined),
    row(Step.SUPPORT_CHAT, result(fx.AnalysisFinished), (), analysis_finished),
    row(Step.SUPPORT_CHAT, result(fx.ReviewDecided), (), review_decided),
    row(Step.SUPPORT_CHAT, ANY, (), paused),
)
