"""aiogram's Bot API calls as JSON bodies (`bot.handlers.aiogram.session.JsonSession`): the
same fields as aiogram's form, files still uploaded as a form."""

from __future__ import annotations

import json

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.handlers.aiogram.session import JsonSession


def test_a_message_goes_as_the_fields_of_aiograms_form() -> None:
    session = JsonSession()
    bot = Bot("1:x", session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Family", callback_data="c:fam::3")]]
    )
    method = SendMessage(
        chat_id=5, text="<b>Menu</b>", reply_markup=markup, disable_notification=False
    )
    body, has_files = session.build_json(bot, method)
    form = {options["name"] for options, _, _ in session.build_form_data(bot, method)._fields}
    assert not has_files
    sent = json.loads(body)
    assert sent == {
        "chat_id": 5,
        "text": "<b>Menu</b>",
        "parse_mode": "HTML",
        "disable_notification": False,
        "reply_markup": {"inline_keyboard": [[{"text": "Family", "callback_data": "c:fam::3"}]]},
    }
    assert set(sent) == set(form)


def test_an_upload_keeps_aiograms_form() -> None:
    session = JsonSession()
    bot = Bot("1:x", session=session)
    method = SendPhoto(chat_id=5, photo=BufferedInputFile(b"png", "a.png"))
    assert session.build_json(bot, method)[1] is True
    assert session.build_json(bot, method)[0] is None  # not encoded for nothing
