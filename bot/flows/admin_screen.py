"""Shows the admin flow's replies through the Messenger: texts cut to Telegram's length limit,
the statistics chart (rendered off the event loop), files, buttons, edits; a reply that meets
a 429 (right after a broadcast) waits as Telegram asks and is sent again. An edit whose message
is gone or too old is sent anew, as for citizens (bot.flows.render.Screen)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.flows.admin.state import Button, Chart, Reply
from bot.flows.callbacks import AdminTap
from bot.flows.core import T
from bot.flows.ports import Document, InlineButton, InlineMarkup, Photo, RateLimited
from bot.flows.render import Screen
from bot.services.admin import chart

MESSAGE_LIMIT = 4000
"""Telegram allows 4096 characters; long lists are cut at a line below this."""
_SEND_ATTEMPTS = 4

R = TypeVar("R")


class AdminScreen(Screen):
    async def render(
        self, chat_id: int, lang: str, refs: dict[str, int], replies: list[Reply]
    ) -> None:
        for reply in replies:
            text = self.tr.lines(lang, reply.lines)
            markup = self._markup(reply.buttons, lang)
            edit = refs.get(reply.edit) if reply.edit is not None else None
            if edit is not None and await self.edited(chat_id, edit, text, markup):
                continue
            sent = await self._show(chat_id, lang, reply, text, markup)
            if reply.ref is not None:
                refs[reply.ref] = sent

    async def _show(
        self, chat_id: int, lang: str, reply: Reply, text: str, markup: InlineMarkup | None
    ) -> int:
        if reply.chart is not None:
            png = await asyncio.to_thread(self._chart_png, reply.chart, lang)
            photo = Photo(png, f"stats-{reply.chart.view.period}.png")
            return await _patiently(functools.partial(self.messenger.send_photo, chat_id, photo))
        if reply.document is not None:
            file = Document(reply.document.data, reply.document.filename, text)
            return await _patiently(functools.partial(self.messenger.send_document, chat_id, file))
        parts = [reply.html] if reply.html else chunks(text.split("\n"))
        sent = 0
        for number, chunk in enumerate(parts, start=1):
            last = number == len(parts)
            send = functools.partial(
                self.messenger.send_text, chat_id, chunk, markup=markup if last else None
            )
            sent = await _patiently(send)
        return sent

    def _chart_png(self, spec: Chart, lang: str) -> bytes:
        """Blocking (matplotlib): run it in a thread."""

        def titles(language: str) -> chart.ChartText:
            def plain(text: T) -> str:
                return self.plain(language, text)

            return chart.ChartText(
                plain(spec.title), plain(spec.states), plain(spec.reasons), plain(spec.no_data)
            )

        view = spec.view
        return chart.render_counts(view.by_state, view.reasons, titles(lang), titles("en"))

    def _markup(self, rows: tuple[tuple[Button, ...], ...], lang: str) -> InlineMarkup | None:
        if not rows:
            return None
        return InlineMarkup(
            tuple(
                tuple(
                    InlineButton(
                        b.label if isinstance(b.label, str) else self.plain(lang, b.label),
                        AdminTap(b.tap.value, b.value).pack(),
                    )
                    for b in row
                )
                for row in rows
            )
        )


def chunks(lines: Sequence[str]) -> list[str]:
    """`lines` in as few messages as Telegram's length limit allows."""
    chunks: list[str] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) + 1 > MESSAGE_LIMIT:
            chunks.append("\n".join(chunk))
            chunk, size = [], 0
        chunk.append(line[:MESSAGE_LIMIT])
        size += len(line) + 1
    if chunk:
        chunks.append("\n".join(chunk))
    return chunks


async def _patiently(request: Callable[[], Awaitable[R]]) -> R:
    """Sends; on a 429 waits as long as Telegram asks and sends again (a few times)."""
    for _ in range(_SEND_ATTEMPTS - 1):
        try:
            return await request()
        except RateLimited as error:
            await asyncio.sleep(error.retry_after)
    return await request()
