"""The `Notifier` services publish to, and the runners subscribe to.

Services are built first and know only this port; the composition root subscribes the
citizen runner and the agents' desk once they exist.

A review card that cannot be posted must not keep the citizen from hearing the outcome, so a
subscriber's failure on `ReviewNeeded` is logged and the others still run. A failure to tell
the citizen (`ForCitizen`) is raised to the publisher, as it was before this port existed:
the job queue then keeps the result and delivers it again.
"""

from __future__ import annotations

import logging

from bot.flows.ports import Notification, ReviewNeeded, Subscriber

log = logging.getLogger(__name__)


class Hub:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, notification: Notification) -> None:
        for subscriber in self._subscribers:
            if not isinstance(notification, ReviewNeeded):
                await subscriber(notification)
                continue
            try:
                await subscriber(notification)
            except Exception:  # the card is re-posted by the reminder round
                log.exception("announcing application %s failed", notification.application_id)
