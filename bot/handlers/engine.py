"""Runs the citizen flow for one chat: load the conversation, step it, carry out its commands,
render its replies with aiogram, save it.

This is where Telegram meets the pure flow: handlers turn updates into flow events and call
`ConversationEngine.feed`; job completions come in through `deliver`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.flows import citizen as flow
from bot.flows import effects as fx
from bot.flows.core import (
    Action,
    ContactKeyboard,
    InlineKeyboard,
    Keyboard,
    Notice,
    RemoveKeyboard,
    Reply,
    t,
)
from bot.i18n import Translator, language_from_telegram
from bot.locks import Locker
from bot.security import DecryptionError, Vault
from bot.services.citizens import Actor, CitizenService, utcnow
from bot.services.verification import VerificationService
from bot.storage.models import Citizen

if TYPE_CHECKING:
    from bot.handlers.agents import AgentDesk

log = logging.getLogger(__name__)

_MAX_RESULT_CHAIN = 8


class Cb(CallbackData, prefix="c"):
    """Callback data of every citizen button: the action, its argument, and the screen
    number it was shown on (taps on an older screen are answered, not acted on)."""

    a: Action
    v: str = ""
    s: int = 0


@dataclass(frozen=True)
class Toast:
    """The answer to a button tap, ready to send."""

    text: str
    alert: bool = False


class ConversationEngine:
    def __init__(
        self,
        bot: Bot,
        storage: BaseStorage,
        citizens: CitizenService,
        verification: VerificationService,
        translator: Translator,
        vault: Vault,
        *,
        default_language: str = "en",
        strict: bool = False,
        clock: Callable[[], datetime] = utcnow,
        locker: Locker | None = None,
    ) -> None:
        self.bot = bot
        self.storage = storage
        self.citizens = citizens
        self.verification = verification
        self.tr = translator
        self.vault = vault
        self.default_language = default_language
        self.strict = strict
        self.clock = clock
        self.locker = locker  # shared by every bot process (Redis); None: this process only
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self.desk: AgentDesk | None = None
        verification.deliver = self.deliver

    # ---------------------------------------------------------------------------------------

    def _lock(self, user_id: int) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[user_id] = lock
        return lock

    def _key(self, user_id: int) -> StorageKey:
        return StorageKey(bot_id=self.bot.id, chat_id=user_id, user_id=user_id)

    async def _load(self, user_id: int) -> tuple[flow.Conversation, dict[str, int]]:
        data = await self.storage.get_data(self._key(user_id))
        raw = dict(data.get("c") or {})
        enc = raw.pop("enc", {}) or {}
        conv = flow.Conversation.from_dict(raw)
        try:
            if enc.get("phone"):
                conv.phone = self.vault.decrypt(enc["phone"])
            if enc.get("draft_id"):
                conv.draft.id_number = self.vault.decrypt(enc["draft_id"])
        except DecryptionError:
            log.warning("conversation of a user could not be decrypted: starting over")
            conv = flow.Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen)
        return conv, dict(data.get("refs") or {})

    async def _save(self, user_id: int, conv: flow.Conversation, refs: dict[str, int]) -> None:
        raw = conv.to_dict()
        enc: dict[str, str] = {}
        if conv.phone:
            enc["phone"] = self.vault.encrypt(conv.phone)
        if conv.draft.id_number:
            enc["draft_id"] = self.vault.encrypt(conv.draft.id_number)
        raw["phone"] = ""
        raw["draft"]["id_number"] = ""
        raw["enc"] = enc
        await self.storage.set_data(self._key(user_id), {"c": raw, "refs": refs})

    # ---------------------------------------------------------------------------------------

    async def feed(
        self,
        *,
        user_id: int,
        event: object,
        language_code: str | None = None,
        screen: int | None = None,
    ) -> Toast | None:
        """Processes one event of a citizen's private chat. Returns the answer to a button
        tap, in the citizen's language, when the flow has one."""
        shared = self.locker.lock(f"citizen:{self.bot.id}:{user_id}") if self.locker else None
        async with self._lock(user_id), shared or contextlib.nullcontext():
            conv, refs = await self._load(user_id)
            if not conv.lang_chosen and conv.step is flow.Step.NEW:
                conv.lang = language_from_telegram(language_code, self.default_language)
            if screen is not None and screen != conv.screen:
                return self._toast(conv.lang, Notice(t("button-stale")))
            actor = Actor(telegram_user_id=user_id, language=conv.lang)
            replies: list[Reply] = []
            notice: Notice | None = None
            pending: list[object] = [event]
            chain = 0
            while pending and chain < _MAX_RESULT_CHAIN:
                current = pending.pop(0)
                chain += 1
                ctx = await self.citizens.load_context(
                    conv.citizen_id, now=self.clock(), entropy=secrets.randbits(31)
                )
                outcome = flow.step(conv, cast(flow.Event, current), ctx, strict=self.strict)
                conv = outcome.state
                replies += outcome.replies
                notice = notice or outcome.notice
                for command in outcome.commands:
                    answer = await self._execute(command, conv, actor)
                    if answer is not None:
                        pending.append(answer)
            if any(isinstance(r.keyboard, InlineKeyboard) for r in replies):
                conv.screen += 1
            try:
                await self._render(user_id, conv, refs, replies)
            finally:
                # the commands ran: the new state is kept even if showing it failed
                await self._save(user_id, conv, refs)
            return self._toast(conv.lang, notice) if notice is not None else None

    def _toast(self, lang: str, notice: Notice) -> Toast:
        return Toast(self.tr.render(lang, notice.text, for_html=False), notice.alert)

    async def language_of(self, user_id: int, language_code: str | None) -> str:
        conv, _ = await self._load(user_id)
        if conv.lang_chosen or conv.step is not flow.Step.NEW:
            return conv.lang
        return language_from_telegram(language_code, self.default_language)

    async def deliver(self, citizen_id: int, event: object) -> None:
        """Something happened outside the chat (an analysis finished, an agent decided or
        closed a ticket): feed it into the conversation of the citizen's Telegram user."""
        citizen = await Citizen.get_or_none(id=citizen_id)
        if citizen is None or citizen.telegram_user_id is None:
            return
        try:
            await self.feed(user_id=citizen.telegram_user_id, event=event)
        except TelegramForbiddenError:
            log.info(
                "citizen %s blocked the bot; outcome kept in the applications list", citizen_id
            )

    # ---------------------------------------------------------------------------------------

    async def _execute(
        self, command: object, conv: flow.Conversation, actor: Actor
    ) -> object | None:
        cid = conv.citizen_id
        match command:
            case fx.RecordPrivacyDecision(accepted=accepted):
                await self.citizens.record_privacy(actor, accepted)
            case fx.LookupPhone(phone=phone):
                return await self.citizens.lookup_phone(phone)
            case fx.SignIn(citizen_id=citizen_id):
                return await self.citizens.sign_in(actor, citizen_id)
            case fx.SignOut(reason=reason):
                await self.citizens.sign_out(actor, reason)
            case fx.RegisterCitizen():
                return await self.citizens.register(actor, command)
            case fx.SetLanguage(language=language) if cid is not None:
                await self.citizens.set_language(cid, language)
            case fx.AddMember() if cid is not None:
                return await self.citizens.add_member(cid, command)
            case fx.RemoveMember(member_id=member_id) if cid is not None:
                await self.citizens.remove_member(cid, member_id)
            case fx.GiveBiometricConsent() if cid is not None:
                await self.citizens.give_biometric_consent(cid, command)
            case fx.StartApplication() if cid is not None:
                return await self.citizens.start_application(cid, command)
            case fx.ShowEcard(member_id=member_id) if cid is not None:
                return await self.citizens.ecard(cid, member_id)
            case fx.SubmitReferencePhoto() if cid is not None:
                return await self.verification.accept_reference(cid, command, self._fetch)
            case fx.SubmitMedia() if cid is not None:
                return await self.verification.submit(cid, command, self._fetch)
            case fx.RequestHumanReview(application_id=app_id) if cid is not None:
                await self.verification.request_human_review(cid, app_id)
            case fx.OpenTicket(step=step):
                if self.desk is None:
                    return fx.TicketUnavailable("not_configured")
                return await self.desk.open_ticket(actor.telegram_user_id, cid, step)
            case fx.RelayToAgents(message_id=message_id) if self.desk is not None:
                await self.desk.relay_from_citizen(actor.telegram_user_id, message_id)
            case fx.CloseTicket() if self.desk is not None:
                await self.desk.close_from_citizen(actor.telegram_user_id)
            case fx.DeleteAccount(citizen_id=citizen_id):
                await self.citizens.delete_account(actor, citizen_id)
            case _:
                log.error("command %s cannot run in this state", type(command).__name__)
        return None

    async def _fetch(self, file_id: str, destination: Path) -> None:
        await self.bot.download(file_id, destination=destination)

    # ---------------------------------------------------------------------------------------

    async def _render(
        self, chat_id: int, conv: flow.Conversation, refs: dict[str, int], replies: list[Reply]
    ) -> None:
        for reply in replies:
            text = self.tr.lines(conv.lang, reply.lines)
            markup = self._markup(reply.keyboard, conv)
            if (
                reply.edit is not None
                and reply.edit in refs
                and not isinstance(markup, ReplyKeyboardMarkup | ReplyKeyboardRemove)
            ):
                try:
                    await self.bot.edit_message_text(
                        text=text, chat_id=chat_id, message_id=refs[reply.edit], reply_markup=markup
                    )
                    continue
                except TelegramBadRequest as exc:
                    if "not modified" in exc.message:
                        continue
                    log.info("edit failed (%s): sending a new message", exc.message)
            if reply.photo is not None:
                sent = await self.bot.send_photo(
                    chat_id,
                    BufferedInputFile(reply.photo, "image.png"),
                    caption=text[:1024],
                    reply_markup=markup,
                )
            else:
                sent = await self.bot.send_message(chat_id, text, reply_markup=markup)
            if reply.ref is not None:
                refs[reply.ref] = sent.message_id

    def _markup(
        self, keyboard: Keyboard | None, conv: flow.Conversation
    ) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
        lang = conv.lang
        match keyboard:
            case InlineKeyboard(rows=rows):
                return InlineKeyboardMarkup(
                    inline_keyboard=[
                        [
                            InlineKeyboardButton(
                                text=self.tr.render(lang, b.label, for_html=False),
                                callback_data=Cb(a=b.action, v=b.arg, s=conv.screen).pack(),
                            )
                            for b in row
                        ]
                        for row in rows
                    ]
                )
            case ContactKeyboard(button=button):
                return ReplyKeyboardMarkup(
                    keyboard=[
                        [
                            KeyboardButton(
                                text=self.tr.render(lang, button.label, for_html=False),
                                request_contact=button.request_contact,
                            )
                        ]
                    ],
                    resize_keyboard=True,
                    one_time_keyboard=True,
                )
            case RemoveKeyboard():
                return ReplyKeyboardRemove()
            case _:
                return None
