# ruff: noqa: ASYNC109  (the public API takes `timeout=` like asyncio.wait_for; kept for tests)
"""The emulator: Bot API routes, file downloads and the web chat on one aiohttp app."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.emulator.actors import SimulatedUser, Supergroup
from bot.emulator.errors import ApiError, EmulatorError, UpdateNotProcessedError, WaitTimeoutError
from bot.emulator.methods import BotApi, guess_extension
from bot.emulator.params import Params
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
DEFAULT_AGENT_ID = 20001
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


class Emulator:
    """An in-process Telegram Bot API server for one bot, with simulated people and groups."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str = DEFAULT_TOKEN,
        bot_name: str = "SSC Family Bot",
        bot_username: str = "ssc_family_bot",
        rate_limits: RateLimits | bool = False,
        reply_timeout: float = 10.0,
        webhook_retry_delay: float = 0.2,
        agents_chat_id: int | None = None,
        agents_title: str = "Agents",
        admin_ids: Sequence[int] = (),
    ) -> None:
        """`agents_chat_id` (e.g. -1001000000001) creates the agents' forum supergroup that the
        web chat's "Agents' group" pane shows, with agent DEFAULT_AGENT_ID already a member.
        `admin_ids`: the bot's administrators (its ADMIN_IDS), whom the web chat's admin pane
        writes as."""
        self.host = host
        self.port = port
        self.token = token
        self.reply_timeout = reply_timeout
        self.webhook_retry_delay = webhook_retry_delay
        self.bot_user = UserInfo(
            id=int(token.split(":", 1)[0]), first_name=bot_name, username=bot_username, is_bot=True
        )
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

        self._next_update_id = 1
        self._next_file = 1
        self._next_query = 1
        self._actors: dict[int, Any] = {}
        self._webhook_task: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._api = BotApi(self)
        self.agents_chat_id = agents_chat_id
        self.admin_ids = tuple(admin_ids)
        self.agents: Supergroup | None = None
        if agents_chat_id is not None:
            self.agents = self.supergroup(agents_chat_id, agents_title, is_forum=True)
            self.agents.add_member(self.user(DEFAULT_AGENT_ID, "Agent"))
        self.app = self._build_app()

    # --- lifecycle -------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        from bot.emulator.webchat import add_web_chat_routes

        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        add_web_chat_routes(app, self)
        return app

    async def start(self) -> None:
        """Listen on host:port (port 0 picks a free one)."""
        self.closing = False
        self._runner = web.AppRunner(self.app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self.closing = True
        self.updates_pulse.fire()
        self.events_pulse.fire()
        await self._stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def web_url(self) -> str:
        return f"{self.base_url}/"

    # --- people and groups -----------------------------------------------------------------

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
        info = self.users.get(user_id)
        if info is None:
            info = UserInfo(id=user_id, first_name=first_name or f"User {user_id}")
            self.users[user_id] = info
        elif first_name is not None:
            info.first_name = first_name
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value is not None:
                setattr(info, key, value)
        chat = self.chats.get(user_id)
        if chat is None:
            chat = ChatState(id=user_id, type="private")
            self.chats[user_id] = chat
        chat.first_name, chat.last_name, chat.username = (
            info.first_name,
            info.last_name,
            info.username,
        )
        actor = self._actors.get(user_id)
        if not isinstance(actor, SimulatedUser):
            actor = SimulatedUser(self, info, chat)
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
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = ChatState(
                id=chat_id, type="supergroup", title=title, is_forum=is_forum, username=username
            )
            self.chats[chat_id] = chat
        actor = self._actors.get(chat_id)
        if not isinstance(actor, Supergroup):
            actor = Supergroup(self, chat)
            self._actors[chat_id] = actor
        return actor

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

    # --- webhooks --------------------------------------------------------------------------

    async def set_webhook(self, config: WebhookConfig | None) -> None:
        await self._stop_webhook()
        self.webhook = config
        self.poll_generation += 1
        self.updates_pulse.fire()
        if config is not None:
            self._webhook_task = asyncio.create_task(self._deliver_webhooks(config))

    async def _stop_webhook(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_webhooks(self, config: WebhookConfig) -> None:
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
        delay = self.webhook_retry_delay
        async with ClientSession(timeout=ClientTimeout(total=60)) as session:
            while not self.closing:
                batch = self.deliverable_updates(1)
                if not batch:
                    await self.updates_pulse.wait(1.0)
                    continue
                update = batch[0]
                error = await self._post_update(session, config, headers, update)
                if error is None:
                    self.confirm_updates(update.update_id + 1)
                    delay = self.webhook_retry_delay
                    continue
                config.last_error_date = int(time.time())
                config.last_error_message = error
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _post_update(
        self,
        session: ClientSession,
        config: WebhookConfig,
        headers: dict[str, str],
        update: PendingUpdate,
    ) -> str | None:
        """POST one update; returns an error text, or None once the bot accepted it."""
        try:
            async with session.post(
                config.url, data=json.dumps(update.payload), headers=headers
            ) as resp:
                body = await resp.read()
                if not 200 <= resp.status < 300:
                    return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (ClientError, TimeoutError) as exc:
            return f"Connection failed: {type(exc).__name__}"
        await self._run_webhook_reply(body)
        return None

    async def _run_webhook_reply(self, body: bytes) -> None:
        """A webhook response may carry one method call, which Telegram then executes."""
        try:
            call = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError):
            return
        if isinstance(call, dict) and isinstance(call.get("method"), str):
            method = call.pop("method")
            with contextlib.suppress(ApiError):
                await self._api.call(method, Params(call))

    # --- HTTP ------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        method = request.match_info["method"]
        try:
            params = await Params.from_request(request)
            result = await self._api.call(method, params)
        except ApiError as error:
            return web.json_response(error.to_json(), status=error.error_code)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.files_by_path.get(request.match_info["file_path"])
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
