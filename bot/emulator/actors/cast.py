"""The world's cast: one simulated person or group per id."""

from __future__ import annotations

from bot.emulator.actors.group import Supergroup
from bot.emulator.actors.person import SimulatedUser
from bot.emulator.errors import EmulatorError
from bot.emulator.state import ChatState, UserInfo
from bot.emulator.world import World

DEFAULT_AGENT_ID = 20001
"""The agent the web chat writes as unless its header says otherwise."""


class Cast:
    """The world's simulated people and groups, one actor per id."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.agents: Supergroup | None = None
        self._actors: dict[int, SimulatedUser | Supergroup] = {}

    def user(
        self,
        user_id: int = 10001,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        phone_number: str | None = None,
    ) -> SimulatedUser:
        """The simulated person with this id (created once; given fields update it)."""
        if user_id <= 0:
            raise EmulatorError("user ids are positive")
        info = self.world.users.get(user_id)
        if info is None:
            info = UserInfo(id=user_id, first_name=first_name or f"User {user_id}")
            self.world.users[user_id] = info
        elif first_name is not None:
            info.first_name = first_name
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                setattr(info, key, value)
        chat = self.world.chats.get(user_id)
        if chat is None:
            chat = ChatState(id=user_id, type="private")
            self.world.chats[user_id] = chat
        chat.first_name, chat.last_name, chat.username = (
            info.first_name,
            info.last_name,
            info.username,
        )
        actor = self._actors.get(user_id)
        if not isinstance(actor, SimulatedUser):
            actor = SimulatedUser(self.world, info, chat)
            self._actors[user_id] = actor
        if phone_number is not None:
            actor.phone_number = phone_number
        return actor

    def supergroup(
        self,
        chat_id: int = -1001000000001,
        title: str = "Agents",
        is_forum: bool = True,
        username: str | None = None,
    ) -> Supergroup:
        """A supergroup the bot is an administrator of (idempotent per id)."""
        if chat_id >= 0:
            raise EmulatorError("supergroup ids are negative, e.g. -1001234567890")
        chat = self.world.chats.get(chat_id)
        if chat is None:
            chat = ChatState(
                id=chat_id, type="supergroup", title=title, is_forum=is_forum, username=username
            )
            self.world.chats[chat_id] = chat
        actor = self._actors.get(chat_id)
        if not isinstance(actor, Supergroup):
            actor = Supergroup(self.world, chat)
            self._actors[chat_id] = actor
        return actor
