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


@pytest.mark.parametrize("name", ["off_axis_left_14", "off_axis_right_8"])
def test_turns_are_judged_from_the_rest_pose(name: str) -> None:
    """A camera held to one side: both turns still count, from where the head rests."""
    report = analyse_video(
        motions.off_axis()[name].build(), challenge=parse_challenge("blink,shake")
    )
    assert report.verdict == "pass", report.reasons
    assert report.head_turns == ("turn_left", "turn_right")


def test_a_face_seen_from_the_side_is_matched() -> None:
    """No frame within the frontal angle: the least-turned open-eyed face is matched, without
    asking a human (``hard_to_match``) while it is within the turn angle."""
    from tests.vision import fixtures

    report = analyse_video(
        motions.off_axis()["off_axis_still_20"].build(),
        reference=fixtures.reference("astronaut"),
        challenge=parse_challenge("blink"),
    )
    assert report.verdict == "pass", report.reasons
    assert report.match is not None and report.match.same_person
    assert [k.label for k in report.key_frames] == ["frontal"]
