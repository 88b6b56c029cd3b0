"""The shared screen (bot/flows/render.py) as the admin screen uses it: an edit of a message that
is gone is sent anew, an unchanged one is left alone, a blocked chat is not hidden; and the
citizen screen's numbering of screens. The citizen's live screen is tested through its runner
in tests/flows/test_live_screen.py."""

from __future__ import annotations

import pytest

from bot.flows.admin.state import Button, Reply, Tap
from bot.flows.admin_screen import AdminScreen
from bot.flows.callbacks import AdminTap, parse
from bot.flows.core import Action, ButtonPressed, InlineKeyboard, TextSent, t
from bot.flows.core import Button as CitizenButton
from bot.flows.core import Reply as CitizenReply
from bot.flows.live import SCREEN, LiveScreen
from bot.flows.ports import InlineMarkup, MessageUnchanged, RecipientUnavailable
from bot.flows.render import CitizenScreen
from bot.i18n import Translator
from tests.messenger import RecordingMessenger

ADMIN = 77
TR = Translator()
SENDING = Reply((t("admin-broadcast-sending", count=3),), edit="confirm")


def _admin(messenger: RecordingMessenger) -> AdminScreen:
    return AdminScreen(messenger, TR)


async def test_an_admin_edit_replaces_the_text_and_drops_the_buttons() -> None:
    messenger = RecordingMessenger()
    screen = _admin(messenger)
    refs: dict[str, int] = {}
    offer = Reply(
        (t("btn-back"),), buttons=((Button("zh-CN", Tap.LANGUAGE, "zh-CN"),),), ref="confirm"
    )
    await screen.render(ADMIN, "en", refs, [offer])
    confirm = messenger.live(ADMIN)[0]
    assert isinstance(confirm.markup, InlineMarkup)
    tap = parse(confirm.markup.rows[0][0].data)
    assert tap == AdminTap(Tap.LANGUAGE.value, "zh-CN") and confirm.labels == ["zh-CN"]
    messenger.calls.clear()
    await screen.render(ADMIN, "en", refs, [SENDING])
    assert messenger.calls == ["edit_text"]
    assert confirm.text == "📣 Sending to 3 recipients…" and confirm.markup is None


@pytest.mark.parametrize("refs", [{"confirm": 9999}, {}], ids=["message-gone", "never-shown"])
async def test_an_admin_edit_without_its_message_is_sent_anew(refs: dict[str, int]) -> None:
    messenger = RecordingMessenger()
    await _admin(messenger).render(ADMIN, "en", refs, [SENDING])
    expected = ["edit_text", "send_text"] if refs else ["send_text"]
    assert messenger.calls == expected
    assert [m.text for m in messenger.live(ADMIN)] == ["📣 Sending to 3 recipients…"]


class Unchanged(RecordingMessenger):
    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: InlineMarkup | None = None
    ) -> None:
        self.calls.append("edit_text")
        raise MessageUnchanged("Bad Request: message is not modified")


async def test_an_unchanged_admin_message_is_not_sent_again() -> None:
    messenger = Unchanged()
    await _admin(messenger).render(ADMIN, "en", {"confirm": 5}, [SENDING])
    assert messenger.calls == ["edit_text"] and messenger.live(ADMIN) == []


class Blocked(RecordingMessenger):
    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: InlineMarkup | None = None
    ) -> None:
        raise RecipientUnavailable("Forbidden: bot was blocked by the user")


async def test_an_admin_who_blocked_the_bot_is_not_hidden_by_the_fallback() -> None:
    messenger = Blocked()
    with pytest.raises(RecipientUnavailable):
        await _admin(messenger).render(ADMIN, "en", {"confirm": 5}, [SENDING])
    assert messenger.live(ADMIN) == []  # not sent anew either


BACK = InlineKeyboard(((CitizenButton(t("btn-back"), Action.BACK),),))


def test_a_screen_number_moves_on_with_the_step_or_new_buttons_only() -> None:
    text = CitizenReply((t("help-text"),))
    buttons = CitizenReply((t("help-text"),), BACK)
    event = TextSent("hello", 1)
    assert CitizenScreen.arrange(4, False, event, {}, [text]) == (4, [text])
    assert CitizenScreen.arrange(4, True, event, {}, [text]) == (5, [text])
    assert CitizenScreen.arrange(4, False, event, {}, [buttons]) == (5, [buttons])


def test_a_tap_is_answered_in_place_and_a_typed_message_settles_the_screen() -> None:
    buttons = CitizenReply((t("help-text"),), BACK)
    refs: dict[str, int] = {}
    LiveScreen((10,), 4).store(refs)
    tap = ButtonPressed(Action.BACK, "")
    _, replies = CitizenScreen.arrange(4, False, tap, refs, [buttons])
    assert [r.edit for r in replies] == [SCREEN] and not LiveScreen.of(refs).settled
    _, replies = CitizenScreen.arrange(4, False, TextSent("hello", 2), refs, [buttons])
    assert [r.edit for r in replies] == [None] and LiveScreen.of(refs).settled
    _, replies = CitizenScreen.arrange(5, False, tap, refs, [buttons])  # settled: at the bottom
    assert [r.edit for r in replies] == [None]
