"""A broadcast's recipients, and the delivery loop: paced below Telegram's limit, honouring
429s, telling blocked chats from failures by the Messenger port's errors."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.flows.ports import MessengerError, RateLimited, RecipientUnavailable
from bot.storage.models import Ban, Citizen

log = logging.getLogger(__name__)

BROADCAST_RATE_PER_SECOND = 25.0
"""Telegram allows about 30 messages per second overall: stay below it."""


class Delivery(StrEnum):
    DELIVERED = "delivered"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass
class BroadcastReport:
    delivered: int = 0
    blocked: int = 0
    failed: int = 0
    retries: int = 0
    outcomes: dict[int, Delivery] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.delivered + self.blocked + self.failed


async def broadcast_recipients(language: str | None) -> list[int]:
    """Telegram ids of the signed-up citizens (in `language`, if given), banned ones left out."""
    query = Citizen.filter(telegram_user_id__isnull=False)
    if language is not None:
        query = query.filter(language=language)
    ids: list[Any] = list(await query.order_by("id").values_list("telegram_user_id", flat=True))
    banned: set[Any] = set(await Ban.all().values_list("telegram_user_id", flat=True))
    return [int(i) for i in ids if i not in banned]


async def deliver_broadcast(
    chat_ids: Iterable[int],
    send: Callable[[int], Awaitable[object]],
    *,
    rate: float = BROADCAST_RATE_PER_SECOND,
    max_retries: int = 5,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> BroadcastReport:
    """Sends to each chat once, at most `rate` messages a second; on a 429 waits the
    `retry_after` Telegram asks for and tries the same chat again (up to `max_retries`)."""
    report = BroadcastReport()
    interval = 1.0 / rate
    next_slot = clock()
    for chat_id in chat_ids:
        retries = 0
        while True:
            wait = next_slot - clock()
            if wait > 0:
                await sleep(wait)
            next_slot = max(next_slot, clock()) + interval
            try:
                await send(chat_id)
            except RateLimited as error:
                if retries >= max_retries:
                    outcome = Delivery.FAILED
                    break
                retries += 1
                report.retries += 1
                await sleep(float(error.retry_after))
                next_slot = clock()
                continue
            except RecipientUnavailable:
                outcome = Delivery.BLOCKED
            except MessengerError as error:
                log.warning("broadcast to a chat failed: %s", type(error).__name__)
                outcome = Delivery.FAILED
            else:
                outcome = Delivery.DELIVERED
            break
        report.outcomes[chat_id] = outcome
        if outcome is Delivery.DELIVERED:
            report.delivered += 1
        elif outcome is Delivery.BLOCKED:
            report.blocked += 1
        else:
            report.failed += 1
    return report
