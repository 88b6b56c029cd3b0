"""The citizens' private chat under PTB: updates in, the same neutral events as the aiogram
router's out, fed to `CitizenRunner`."""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.flows.callbacks import CitizenTap, parse
from bot.flows.core import (
    ButtonPressed,
    CommandSent,
    ContactShared,
    MediaKind,
    MediaSent,
    TextSent,
    t,
)
from bot.flows.menus import CITIZEN_COMMANDS
from bot.flows.runner import CitizenRunner
from bot.i18n import Translator

# Only new messages (never edits), as aiogram's `router.message`.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

_MEDIA = (
    ("video_note", MediaKind.VIDEO_NOTE),
    ("video", MediaKind.VIDEO),
    ("animation", MediaKind.ANIMATION),
    ("document", MediaKind.DOCUMENT),
    ("sticker", MediaKind.STICKER),
    ("voice", MediaKind.VOICE),
    ("audio", MediaKind.AUDIO),
)


def _media(message: Message) -> MediaSent:
    """What the aiogram router reads, read from the message as Telegram sent it (a dict: PTB's
    duration attributes are changing type)."""
    raw: dict[str, Any] = message.to_dict()
    if message.photo:
        p = raw["photo"][-1]
        return MediaSent(MediaKind.PHOTO, p["file_id"], p.get("file_size"), None, "image/jpeg")
    for field, kind in _MEDIA:
        if field == "document" and "animation" in raw:
            continue
        item = raw.get(field)
        if item is None:
            continue
        mime = "video/mp4" if kind is MediaKind.VIDEO_NOTE else item.get("mime_type")
        if kind is MediaKind.STICKER:
            return MediaSent(kind, item["file_id"])
        if kind in (MediaKind.VOICE, MediaKind.AUDIO):
            return MediaSent(kind, item["file_id"], item.get("file_size"), item.get("duration"))
        duration = None if kind is MediaKind.DOCUMENT else item.get("duration")
        return MediaSent(kind, item["file_id"], item.get("file_size"), duration, mime)
    return MediaSent(MediaKind.OTHER, "")


def command_of(text: str) -> tuple[str, str]:
    """(the command as typed, without `/` and `@bot`; everything after it, as aiogram's
    `CommandObject.args`, or "")."""
    parts = text.split(maxsplit=1)
    name = parts[0][1:].split("@", 1)[0] if parts and parts[0].startswith("/") else ""
    return name, parts[1] if len(parts) > 1 else ""


class _LowerCaseCommand(filters.MessageFilter):
    """aiogram's command filters match a command as typed (`/MENU` is a text there); PTB's
    `CommandHandler` ignores case. This keeps the two runtimes equal."""

    def filter(self, message: Message) -> bool:
        name, _ = command_of(message.text or "")
        return name == name.lower()


AS_TYPED = _LowerCaseCommand()


def build_handlers(
    runner: CitizenRunner, translator: Translator
) -> list[BaseHandler[Any, Any, Any]]:
    async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.from_user is not None and message.text
        name, args = command_of(message.text)
        await runner.feed(
            user_id=message.from_user.id,
            event=CommandSent(name, args, message.message_id),
            language_code=message.from_user.language_code,
        )

    async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.from_user is not None
        assert message.contact is not None
        is_own = message.contact.user_id == message.from_user.id
        await runner.feed(
            user_id=message.from_user.id,
            event=ContactShared(message.contact.phone_number, is_own, message.message_id),
            language_code=message.from_user.language_code,
        )

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.from_user is not None and message.text
        await runner.feed(
            user_id=message.from_user.id,
            event=TextSent(message.text, message.message_id),
            language_code=message.from_user.language_code,
        )

    async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Media and anything else: videos for the liveness step, a re-prompt elsewhere."""
        message = update.message
        assert message is not None and message.from_user is not None
        media = dataclasses.replace(_media(message), message_id=message.message_id)
        await runner.feed(
            user_id=message.from_user.id, event=media, language_code=message.from_user.language_code
        )

    return [
        CommandHandler(list(CITIZEN_COMMANDS), on_command, filters=PRIVATE & AS_TYPED),
        MessageHandler(PRIVATE & filters.CONTACT, on_contact),
        MessageHandler(PRIVATE & filters.TEXT, on_text),
        MessageHandler(PRIVATE, on_other),
    ]


async def on_button(query: CallbackQuery, runner: CitizenRunner, translator: Translator) -> None:
    tap = parse(query.data)
    user = query.from_user
    if not isinstance(tap, CitizenTap):
        # callback data we cannot read (forged, or from an older version of the bot)
        lang = await runner.language_of(user.id, user.language_code)
        await query.answer(translator.render(lang, t("button-stale"), for_html=False))
        return
    toast = await runner.feed(
        user_id=user.id,
        event=ButtonPressed(tap.action, tap.arg),
        language_code=user.language_code,
        screen=tap.screen,
    )
    if toast is None or not toast.text:
        await query.answer()
        return
    await query.answer(toast.text, show_alert=toast.alert)
