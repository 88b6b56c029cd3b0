"""The Bot API methods, with Telegram's semantics and error texts, one module per area."""

from __future__ import annotations

from bot.emulator.files import guess_extension, image_size
from bot.emulator.methods.base import Handler
from bot.emulator.methods.chats import ChatMethods
from bot.emulator.methods.commands import CommandMethods
from bot.emulator.methods.edits import EditMethods
from bot.emulator.methods.media import MediaMethods
from bot.emulator.methods.messages import MessageMethods
from bot.emulator.methods.updates import UpdateMethods
from bot.emulator.webhooks import WebhookDelivery
from bot.emulator.world import World

__all__ = ["BotApi", "guess_extension", "image_size"]


class BotApi(UpdateMethods, MessageMethods, MediaMethods, EditMethods, ChatMethods, CommandMethods):
    """Implements each Bot API method against the emulator's state."""

    def __init__(self, world: World, webhooks: WebhookDelivery) -> None:
        super().__init__(world, webhooks)
        self.handlers: dict[str, Handler] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self.get_me,
                "getUpdates": self.get_updates,
                "setWebhook": self.set_webhook,
                "deleteWebhook": self.delete_webhook,
                "getWebhookInfo": self.get_webhook_info,
                "logOut": self.log_out,
                "close": self.log_out,
                "sendMessage": self.send_message,
                "editMessageText": self.edit_message_text,
                "editMessageCaption": self.edit_message_caption,
                "editMessageReplyMarkup": self.edit_message_reply_markup,
                "deleteMessage": self.delete_message,
                "answerCallbackQuery": self.answer_callback_query,
                "sendPhoto": self._media_sender("photo"),
                "sendVideo": self._media_sender("video"),
                "sendVideoNote": self._media_sender("video_note"),
                "sendDocument": self._media_sender("document"),
                "sendAudio": self._media_sender("audio"),
                "sendVoice": self._media_sender("voice"),
                "sendAnimation": self._media_sender("animation"),
                "sendMediaGroup": self.send_media_group,
                "sendChatAction": self.send_chat_action,
                "getFile": self.get_file,
                "copyMessage": self.copy_message,
                "forwardMessage": self.forward_message,
                "getChat": self.get_chat,
                "getChatMember": self.get_chat_member,
                "setMyCommands": self.set_my_commands,
                "getMyCommands": self.get_my_commands,
                "deleteMyCommands": self.delete_my_commands,
                "setMyDescription": self._bot_text_setter("description"),
                "getMyDescription": self._bot_text_getter("description"),
                "setMyShortDescription": self._bot_text_setter("short_description"),
                "getMyShortDescription": self._bot_text_getter("short_description"),
                "setMyName": self._bot_text_setter("name"),
                "getMyName": self._bot_text_getter("name"),
                "setChatMenuButton": self.set_chat_menu_button,
                "getChatMenuButton": self.get_chat_menu_button,
                "createForumTopic": self.create_forum_topic,
                "editForumTopic": self.edit_forum_topic,
                "closeForumTopic": self._topic_closer(closed=True),
                "reopenForumTopic": self._topic_closer(closed=False),
                "deleteForumTopic": self.delete_forum_topic,
            }.items()
        }
