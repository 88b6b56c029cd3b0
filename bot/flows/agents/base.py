"""What both halves of the agents' desk share: the group, the Messenger, the agents'
language, and edits or deletions that may find their message already gone."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.flows.core import T, t
from bot.flows.ports import (
    InlineMarkup,
    MessageUnchanged,
    Messenger,
    MessengerError,
    RateLimited,
    Unreachable,
)
from bot.i18n import Translator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Agent:
    user_id: int
    name: str


class DeskBase:
    def __init__(
        self, messenger: Messenger, chat_id: int, translator: Translator, language: str
    ) -> None:
        self.messenger = messenger
        self.chat_id = chat_id
        self.tr = translator
        self.lang = language

    def say(self, key: str, **params: str | int | T) -> str:
        """An HTML text in the agents' language."""
        return self.tr.render(self.lang, t(key, **params))

    def label(self, key: str, **params: str | int | T) -> str:
        """A plain text (button, toast, topic name) in the agents' language."""
        return self.tr.render(self.lang, t(key, **params), for_html=False)

    def has(self, key: str) -> bool:
        return self.tr.has(self.lang, key)

    async def edit(self, message_id: int, text: str, markup: InlineMarkup | None) -> None:
        try:
            await self.messenger.edit_text(self.chat_id, message_id, text, markup=markup)
        except MessageUnchanged:
            pass
        except (Unreachable, RateLimited):
            raise
        except MessengerError as error:
            log.info("a message in the agents' group could not be changed: %s", error.description)

    async def edit_markup(self, message_id: int, markup: InlineMarkup | None) -> None:
        try:
            await self.messenger.edit_markup(self.chat_id, message_id, markup)
        except (Unreachable, RateLimited):
            raise
        except MessengerError as error:
            log.info("a message in the agents' group could not be changed: %s", error.description)

    async def delete(self, message_id: int) -> None:
        try:
            await self.messenger.delete(self.chat_id, message_id)
        except (Unreachable, RateLimited):
            raise
        except MessengerError as error:  # already gone: what we wanted
            log.info("a message in the agents' group could not be deleted: %s", error.description)
