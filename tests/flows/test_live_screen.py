"""The runner's choices for one live screen (bot/flows/live.py), with a recording messenger:
what is edited in place, what is sent anew, which buttons are removed, and when."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

import pytest

from bot.flows import citizen as flow
from bot.flows import effects as fx
from bot.flows.callbacks import CitizenTap, parse
from bot.flows.core import (
    Action,
    Button,
    ButtonPressed,
    CitizenView,
    CommandSent,
    Context,
    FlowConfig,
    InlineKeyboard,
    Reply,
    TextSent,
    t,
)
from bot.flows.live import SCREEN, LiveScreen
from bot.flows.ports import (
    InlineMarkup,
    MessageGone,
    MessengerError,
    RecipientUnavailable,
    Toast,
)
from bot.flows.runner import CitizenRunner
from bot.i18n import Translator
from tests.messenger import RecordingMessenger, Sent
from tests.store import MemoryStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
USER = 4242
TR = Translator()


class Citizens:
    """The part of the citizen service these steps need: a signed-in citizen, no members."""

    async def load_context(self, citizen_id: int | None, *, now: datetime, entropy: int) -> Context:
        citizen = (
            CitizenView(1, "Wang Xiaoming", "110***", date(1985, 6, 12), "h", False, ())
            if citizen_id is not None
            else None
        )
        return Context(now=now, config=FlowConfig(), citizen=citizen, entropy=entropy)

    async def sign_out(self, actor: Any, reason: str = "") -> None:
        return None

    async def delete_account(self, actor: Any, citizen_id: int) -> None:
        return None


class Chat:
    def __init__(self, messenger: RecordingMessenger | None = None) -> None:
        self.messenger = messenger or RecordingMessenger()
        self.store = MemoryStore()
        self.runner = CitizenRunner(
            bot_id=1,
            messenger=self.messenger,
            store=self.store,
            citizens=cast(Any, Citizens()),
            verification=cast(Any, None),
            translator=TR,
            vault=cast(Any, None),  # no phone or ID number in these conversations
            strict=True,
            clock=lambda: NOW,
        )
        conv = flow.Conversation(
            step=flow.Step.MENU,
            privacy_accepted=True,
            citizen_id=1,
            last_active=NOW.isoformat(),
            lang_chosen=True,
        )
        self.store.docs[("citizen", USER)] = {"c": conv.to_dict(), "refs": {}}

    @property
    def conv(self) -> flow.Conversation:
        return flow.Conversation.from_dict(self.store.docs[("citizen", USER)]["c"])

    @property
    def refs(self) -> dict[str, int]:
        return dict(self.store.docs[("citizen", USER)]["refs"])

    def newest(self) -> Sent:
        return self.messenger.live(USER)[-1]

    async def type(self, text: str) -> list[str]:
        self.messenger.calls.clear()
        if text.startswith("/"):
            await self.runner.feed(user_id=USER, event=CommandSent(text[1:], "", 7))
        else:
            await self.runner.feed(user_id=USER, event=TextSent(text, 7))
        return list(self.messenger.calls)

    async def tap(self, label_key: str, on: Sent | None = None) -> tuple[list[str], Toast | None]:
        """Taps the button with that label on `on` (default: the newest message)."""
        message = on or self.newest()
        tap = parse(message.data_of(TR("en", label_key, for_html=False)))
        assert isinstance(tap, CitizenTap)
        self.messenger.calls.clear()
        toast = await self.runner.feed(
            user_id=USER, event=ButtonPressed(tap.action, tap.arg), screen=tap.screen
        )
        return list(self.messenger.calls), toast

    async def notify(self, event: fx.Published) -> list[str]:
        self.messenger.calls.clear()
        await self.runner.feed(user_id=USER, event=event)
        return list(self.messenger.calls)


async def test_a_tap_answered_by_one_screen_edits_the_live_screen() -> None:
    chat = Chat()
    assert await chat.type("/menu") == ["send_text"]
    menu = chat.newest()
    assert chat.refs[SCREEN] == menu.message_id
    calls, toast = await chat.tap("btn-family")
    assert calls == ["edit_text"] and toast is None
    assert chat.newest() is menu and chat.conv.step is flow.Step.FAMILY
    number = chat.conv.screen
    assert {tap.screen for tap in _taps(menu)} == {number}  # the edit carries the new number
    calls, _ = await chat.tap("btn-back")
    assert calls == ["edit_text"] and chat.newest() is menu and chat.conv.screen == number + 1


def _taps(message: Sent) -> list[CitizenTap]:
    assert isinstance(message.markup, InlineMarkup)
    taps = [parse(b.data) for row in message.markup.rows for b in row]
    return [tap for tap in taps if isinstance(tap, CitizenTap)]


async def test_a_typed_message_is_answered_at_the_bottom_and_the_old_screen_stripped_first() -> (
    None
):
    chat = Chat()
    await chat.type("/menu")
    menu = chat.newest()
    # the old screen loses its buttons before the hint and the new screen are sent
    assert await chat.type("hello") == ["edit_markup", "send_text", "send_text"]
    assert menu.markup is None
    assert chat.newest() is not menu and chat.refs[SCREEN] == chat.newest().message_id
    assert LiveScreen.of(chat.refs).settled is False


async def test_a_tap_on_a_replaced_screen_is_refused_and_changes_nothing() -> None:
    chat = Chat()
    await chat.type("/menu")
    old = chat.newest()
    stale = parse(old.data_of(TR("en", "btn-family", for_html=False)))
    await chat.type("/menu")
    before = (chat.conv, chat.refs)
    assert isinstance(stale, CitizenTap)
    chat.messenger.calls.clear()
    toast = await chat.runner.feed(
        user_id=USER, event=ButtonPressed(stale.action, stale.arg), screen=stale.screen
    )
    assert toast is not None and toast.text == TR("en", "button-stale", for_html=False)
    assert chat.messenger.calls == [] and (chat.conv, chat.refs) == before


async def test_a_notice_under_the_screen_keeps_it_live_and_the_next_tap_answers_below() -> None:
    chat = Chat()
    await chat.type("/menu")
    menu = chat.newest()
    decided = fx.ReviewDecided(application_id=1, member_id=1, outcome="approved")
    assert await chat.notify(decided) == ["send_text"]  # a note, the step unchanged
    assert menu.markup is not None  # the menu still works: nothing replaced it
    assert LiveScreen.of(chat.refs).settled
    calls, _ = await chat.tap("btn-family", on=menu)
    assert calls == ["edit_markup", "send_text"]  # not edited above the note: a new screen
    assert menu.markup is None and chat.conv.step is flow.Step.FAMILY


async def test_what_the_citizen_types_under_the_screen_keeps_the_next_tap_at_the_bottom() -> None:
    chat = Chat()
    await chat.type("/menu")
    await chat.tap("btn-family")
    await chat.tap("btn-add-member")
    prompt = chat.newest()
    assert chat.conv.step is flow.Step.ADD_NAME and not LiveScreen.of(chat.refs).settled
    assert await chat.type("12345") == ["send_text"]  # a name it refuses: a note, same step
    assert prompt.markup is not None and LiveScreen.of(chat.refs).settled
    calls, _ = await chat.tap("btn-back", on=prompt)
    assert calls == ["edit_markup", "send_text"]  # below what they typed, not above it
    assert prompt.markup is None and chat.conv.step is flow.Step.FAMILY
    calls, _ = await chat.tap("btn-back")
    assert calls == ["edit_text"]  # nothing under the new screen: edited in place again


async def test_a_step_change_without_buttons_strips_the_screen() -> None:
    chat = Chat()
    await chat.type("/menu")
    menu = chat.newest()
    calls, _ = await chat.tap("btn-delete-data")
    assert calls == ["edit_text"]
    calls, _ = await chat.tap("btn-delete-confirm")
    # the account is gone: its last screen loses its buttons, the farewell is a new message
    assert calls[0] == "edit_markup" and "send_text" in calls
    assert menu.markup is None


async def test_logging_out_keeps_counting_screens() -> None:
    """A new conversation after logging out does not start again at screen 0, where a
    forgotten button of the first screens would work again."""
    chat = Chat()
    await chat.type("/menu")
    await chat.tap("btn-family")
    await chat.tap("btn-back")
    before = chat.conv.screen
    await chat.type("/logout")
    assert chat.conv.step is flow.Step.SIGN_IN and chat.conv.screen > before


class FailingEdits(RecordingMessenger):
    def __init__(self, edit_error: MessengerError, strip_error: MessengerError | None) -> None:
        super().__init__()
        self.edit_error = edit_error
        self.strip_error = strip_error

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: InlineMarkup | None = None
    ) -> None:
        self.calls.append("edit_text")
        raise self.edit_error

    async def edit_markup(self, chat_id: int, message_id: int, markup: InlineMarkup | None) -> None:
        if self.strip_error is not None:
            self.calls.append("edit_markup")
            raise self.strip_error
        await super().edit_markup(chat_id, message_id, markup)


@pytest.mark.parametrize(
    ("edit_error", "strip_error"),
    [
        (MessengerError("Bad Request: message can't be edited"), None),
        (MessageGone("Bad Request: message to edit not found"), MessageGone("not found")),
        (MessengerError("Bad Request: message can't be edited"), MessengerError("too old")),
    ],
    ids=["too-old", "deleted", "nothing-works"],
)
async def test_an_edit_that_fails_is_sent_anew_and_the_old_screen_stripped(
    edit_error: MessengerError, strip_error: MessengerError | None
) -> None:
    chat = Chat(FailingEdits(edit_error, strip_error))
    await chat.type("/menu")
    menu = chat.newest()
    calls, toast = await chat.tap("btn-family")
    assert calls == ["edit_text", "edit_markup", "send_text"] and toast is None
    assert chat.newest() is not menu and chat.refs[SCREEN] == chat.newest().message_id
    if strip_error is None:
        assert menu.markup is None


async def test_a_blocked_citizen_is_not_hidden_by_the_edit_or_the_strip() -> None:
    blocked = RecipientUnavailable("Forbidden: bot was blocked by the user")
    chat = Chat(FailingEdits(blocked, None))
    await chat.type("/menu")
    with pytest.raises(RecipientUnavailable):
        await chat.tap("btn-family")
    chat = Chat(FailingEdits(MessengerError("x"), blocked))
    await chat.type("/menu")
    with pytest.raises(RecipientUnavailable):
        await chat.type("hello")


async def test_two_screens_shown_together_are_live_together_and_replaced_together() -> None:
    chat = Chat()
    conv = chat.conv
    offer = InlineKeyboard(((Button(t("btn-support"), Action.SUPPORT),),))
    back = InlineKeyboard(((Button(t("btn-back"), Action.BACK),),))
    refs: dict[str, int] = {}
    conv.screen = 3
    both = [Reply((t("locked-offer"),), offer), Reply((t("menu-title", name="W"),), back)]
    await chat.runner._render(USER, conv, refs, both)
    first, second = chat.messenger.live(USER)
    assert LiveScreen.of(refs) == LiveScreen((first.message_id, second.message_id), 3)
    conv.screen = 4
    chat.messenger.calls.clear()
    await chat.runner._render(USER, conv, refs, [Reply((t("help-text"),), back)])
    assert chat.messenger.calls == ["edit_markup", "edit_markup", "send_text"]
    assert first.markup is None and second.markup is None
    assert LiveScreen.of(refs).ids == (chat.newest().message_id,)


def test_the_live_screen_round_trips_through_the_refs() -> None:
    refs = {"checking": 5}
    LiveScreen((10, 11, 12), 7, settled=True).store(refs)
    assert LiveScreen.of(refs) == LiveScreen((10, 11, 12), 7, settled=True)
    LiveScreen((13,), 8).store(refs)
    assert refs == {"checking": 5, SCREEN: 13, "screen.number": 8}
    LiveScreen().store(refs)
    assert refs == {"checking": 5}
    assert LiveScreen.of({}) == LiveScreen()
