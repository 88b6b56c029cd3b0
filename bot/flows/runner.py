"""Runs the citizen flow for one chat: load the conversation, lock it, step it, carry out its
commands through the services, feed their results back, show the replies, save it.

Telegram-neutral: an adapter turns updates into events and calls `CitizenRunner.feed`; the
replies go out through a `Messenger`; notifications from services (an analysis finished, an
agent decided or closed a ticket) come in through `notify`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, assert_never

from bot.flows import citizen as flow
from bot.flows import effects as fx
from bot.flows.citizen_ports import Actor, Citizens, Verification
from bot.flows.core import Notice, Reply, UserEvent, t
from bot.flows.ports import (
    ConversationStore,
    ForCitizen,
    Messenger,
    MessengerError,
    Notification,
    RecipientUnavailable,
    Toast,
)
from bot.flows.render import CitizenScreen
from bot.flows.user_locks import UserLocks
from bot.i18n import Translator, language_from_telegram
from bot.locks import Locker, held
from bot.security import DecryptionError, Vault
from bot.services.citizens import utcnow
from bot.services.erasure import GroupTraces

log = logging.getLogger(__name__)

SCOPE = "citizen"
_MAX_RESULT_CHAIN = 8

CitizenInput = UserEvent | fx.Published
_Sealed = dict[str, tuple[str, str]]  # field -> (plain text, its stored ciphertext)


class SupportDesk(Protocol):
    """The agents' side of a support ticket, as the citizen's conversation needs it."""

    async def open_ticket(
        self, user_id: int, citizen_id: int | None, step: str
    ) -> fx.TicketOpened | fx.TicketUnavailable: ...

    async def relay_from_citizen(self, user_id: int, message_id: int) -> None: ...

    async def close_from_citizen(self, user_id: int) -> None: ...

    async def erase_citizen(self, traces: GroupTraces) -> None:
        """The citizen deleted their data (or removed a member): their review cards and
        ticket topics become a neutral note, the messages that show them are deleted."""
        ...


class CitizenRunner:
    def __init__(
        self,
        *,
        bot_id: int,
        messenger: Messenger,
        store: ConversationStore,
        citizens: Citizens,
        verification: Verification,
        translator: Translator,
        vault: Vault,
        desk: SupportDesk | None = None,
        default_language: str = "en",
        strict: bool = False,
        clock: Callable[[], datetime] = utcnow,
        locker: Locker | None = None,
    ) -> None:
        self.bot_id = bot_id
        self.messenger = messenger
        self.store = store
        self.citizens = citizens
        self.verification = verification
        self.screen = CitizenScreen(messenger, translator)
        self.vault = vault
        self.desk = desk
        self.default_language = default_language
        self.strict = strict
        self.clock = clock
        self.locker = locker  # shared by every bot process (Redis); None: this process only
        self._lock = UserLocks()

    # ------------------------------------------------------------------------ state at rest

    async def _load(self, user_id: int) -> tuple[flow.Conversation, dict[str, int]]:
        conv, refs, _ = self._unseal(await self.store.load(SCOPE, user_id))
        return conv, refs

    def _unseal(
        self, data: dict[str, Any] | None
    ) -> tuple[flow.Conversation, dict[str, int], _Sealed]:
        """The conversation, its message refs, and its encrypted fields as stored (so that
        saving an unchanged field costs no encryption)."""
        data = data or {}
        raw: dict[str, Any] = dict(data.get("c") or {})
        enc: dict[str, str] = raw.pop("enc", {}) or {}
        conv = flow.Conversation.from_dict(raw)
        sealed: _Sealed = {}
        try:
            if enc.get("phone"):
                conv.phone = self.vault.decrypt(enc["phone"])
                sealed["phone"] = (conv.phone, enc["phone"])
            if enc.get("draft_id"):
                conv.draft.id_number = self.vault.decrypt(enc["draft_id"])
                sealed["draft_id"] = (conv.draft.id_number, enc["draft_id"])
        except DecryptionError:
            log.warning("conversation of a user could not be decrypted: starting over")
            conv = flow.Conversation(lang=conv.lang, lang_chosen=conv.lang_chosen)
            sealed = {}
        return conv, dict(data.get("refs") or {}), sealed

    def _seal(self, sealed: _Sealed, name: str, value: str) -> str:
        known = sealed.get(name)
        if known is not None and known[0] == value:
            return known[1]
        return self.vault.encrypt(value)

    def _sealed(
        self, conv: flow.Conversation, refs: dict[str, int], sealed: _Sealed
    ) -> dict[str, Any]:
        """The document to store: the phone and a draft's ID number only encrypted."""
        raw = conv.to_dict()
        enc: dict[str, str] = {}
        if conv.phone:
            enc["phone"] = self._seal(sealed, "phone", conv.phone)
        if conv.draft.id_number:
            enc["draft_id"] = self._seal(sealed, "draft_id", conv.draft.id_number)
        raw["phone"] = ""
        raw["draft"]["id_number"] = ""
        raw["enc"] = enc
        return {"c": raw, "refs": refs}

    # ------------------------------------------------------------------------------ feeding

    async def feed(
        self,
        *,
        user_id: int,
        event: CitizenInput,
        language_code: str | None = None,
        screen: int | None = None,
    ) -> Toast | None:
        """Processes one event of a citizen's private chat. Returns the answer to a button
        tap, in the citizen's language, when the flow has one."""
        key = f"citizen:{self.bot_id}:{user_id}"
        async with self._lock(user_id), held(self.store, SCOPE, user_id, self.locker, key) as doc:
            conv, refs, sealed = self._unseal(doc.data)
            if not conv.lang_chosen and conv.step is flow.Step.NEW:
                conv.lang = language_from_telegram(language_code, self.default_language)
            if screen is not None and screen != conv.screen:
                return self._toast(conv.lang, Notice(t("button-stale")))
            shown_screen, shown_step = conv.screen, conv.step
            actor = Actor(telegram_user_id=user_id, language=conv.lang)
            replies: list[Reply] = []
            notice: Notice | None = None
            pending: list[CitizenInput | fx.CommandResult] = [event]
            erased = False
            chain = 0
            while pending and chain < _MAX_RESULT_CHAIN:
                current = pending.pop(0)
                chain += 1
                ctx = await self.citizens.load_context(
                    conv.citizen_id, now=self.clock(), entropy=secrets.randbits(31)
                )
                outcome = flow.step(conv, current, ctx, strict=self.strict)
                conv = outcome.state
                replies += outcome.replies
                notice = notice or outcome.notice
                for command in outcome.commands:
                    erased = erased or isinstance(command, fx.DeleteAccount)
                    answer = await self._execute(command, conv, actor)
                    if answer is not None:
                        pending.append(answer)
            # a new conversation (after logging out) keeps counting: older buttons stay stale
            conv.screen, replies = self.screen.arrange(
                max(conv.screen, shown_screen), conv.step is not shown_step, event, refs, replies
            )
            try:
                await self._render(user_id, conv, refs, replies)
            finally:
                # the commands ran: the new state is kept even if showing it failed; after
                # a deletion nothing is kept (the next message starts a new conversation)
                await doc.save(None if erased else self._sealed(conv, refs, sealed))
            return self._toast(conv.lang, notice) if notice is not None else None

    def _toast(self, lang: str, notice: Notice) -> Toast:
        return Toast(self.screen.plain(lang, notice.text), notice.alert)

    async def language_of(self, user_id: int, language_code: str | None) -> str:
        conv, _ = await self._load(user_id)
        if conv.lang_chosen or conv.step is not flow.Step.NEW:
            return conv.lang
        return language_from_telegram(language_code, self.default_language)

    async def notify(self, notification: Notification) -> None:
        """Something happened outside the chat: feed it into the citizen's conversation."""
        if not isinstance(notification, ForCitizen):
            return
        user_id = notification.telegram_user_id
        if user_id is None and notification.citizen_id is not None:
            user_id = await self.citizens.telegram_user_of(notification.citizen_id)
        if user_id is None:
            return
        try:
            await self.feed(user_id=user_id, event=notification.event)
        except RecipientUnavailable:
            log.info("a citizen blocked the bot; the outcome stays in the applications list")

    # ----------------------------------------------------------------------------- commands

    async def _execute(
        self, command: fx.CitizenCommand, conv: flow.Conversation, actor: Actor
    ) -> fx.CommandResult | None:
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
            case fx.DeleteAccount(citizen_id=citizen_id):
                # the agents' group first: if Telegram fails, the update fails before any row
                # is gone and a redelivery finds every trace again
                if self.desk is not None:
                    traces = await self.citizens.group_traces(actor, citizen_id)
                    await self.desk.erase_citizen(traces)
                await self.citizens.delete_account(actor, citizen_id)
            case fx.DeleteMessage(message_id=message_id):
                try:
                    await self.messenger.delete(actor.telegram_user_id, message_id)
                except MessengerError as error:
                    log.info("could not delete a message: %s", error.description)
            case fx.OpenTicket(step=step):
                if self.desk is None:
                    return fx.TicketUnavailable("not_configured")
                return await self.desk.open_ticket(actor.telegram_user_id, cid, step)
            case fx.RelayToAgents(message_id=message_id):
                if self.desk is not None:
                    await self.desk.relay_from_citizen(actor.telegram_user_id, message_id)
            case fx.CloseTicket():
                if self.desk is not None:
                    await self.desk.close_from_citizen(actor.telegram_user_id)
            case (
                fx.SetLanguage()
                | fx.AddMember()
                | fx.RemoveMember()
                | fx.GiveBiometricConsent()
                | fx.StartApplication()
                | fx.ShowEcard()
                | fx.SubmitReferencePhoto()
                | fx.SubmitMedia()
                | fx.RequestHumanReview()
            ):
                if cid is None:
                    log.error("%s needs a signed-in citizen", type(command).__name__)
                    return None
                return await self._execute_signed_in(command, cid)
            case _:
                assert_never(command)
        return None

    async def _execute_signed_in(
        self,
        command: fx.SetLanguage
        | fx.AddMember
        | fx.RemoveMember
        | fx.GiveBiometricConsent
        | fx.StartApplication
        | fx.ShowEcard
        | fx.SubmitReferencePhoto
        | fx.SubmitMedia
        | fx.RequestHumanReview,
        cid: int,
    ) -> fx.CommandResult | None:
        match command:
            case fx.SetLanguage(language=language):
                await self.citizens.set_language(cid, language)
            case fx.AddMember():
                return await self.citizens.add_member(cid, command)
            case fx.RemoveMember(member_id=member_id):
                if self.desk is not None:  # the member's review cards, as for an account
                    await self.desk.erase_citizen(await self.citizens.member_traces(cid, member_id))
                await self.citizens.remove_member(cid, member_id)
            case fx.GiveBiometricConsent():
                await self.citizens.give_biometric_consent(cid, command)
            case fx.StartApplication():
                return await self.citizens.start_application(cid, command)
            case fx.ShowEcard(member_id=member_id):
                return await self.citizens.ecard(cid, member_id)
            case fx.SubmitReferencePhoto():
                return await self.verification.accept_reference(cid, command)
            case fx.SubmitMedia():
                return await self.verification.submit(cid, command)
            case fx.RequestHumanReview(application_id=app_id):
                await self.verification.request_human_review(cid, app_id)
            case _:
                assert_never(command)
        return None

    # ------------------------------------------------------------------------------ showing

    async def _render(
        self, chat_id: int, conv: flow.Conversation, refs: dict[str, int], replies: list[Reply]
    ) -> None:
        """Shows the replies (bot.flows.render): the end of the update's critical section."""
        await self.screen.show(chat_id, conv.lang, conv.screen, refs, replies)
