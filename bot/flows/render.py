"""Shows a flow's replies through the Messenger: texts and buttons through the Translator, a
reply that replaces a message edits it in place or, when that message is gone or too old to
edit, is sent anew; a blocked chat is never hidden by a fallback.

`Screen` holds what every audience shares; `CitizenScreen` adds the citizen's live screen
(bot.flows.live): the screen numbers its buttons carry, the tap answered in place, the
buttons taken off a screen the replies replace. The admin screen is in
bot.flows.admin_screen. Telegram-neutral.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import assert_never

from bot.flows import effects as fx
from bot.flows import live
from bot.flows.callbacks import CitizenTap
from bot.flows.core import (
    ButtonPressed,
    ContactKeyboard,
    InlineKeyboard,
    Keyboard,
    RemoveKeyboard,
    Reply,
    T,
    UserEvent,
)
from bot.flows.ports import (
    ContactRequest,
    InlineButton,
    InlineMarkup,
    Markup,
    MessageUnchanged,
    Messenger,
    MessengerError,
    Photo,
    RecipientUnavailable,
    RemoveReplyKeyboard,
)
from bot.i18n import Translator

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024
"""Telegram allows a photo's caption 1024 characters."""


class Screen:
    """One chat's messages as a flow shows them: what every audience's screen shares."""

    def __init__(self, messenger: Messenger, translator: Translator) -> None:
        self.messenger = messenger
        self.tr = translator

    def plain(self, lang: str, text: T) -> str:
        """A text without markup (a button's label, a toast)."""
        return self.tr.render(lang, text, for_html=False)

    async def edited(
        self, chat_id: int, message_id: int, text: str, markup: InlineMarkup | None
    ) -> bool:
        """Edits a message in place; False when it must be sent anew (gone, too old to edit).
        An unchanged message counts as shown; a chat that blocked the bot raises."""
        try:
            await self.messenger.edit_text(chat_id, message_id, text, markup=markup)
        except MessageUnchanged:
            pass
        except RecipientUnavailable:
            raise
        except MessengerError as error:  # gone, too old to edit: show it anew
            log.info("edit failed (%s): sending a new message", error.description)
            return False
        return True

    async def strip(self, chat_id: int, message_ids: tuple[int, ...]) -> None:
        """Removes the buttons of messages that were replaced (a message deleted or too old to
        edit keeps them; a flow refuses a tap on them anyway); a blocked chat raises."""
        for message_id in message_ids:
            try:
                await self.messenger.edit_markup(chat_id, message_id, None)
            except RecipientUnavailable:
                raise
            except MessengerError as error:
                log.info("could not remove a replaced screen's buttons: %s", error.description)


class CitizenScreen(Screen):
    """The citizen's chat, with its live screen kept in the conversation's message refs."""

    @staticmethod
    def arrange(
        screen: int,
        moved_on: bool,
        event: UserEvent | fx.Published,
        refs: dict[str, int],
        replies: list[Reply],
    ) -> tuple[int, list[Reply]]:
        """Numbers the screen the replies show (`screen`: the conversation's number, at least
        the one shown before the update; `moved_on`: its step changed), and decides where they
        go: a tap's answer of one screen edits the live screen in place; what the citizen sent
        sits under it."""
        if moved_on or any(isinstance(r.keyboard, InlineKeyboard) for r in replies):
            screen += 1  # the buttons shown so far no longer apply
        if isinstance(event, ButtonPressed):  # only taps on the live screen get this far
            return screen, live.in_place(replies, refs)
        if isinstance(event, UserEvent):
            live.said_below(refs)
        return screen, replies

    async def show(
        self, chat_id: int, lang: str, screen: int, refs: dict[str, int], replies: list[Reply]
    ) -> None:
        """Shows the replies of screen number `screen`. The live screen is edited in place when
        a reply says so; a screen the replies replace loses its buttons before they show."""
        current = live.LiveScreen.of(refs)
        if current.replaced_by(screen) and not any(r.edit == live.SCREEN for r in replies):
            await self.strip(chat_id, current.ids)
            current = live.LiveScreen()
        with_buttons: list[int] = []
        settled = sent_any = False
        for reply in replies:
            text = self.tr.lines(lang, reply.lines)
            markup = self.markup(reply.keyboard, lang, screen)
            shown = await self._edit(chat_id, refs, reply, text, markup)
            if shown is None:
                if reply.edit == live.SCREEN and current.ids:  # gone, too old: strip, resend
                    await self.strip(chat_id, current.ids)
                    current = live.LiveScreen()
                shown = await self._send(chat_id, reply, text, markup)
                sent_any = True
                settled = bool(with_buttons)  # under the buttons shown before it
            if reply.ref is not None:
                refs[reply.ref] = shown
            if isinstance(markup, InlineMarkup):
                with_buttons.append(shown)
                # an outcome edited into a message ("checking") stays as it is
                settled = reply.edit not in (None, live.SCREEN)
        if with_buttons:
            current = live.LiveScreen(tuple(with_buttons), screen, settled)
        elif sent_any:
            current = dataclasses.replace(current, settled=bool(current.ids))
        current.store(refs)

    async def _edit(
        self, chat_id: int, refs: dict[str, int], reply: Reply, text: str, markup: Markup | None
    ) -> int | None:
        """Edits the message the reply replaces; its id, or None when it must be sent anew."""
        if (
            reply.edit is None
            or reply.edit not in refs
            or not (markup is None or isinstance(markup, InlineMarkup))
            or reply.photo is not None
        ):
            return None
        message_id = refs[reply.edit]
        return message_id if await self.edited(chat_id, message_id, text, markup) else None

    async def _send(self, chat_id: int, reply: Reply, text: str, markup: Markup | None) -> int:
        if reply.photo is not None:
            photo = Photo(reply.photo, "image.png", text[:CAPTION_LIMIT])
            return await self.messenger.send_photo(chat_id, photo, markup=markup)
        return await self.messenger.send_text(chat_id, text, markup=markup)

    def markup(self, keyboard: Keyboard | None, lang: str, screen: int) -> Markup | None:
        """The keyboard in the citizen's language; its taps carry the screen number."""
        match keyboard:
            case InlineKeyboard(rows=rows):
                return InlineMarkup(
                    tuple(
                        tuple(
                            InlineButton(
                                self.plain(lang, b.label),
                                CitizenTap(b.action, b.arg, screen).pack(),
                            )
                            for b in row
                        )
                        for row in rows
                    )
                )
            case ContactKeyboard(button=button):
                return ContactRequest(self.plain(lang, button.label))
            case RemoveKeyboard():
                return RemoveReplyKeyboard()
            case None:
                return None
            case _:
                assert_never(keyboard)
