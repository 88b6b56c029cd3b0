"""The aiogram Messenger's per-update calls (send a screen, edit it, strip its buttons): the
message id from the answer, Telegram's errors as the port's, through aiogram's session."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import ReplyParameters

from bot.flows.ports import (
    ContactRequest,
    InlineButton,
    InlineMarkup,
    Markup,
    MessageGone,
    MessageUnchanged,
    RateLimited,
    RecipientUnavailable,
    RemoveReplyKeyboard,
)
from bot.handlers.aiogram.calls import SentMessage
from bot.handlers.aiogram.messenger import AiogramMessenger, to_aiogram
from bot.handlers.aiogram.session import JsonSession

MENU = InlineMarkup(
    rows=tuple((InlineButton(f"Button {i}", f"c:b{i}::3"),) for i in range(6)),
)


class ScriptedSession(JsonSession):
    """Answers each call with the next scripted (status, body); keeps what was sent and what
    aiogram parsed the answer into."""

    def __init__(self, *answers: tuple[int, dict[str, Any]]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.parsed: list[object] = []

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> Any:
        body, _ = self.build_json(bot, method)
        self.sent.append((method.__api_method__, json.loads(body)))
        status, answer = self.answers.pop(0)
        result = self.check_response(
            bot=bot, method=method, status_code=status, content=json.dumps(answer)
        ).result
        self.parsed.append(result)
        return result


def message(message_id: int, chat_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """A message as the Bot API answers it, its keyboard included."""
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "C"},
        "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
        "text": body.get("text", ""),
        "reply_markup": body.get("reply_markup", {"inline_keyboard": []}),
    }


def failure(status: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    answer: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        answer["parameters"] = parameters
    return status, answer


def messenger(session: ScriptedSession) -> AiogramMessenger:
    bot = Bot("1:x", session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    return AiogramMessenger(bot)


async def test_a_screen_is_sent_and_edited_and_its_buttons_removed() -> None:
    answered = message(41, 5, {"text": "Menu", "reply_markup": {"inline_keyboard": []}})
    session = ScriptedSession((200, {"ok": True, "result": answered}))
    session.answers += [(200, {"ok": True, "result": answered})] * 2
    port = messenger(session)

    assert await port.send_text(5, "<b>Menu</b>", markup=MENU) == 41
    await port.edit_text(5, 41, "Family", markup=MENU)
    await port.edit_markup(5, 41, None)

    (send, body), (edit, edited), (strip, stripped) = session.sent
    assert (send, edit, strip) == ("sendMessage", "editMessageText", "editMessageReplyMarkup")
    assert body["parse_mode"] == "HTML" and body["text"] == "<b>Menu</b>"
    assert body["reply_markup"]["inline_keyboard"][5] == [
        {"text": "Button 5", "callback_data": "c:b5::3"}
    ]
    assert edited["message_id"] == 41 and len(edited["reply_markup"]["inline_keyboard"]) == 6
    assert stripped == {"chat_id": 5, "message_id": 41}
    # the answers were read no further than the message id
    assert all(isinstance(parsed, SentMessage) for parsed in session.parsed), session.parsed


async def test_an_edit_of_an_inline_message_is_answered_true() -> None:
    session = ScriptedSession((200, {"ok": True, "result": True}))
    await messenger(session).edit_text(5, 41, "Family")
    assert session.parsed == [True]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (failure(400, "Bad Request: message to edit not found"), MessageGone),
        (failure(400, "Bad Request: message can't be edited"), MessageGone),
        (failure(400, "Bad Request: message is not modified: specified new"), MessageUnchanged),
        (failure(403, "Forbidden: bot was blocked by the user"), RecipientUnavailable),
        (failure(429, "Too Many Requests: retry after 3", retry_after=3), RateLimited),
    ],
)
async def test_telegrams_errors_become_the_ports(
    answer: tuple[int, dict[str, Any]], error: type[Exception]
) -> None:
    port = messenger(ScriptedSession(answer, answer, answer))
    with pytest.raises(error):
        await port.send_text(5, "Menu", markup=MENU)
    with pytest.raises(error):
        await port.edit_text(5, 41, "Family", markup=MENU)
    with pytest.raises(error):
        await port.edit_markup(5, 41, None)


async def test_a_rate_limit_carries_the_wait() -> None:
    port = messenger(ScriptedSession(failure(429, "Too Many Requests", retry_after=7)))
    with pytest.raises(RateLimited) as raised:
        await port.send_text(5, "Menu")
    assert raised.value.retry_after == 7.0


@pytest.mark.parametrize(
    "markup",
    [MENU, ContactRequest("Share my phone"), RemoveReplyKeyboard(), None],
    ids=["buttons", "contact", "remove", "none"],
)
async def test_a_screen_goes_as_aiograms_own_send_message_would(markup: Markup | None) -> None:
    session = ScriptedSession((200, {"ok": True, "result": message(41, 5, {})}))
    await messenger(session).send_text(5, "Menu", markup=markup, reply_to=7)
    bot = Bot("1:x", session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    aiograms = SendMessage(
        chat_id=5,
        text="Menu",
        reply_markup=to_aiogram(markup),
        reply_parameters=ReplyParameters(message_id=7),
    )
    assert session.sent == [("sendMessage", session.build_payload(bot, aiograms)[0])]
