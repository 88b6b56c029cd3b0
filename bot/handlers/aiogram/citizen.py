"""The citizens' private chat: Telegram updates in, flow events out."""

from __future__ import annotations

import dataclasses

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.filters.command import Command
from aiogram.types import CallbackQuery, Message

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


def _media(message: Message) -> MediaSent | None:
    if message.video_note:
        v = message.video_note
        return MediaSent(MediaKind.VIDEO_NOTE, v.file_id, v.file_size, v.duration, "video/mp4")
    if message.video:
        v2 = message.video
        return MediaSent(MediaKind.VIDEO, v2.file_id, v2.file_size, v2.duration, v2.mime_type)
    if message.animation:
        a = message.animation
        return MediaSent(MediaKind.ANIMATION, a.file_id, a.file_size, a.duration, a.mime_type)
    if message.photo:
        p = message.photo[-1]
        return MediaSent(MediaKind.PHOTO, p.file_id, p.file_size, None, "image/jpeg")
    if message.document:
        d = message.document
        return MediaSent(MediaKind.DOCUMENT, d.file_id, d.file_size, None, d.mime_type)
    if message.sticker:
        return MediaSent(MediaKind.STICKER, message.sticker.file_id)
    if message.voice:
        return MediaSent(
            MediaKind.VOICE, message.voice.file_id, message.voice.file_size, message.voice.duration
        )
    if message.audio:
        return MediaSent(
            MediaKind.AUDIO, message.audio.file_id, message.audio.file_size, message.audio.duration
        )
    return None


async def on_command(message: Message, command: CommandObject, runner: CitizenRunner) -> None:
    assert message.from_user is not None
    await runner.feed(
        user_id=message.from_user.id,
        event=CommandSent(command.command.lower(), command.args or "", message.message_id),
        language_code=message.from_user.language_code,
    )


async def on_contact(message: Message, runner: CitizenRunner) -> None:
    assert message.from_user is not None and message.contact is not None
    is_own = message.contact.user_id == message.from_user.id
    await runner.feed(
        user_id=message.from_user.id,
        event=ContactShared(message.contact.phone_number, is_own, message.message_id),
        language_code=message.from_user.language_code,
    )


async def on_text(message: Message, runner: CitizenRunner) -> None:
    assert message.from_user is not None and message.text is not None
    await runner.feed(
        user_id=message.from_user.id,
        event=TextSent(message.text, message.message_id),
        language_code=message.from_user.language_code,
    )


async def on_button(query: CallbackQuery, runner: CitizenRunner, translator: Translator) -> None:
    tap = parse(query.data)
    if not isinstance(tap, CitizenTap):
        # callback data we cannot read (forged, or from an older version of the bot)
        lang = await runner.language_of(query.from_user.id, query.from_user.language_code)
        await query.answer(translator.render(lang, t("button-stale"), for_html=False))
        return
    toast = await runner.feed(
        user_id=query.from_user.id,
        event=ButtonPressed(tap.action, tap.arg),
        language_code=query.from_user.language_code,
        screen=tap.screen,
    )
    if toast is None or not toast.text:
        await query.answer()
        return
    await query.answer(toast.text, show_alert=toast.alert)


async def on_other(message: Message, runner: CitizenRunner) -> None:
    """Media and anything else: videos for the liveness step, a re-prompt elsewhere."""
    assert message.from_user is not None
    media = _media(message) or MediaSent(MediaKind.OTHER, "")
    media = dataclasses.replace(media, message_id=message.message_id)
    await runner.feed(
        user_id=message.from_user.id, event=media, language_code=message.from_user.language_code
    )


def build_router() -> Router:
    """The private-chat router; a new one per dispatcher (a router belongs to one parent)."""
    router = Router(name="citizen")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(on_command, CommandStart())
    router.message.register(on_command, Command(*CITIZEN_COMMANDS[1:]))
    router.message.register(on_contact, F.contact)
    router.message.register(on_text, F.text)
    router.message.register(on_other)
    router.callback_query.register(on_button)
    return router
