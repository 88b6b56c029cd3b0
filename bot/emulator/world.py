# ruff: noqa: ASYNC109  (the public API takes `timeout=` like asyncio.wait_for; kept for tests)
"""The emulator's world: chats, people, files, the event log and the update queue, with the
operations on them that the Bot API methods, the simulated people and the web chat share."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Sequence
from typing import Any, TypedDict, Unpack

from bot.emulator.errors import UpdateNotProcessedError, WaitTimeoutError
from bot.emulator.files import guess_extension
from bot.emulator.records import (
    BotMessage,
    CallbackAnswer,
    ChatEvent,
    ChatMessage,
    Reply,
    StoredFile,
)
from bot.emulator.state import (
    ChatState,
    InjectedError,
    PendingUpdate,
    Pulse,
    RateLimiter,
    RateLimits,
    UserInfo,
    WebhookConfig,
)

DEFAULT_TOKEN = "123456789:emulator-test-token"  # noqa: S105  (a test double's token)
"""The agent the web chat writes as unless its header says otherwise."""
# Telegram's default allowed updates leave these out.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_DEFAULT_ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
}


class WorldOptions(TypedDict, total=False):
    """How a world is set up; every key is optional."""

    token: str
    """The bot's token (default DEFAULT_TOKEN); its number is the bot's user id."""
    bot_name: str
    """Default "SSC Family Bot"."""
    bot_username: str
    """Default "ssc_family_bot"."""
    rate_limits: RateLimits | bool
    """Telegram's limits on the bot's messages (True: the published ones); default none."""
    reply_timeout: float
    """How long a simulated person waits for the bot to confirm an update (default 10 s)."""
    webhook_retry_delay: float
    """The first delay before a failed webhook delivery is retried (default 0.2 s)."""
    admin_ids: Sequence[int]
    """The bot's administrators (its ADMIN_IDS), whom the web chat's admin pane writes as."""


class World:
    """Everything the emulator knows, and the queue of updates waiting for the bot."""

    def __init__(self, **options: Unpack[WorldOptions]) -> None:
        self.token = options.get("token", DEFAULT_TOKEN)
        self.reply_timeout = options.get("reply_timeout", 10.0)
        self.webhook_retry_delay = options.get("webhook_retry_delay", 0.2)
        self.bot_user = UserInfo(
            id=int(self.token.split(":", 1)[0]),
            first_name=options.get("bot_name", "SSC Family Bot"),
            username=options.get("bot_username", "ssc_family_bot"),
            is_bot=True,
        )
        rate_limits = options.get("rate_limits", False)
        if rate_limits is True:
            rate_limits = RateLimits()
        self.rate_limiter = RateLimiter(rate_limits) if rate_limits else None

        self.users: dict[int, UserInfo] = {}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.events: list[ChatEvent] = []
        self.events_pulse = Pulse()
        self.update_queue: list[PendingUpdate] = []
        self.updates_pulse = Pulse()
        self.allowed_updates: list[str] | None = None
        self.poll_generation = 0
        self.open_queries: dict[str, tuple[int, int]] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.command_sets: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.default_menu_button: dict[str, Any] = {"type": "commands"}
        self.injected_errors: list[InjectedError] = []
        self.webhook: WebhookConfig | None = None
        self.closing = False

        self.admin_ids = tuple(options.get("admin_ids", ()))

        self._next_update_id = 1
        self._next_file = 1
        self._next_query = 1

    def find_chat(self, chat_id: int | str) -> ChatState | None:
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            return next(
                (
                    chat
                    for chat in self.chats.values()
                    if chat.type != "private" and (chat.username or "").lower() == name
                ),
                None,
            )
        return self.chats.get(chat_id)

    def commands(
        self, scope: str | dict[str, Any] = "default", language_code: str = ""
    ) -> list[tuple[str, str]]:
        """Commands set for exactly this scope and language, as (command, description)."""
        scope_json = {"type": scope} if isinstance(scope, str) else dict(scope)
        return list(
            self.command_sets.get((json.dumps(scope_json, sort_keys=True), language_code), [])
        )

    def inject_error(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail like this."""
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after or 1}"
                if error_code == 429
                else _DEFAULT_ERRORS.get(error_code, "Internal Server Error")
            )
        if error_code == 429 and retry_after is None:
            retry_after = 1
        self.injected_errors.append(
            InjectedError(method.lower(), error_code, description, retry_after, times, chat_id)
        )

    # --- files -----------------------------------------------------------------------------

    def store_file(
        self, data: bytes, kind: str, mime_type: str | None = None, file_name: str | None = None
    ) -> StoredFile:
        number = self._next_file
        self._next_file += 1
        extension = guess_extension(mime_type, file_name, kind)
        folder = {"photo": "photos", "video": "videos", "video_note": "video_notes"}.get(
            kind, "documents"
        )
        stored = StoredFile(
            file_id=f"EMU{kind.upper()}{number:06d}{secrets.token_hex(6)}",
            file_unique_id=f"U{number:06d}",
            file_path=f"{folder}/file_{number}.{extension}",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # --- the event log ---------------------------------------------------------------------

    def log_event(
        self,
        chat_id: int,
        kind: str,
        message: ChatMessage | None = None,
        answer: CallbackAnswer | None = None,
    ) -> ChatEvent:
        event = ChatEvent(
            seq=len(self.events) + 1,
            chat_id=chat_id,
            kind=kind,
            message=message.snapshot() if message is not None else None,
            callback_answer=answer,
        )
        self.events.append(event)
        self.events_pulse.fire()
        return event

    async def wait_for_event(
        self, start: int, matches: Any, timeout: float, what: str
    ) -> ChatEvent:
        """The first event at index >= start for which matches(event) holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = start
        while True:
            while index < len(self.events):
                event = self.events[index]
                index += 1
                if matches(event):
                    return event
            remaining = deadline - loop.time()
            if remaining <= 0 or self.closing:
                raise WaitTimeoutError(f"no {what} within {timeout} s")
            await self.events_pulse.wait(remaining)

    # --- the update queue ------------------------------------------------------------------

    def new_query_id(self) -> str:
        query_id = f"{self.bot_user.id}{self._next_query:08d}"
        self._next_query += 1
        return query_id

    def submit_update(self, kind: str, body: dict[str, Any], summary: str) -> PendingUpdate:
        update = PendingUpdate(
            update_id=self._next_update_id,
            payload={"update_id": self._next_update_id, kind: body},
            summary=summary,
        )
        self._next_update_id += 1
        self.update_queue.append(update)
        self.updates_pulse.fire()
        return update

    def _allowed(self, update: PendingUpdate) -> bool:
        if self.allowed_updates:
            return update.kind in self.allowed_updates
        return update.kind not in _OPT_IN_UPDATES

    def confirm_updates(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset > 0:
            confirmed = [u for u in self.update_queue if u.update_id < offset]
        else:
            confirmed = self.update_queue[: max(len(self.update_queue) + offset, 0)]
        for update in confirmed:
            self.update_queue.remove(update)
            update.done.set()

    def deliverable_updates(self, limit: int) -> list[PendingUpdate]:
        for update in [u for u in self.update_queue if not self._allowed(u)]:
            self.update_queue.remove(update)
            update.done.set()
        batch = self.update_queue[:limit]
        for update in batch:
            update.delivered = True
        return batch

    def drop_pending_updates(self) -> None:
        self.confirm_updates(self._next_update_id)

    async def process(
        self,
        update: PendingUpdate,
        mark: int,
        chats: set[int],
        timeout: float | None = None,
        *,
        query_id: str | None = None,
    ) -> Reply:
        """Wait until the bot confirms the update, then collect what it did meanwhile."""
        limit = self.reply_timeout if timeout is None else timeout
        try:
            await asyncio.wait_for(update.done.wait(), limit)
        except TimeoutError:
            state = "was fetched but not confirmed" if update.delivered else "was never fetched"
            raise UpdateNotProcessedError(
                f"update {update.update_id} ({update.summary}) {state} within {limit} s: is the "
                "bot polling this emulator with handle_as_tasks=False, or answering its webhook?"
            ) from None
        return self.collect_reply(update.update_id, mark, chats, query_id=query_id)

    def collect_reply(
        self, update_id: int, mark: int, chats: set[int], *, query_id: str | None = None
    ) -> Reply:
        reply = Reply(update_id=update_id)
        for event in self.events[mark:]:
            if event.kind in ("message", "edit") and isinstance(event.message, BotMessage):
                if event.message.service is not None:
                    continue
                target = reply.messages if event.chat_id in chats else reply.elsewhere
                target.append(event.message)
            elif event.kind == "delete" and event.chat_id in chats and event.message is not None:
                reply.deleted.append(event.message.message_id)
            elif (
                event.kind == "callback_answer"
                and event.callback_answer is not None
                and event.callback_answer.query_id == query_id
            ):
                reply.callback_answer = event.callback_answer
        return reply
