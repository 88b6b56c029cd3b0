"""The agents' forum supergroup in the page: topics, messages, posting as an agent."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.emulator.actors import SimulatedUser, Supergroup, command_entities
from bot.emulator.errors import EmulatorError
from bot.emulator.webchat.people import PeopleChat
from bot.emulator.webchat.views import _AGENT_ROLES, event_view, topics_view


class WebChat(PeopleChat):
    """Handlers of the page and of /chat/api/..., the agents' group included."""

    def group(self, data: Any) -> Supergroup:
        """The supergroup a call names by chat_id, else the emulator's agents' group."""
        raw = data.get("chat_id")
        if raw in (None, ""):
            if self.cast.agents is None:
                raise web.HTTPNotFound(text="no agents' group: start Emulator(agents_chat_id=...)")
            return self.cast.agents
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="chat_id must be a number") from None
        chat = self.emu.chats.get(chat_id)
        if chat is None or chat.type != "supergroup":
            raise web.HTTPNotFound(text=f"no supergroup {chat_id}")
        return self.cast.supergroup(chat_id)

    @staticmethod
    def thread(data: Any) -> int | None:
        raw = data.get("thread_id")
        if raw in (None, "", "null", "general"):
            return None
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="thread_id must be a number or empty") from None

    def agent(self, group: Supergroup, data: dict[str, Any]) -> SimulatedUser:
        """The writing agent, made a member (with `role`, if given) on first use."""
        agent = self.person(data)
        role = str(data.get("role") or "")
        if role and role not in _AGENT_ROLES:
            raise web.HTTPBadRequest(text=f"role must be one of {sorted(_AGENT_ROLES)}")
        if role or agent.id not in group.chat.members:
            group.add_member(agent, role or "member")
        return agent

    @staticmethod
    def group_sent(group: Supergroup) -> web.Response:
        return web.json_response({"ok": True, "topics": topics_view(group.topics)})

    async def group_topics(self, request: web.Request) -> web.Response:
        group = self.group(request.query)
        return web.json_response(
            {"chat_id": group.id, "title": group.title, "topics": topics_view(group.topics)}
        )

    async def group_events(self, request: web.Request) -> web.Response:
        """Long poll: every event of the group after `since`; messages carry their thread_id."""
        group = self.group(request.query)
        since, timeout = self.poll_window(request.query)
        found = await self.wait_events(group.id, since, timeout)
        return web.json_response(
            {
                "events": [event_view(e) for e in found],
                "next": len(self.emu.events),
                "topics": topics_view(group.topics),
            }
        )

    async def group_send(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        group = self.group(data)
        agent = self.agent(group, data)
        thread_id = self.thread(data)
        text = str(data.get("text") or "")
        if not text.strip():
            raise web.HTTPBadRequest(text="text is empty")
        try:
            group.check_member(agent, thread_id)
        except EmulatorError as error:
            raise web.HTTPConflict(text=str(error)) from None
        group.submit_message(
            agent.info, thread_id=thread_id, text=text, entities=command_entities(text)
        )
        return self.group_sent(group)

    async def group_press(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        group = self.group(data)
        agent = self.agent(group, data)
        try:
            group.submit_callback(agent.info, int(data["message_id"]), str(data["data"]))
        except (KeyError, TypeError, ValueError, EmulatorError) as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return self.group_sent(group)

    async def group_upload(self, request: web.Request) -> web.Response:
        fields, upload = await self.form(request)
        group = self.group(fields)
        agent = self.agent(group, fields)
        thread_id = self.thread(fields)
        try:
            group.check_member(agent, thread_id)
        except EmulatorError as error:
            raise web.HTTPConflict(text=str(error)) from None
        media, caption = self.media(agent, fields, upload)
        group.submit_message(
            agent.info, thread_id=thread_id, media=media, text=caption, caption=True
        )
        return self.group_sent(group)
