"""Challenge order judged from event times: each clip passes the order it performs, and fails
every other order with ``wrong_order`` alone."""

from __future__ import annotations

import pytest

from bot.vision import Reason, analyse_video, parse_challenge
from tests.vision import motions

pytestmark = pytest.mark.slow


def _passes(performed: str, asked: str) -> bool:
    steps = performed.split(",")
    if asked == "blink,shake":
        return steps[0] == "blink"
    if asked == "shake,blink":
        return steps[-1] == "blink"
    return asked == performed


@pytest.mark.parametrize("performed", motions.ORDERS)
def test_order(performed: str) -> None:
    clip = motions.ordered()[performed].build()
    other = motions.ORDERS[(motions.ORDERS.index(performed) + 1) % len(motions.ORDERS)]
    for asked in (performed, other, "blink,shake", "shake,blink"):
        report = analyse_video(clip, challenge=parse_challenge(asked))
        if _passes(performed, asked):
            assert report.verdict == "pass", (asked, report)
        else:
            assert report.reasons == (Reason.WRONG_ORDER,), (asked, report)
