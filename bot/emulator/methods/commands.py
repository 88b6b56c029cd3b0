"""The bot's commands, texts and menu button."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.emulator.errors import (
    bad_request,
)
from bot.emulator.methods.base import _COMMAND_RE, _SCOPE_TYPES, ApiBase, Handler
from bot.emulator.params import Params


class CommandMethods(ApiBase):
    def _scope_and_language(self, params: Params) -> tuple[str, str]:
        scope = params.obj("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            chat = self.chat(scope["chat_id"])
            scope = {**scope, "chat_id": chat.id}
        if "user_id" in scope:
            scope = {**scope, "user_id": int(scope["user_id"])}
        language = params.text("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    async def set_my_commands(self, params: Params) -> Any:
        commands = params.obj("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too much commands")
        parsed: list[tuple[str, str]] = []
        for item in commands:
            command = str(item.get("command", "")) if isinstance(item, dict) else ""
            description = str(item.get("description", "")) if isinstance(item, dict) else ""
            if not _COMMAND_RE.fullmatch(command.removeprefix("/")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be non-empty")
            parsed.append((command.removeprefix("/"), description))
        key = self._scope_and_language(params)
        if parsed:
            self.emu.command_sets[key] = parsed
        else:
            self.emu.command_sets.pop(key, None)
        return True

    async def get_my_commands(self, params: Params) -> Any:
        key = self._scope_and_language(params)
        return [
            {"command": command, "description": description}
            for command, description in self.emu.command_sets.get(key, [])
        ]

    async def delete_my_commands(self, params: Params) -> Any:
        self.emu.command_sets.pop(self._scope_and_language(params), None)
        return True

    def _bot_text_setter(self, field: str) -> Handler:
        async def setter(params: Params) -> Any:
            language = params.text("language_code") or ""
            if language and not re.fullmatch(r"[a-z]{2}", language):
                raise bad_request("invalid language code specified")
            value = params.text(field) or ""
            self.emu.bot_texts[(field, language)] = value
            return True

        return setter

    def _bot_text_getter(self, field: str) -> Handler:
        async def getter(params: Params) -> Any:
            language = params.text("language_code") or ""
            default = self.emu.bot_user.first_name if field == "name" else ""
            return {field: self.emu.bot_texts.get((field, language), default)}

        return getter

    async def set_chat_menu_button(self, params: Params) -> Any:
        button = params.obj("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise bad_request("can't parse menu button JSON object")
        if params.has("chat_id"):
            self.chat(params.chat_id()).menu_button = button
        else:
            self.emu.default_menu_button = button
        return True

    async def get_chat_menu_button(self, params: Params) -> Any:
        if params.has("chat_id"):
            chat = self.chat(params.chat_id())
            if chat.menu_button is not None:
                return chat.menu_button
        return self.emu.default_menu_button

    # --- forum topics ----------------------------------------------------------------------
