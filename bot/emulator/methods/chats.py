"""Chats, members and forum topics."""

from __future__ import annotations

from typing import Any

from bot.emulator.errors import (
    bad_request,
)
from bot.emulator.methods.base import NO_BODY, TOPIC_COLORS, ApiBase, Handler
from bot.emulator.params import Params
from bot.emulator.records import (
    BotMessage,
    ForumTopic,
)
from bot.emulator.state import ChatState


class ChatMethods(ApiBase):
    async def get_chat(self, params: Params) -> Any:
        chat = self.chat(params.chat_id())
        return {
            **chat.to_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def get_chat_member(self, params: Params) -> Any:
        chat = self.chat(params.chat_id())
        user_id = params.integer("user_id", required=True)
        assert user_id is not None
        if user_id == self.emu.bot_user.id:
            user_json = self.emu.bot_user.to_json()
            status = "administrator" if chat.type != "private" else "member"
        else:
            user = self.emu.users.get(user_id)
            if user is None:
                raise bad_request("user not found")
            user_json = user.to_json()
            if chat.type == "private":
                status = "member" if chat.id == user_id else "left"
            else:
                status = chat.members.get(user_id, "left")
        member: dict[str, Any] = {"status": status, "user": user_json}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                dict.fromkeys(
                    (
                        "can_be_edited",
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                        "can_send_welcome_messages",
                        "can_manage_topics",
                        "can_pin_messages",
                    ),
                    True,
                )
            )
            member["is_anonymous"] = False
            member["can_be_edited"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member

    # --- commands and menu -----------------------------------------------------------------

    def forum(self, params: Params) -> ChatState:
        chat = self.chat(params.chat_id())
        if chat.type != "supergroup" or not chat.is_forum:
            raise bad_request("the chat is not a forum")
        return chat

    def topic(self, chat: ChatState, params: Params) -> ForumTopic:
        thread_id = params.integer("message_thread_id", required=True)
        topic = chat.topics.get(thread_id or 0)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        return topic

    def topic_service(
        self, chat: ChatState, thread_id: int, service: str, body: dict[str, Any]
    ) -> BotMessage:
        return self.new_bot_message(
            chat,
            thread_id,
            body=NO_BODY,
            markup=None,
            extra={service: body},
            service=service,
        )

    async def create_forum_topic(self, params: Params) -> Any:
        chat = self.forum(params)
        name = params.text("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        color = params.integer("icon_color") or TOPIC_COLORS[0]
        if color not in TOPIC_COLORS:
            raise bad_request("TOPIC_ICON_COLOR_INVALID")
        emoji = params.text("icon_custom_emoji_id")
        thread_id = chat.last_message_id + 1
        topic = ForumTopic(
            message_thread_id=thread_id, name=name, icon_color=color, icon_custom_emoji_id=emoji
        )
        chat.topics[thread_id] = topic
        body: dict[str, Any] = {"name": name, "icon_color": color}
        if emoji:
            body["icon_custom_emoji_id"] = emoji
        self.topic_service(chat, thread_id, "forum_topic_created", body)
        return {"message_thread_id": thread_id, **body}

    async def edit_forum_topic(self, params: Params) -> Any:
        chat = self.forum(params)
        topic = self.topic(chat, params)
        name = params.text("name")
        emoji = params.values.get("icon_custom_emoji_id")
        changed: dict[str, Any] = {}
        if name is not None and name != topic.name:
            if len(name) > 128:
                raise bad_request("TOPIC_TITLE_TOO_LONG")
            changed["name"] = name
        if emoji is not None and (emoji or None) != topic.icon_custom_emoji_id:
            changed["icon_custom_emoji_id"] = emoji
        if not changed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.name = changed.get("name", topic.name)
        if "icon_custom_emoji_id" in changed:
            topic.icon_custom_emoji_id = changed["icon_custom_emoji_id"] or None
        self.topic_service(chat, topic.message_thread_id, "forum_topic_edited", changed)
        return True

    def _topic_closer(self, *, closed: bool) -> Handler:
        async def close_or_reopen(params: Params) -> Any:
            chat = self.forum(params)
            topic = self.topic(chat, params)
            if topic.closed == closed:
                raise bad_request("TOPIC_NOT_MODIFIED")
            topic.closed = closed
            service = "forum_topic_closed" if closed else "forum_topic_reopened"
            self.topic_service(chat, topic.message_thread_id, service, {})
            return True

        return close_or_reopen

    async def delete_forum_topic(self, params: Params) -> Any:
        chat = self.forum(params)
        topic = self.topic(chat, params)
        topic.deleted = True
        for message in chat.messages:
            if message.message_thread_id == topic.message_thread_id and not message.deleted:
                message.deleted = True
                self.emu.log_event(chat.id, "delete", message)
        return True
