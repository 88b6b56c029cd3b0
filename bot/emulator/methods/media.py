"""Photos, videos and documents: sending, albums, getFile."""

from __future__ import annotations

import secrets
from typing import Any

from bot.emulator.errors import (
    bad_request,
)
from bot.emulator.files import image_size
from bot.emulator.methods.base import MAX_DOWNLOAD, ApiBase, Handler, body_of, parse_body
from bot.emulator.params import Params, UploadedFile
from bot.emulator.records import (
    StoredFile,
)


class MediaMethods(ApiBase):
    def stored_file(self, reference: Any, upload: UploadedFile | None, kind: str) -> StoredFile:
        if upload is not None:
            return self.emu.store_file(upload.data, kind, upload.content_type, upload.filename)
        if not isinstance(reference, str) or not reference:
            raise bad_request(f"there is no {kind} in the request")
        stored = self.emu.files.get(reference)
        if stored is not None:
            return stored
        if reference.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")

    @staticmethod
    def media_json(kind: str, stored: StoredFile, params: dict[str, Any]) -> Any:
        def number(name: str, default: int) -> int:
            value = params.get(name)
            return int(value) if value not in (None, "") else default

        base = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if kind == "photo":
            width, height = image_size(stored.data)
            return [{**base, "width": width, "height": height}]
        if kind == "video_note":
            return {**base, "length": number("length", 384), "duration": number("duration", 0)}
        if kind in ("video", "animation"):
            result = {
                **base,
                "width": number("width", 640),
                "height": number("height", 640),
                "duration": number("duration", 0),
            }
        elif kind in ("audio", "voice"):
            result = {**base, "duration": number("duration", 0)}
        else:
            result = dict(base)
        if stored.mime_type:
            result["mime_type"] = stored.mime_type
        if stored.file_name and kind != "voice":
            result["file_name"] = stored.file_name
        return result

    # --- updates and webhooks --------------------------------------------------------------

    def _media_sender(self, kind: str) -> Handler:
        async def send(params: Params) -> Any:
            chat, thread_id = self.destination(params)
            reference = params.values.get(kind)
            stored = self.stored_file(reference, params.upload(reference, kind), kind)
            body = body_of(params, caption=True)
            markup = self.parse_markup(params)
            reply_to = self.reply_to(params, chat)
            self.rate_limit(chat)
            message = self.new_bot_message(
                chat,
                thread_id,
                body=body,
                markup=markup,
                media=(kind, self.media_json(kind, stored, params.values), stored),
                reply_to=reply_to,
            )
            return message.raw

        return send

    async def send_media_group(self, params: Params) -> Any:
        chat, thread_id = self.destination(params)
        items = params.obj("media")
        if not isinstance(items, list):
            raise bad_request("can't parse media JSON object")
        if len(items) < 2:
            raise bad_request("media group must include 2-10 items")
        if len(items) > 10:
            raise bad_request("too much messages to send as an album")
        kinds = {item.get("type") if isinstance(item, dict) else None for item in items}
        if not kinds <= {"photo", "video", "document", "audio"}:
            raise bad_request("can't parse InputMedia: unsupported media type")
        if len(kinds) > 1 and kinds & {"document", "audio"}:
            lonely = "document" if "document" in kinds else "audio"
            raise bad_request(f"{lonely} can't be mixed with other media types")
        prepared = []
        for item in items:
            kind = str(item["type"])
            reference = item.get("media")
            stored = self.stored_file(reference, params.upload(reference, kind), kind)
            body = parse_body(
                str(item.get("caption") or ""),
                item.get("parse_mode"),
                item.get("caption_entities"),
                caption=True,
            )
            prepared.append((kind, stored, body, item))
        reply_to = self.reply_to(params, chat)
        self.rate_limit(chat)
        group_id = str(secrets.randbelow(10**17) + 10**17)
        results = []
        for kind, stored, body, item in prepared:
            message = self.new_bot_message(
                chat,
                thread_id,
                body=body,
                markup=None,
                media=(kind, self.media_json(kind, stored, item), stored),
                reply_to=reply_to,
                media_group_id=group_id,
            )
            results.append(message.raw)
        return results

    async def get_file(self, params: Params) -> Any:
        file_id = params.text("file_id", required=True)
        stored = self.emu.files.get(file_id or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }
