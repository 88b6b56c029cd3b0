"""Screen replays of a blinking person whose head turns a little, on a screen that swings:
the landmarks alone show some depth (the replayed head's own turn), the surroundings of the
face (the rest of the screen) move with it, which no room behind a real head does."""

from __future__ import annotations

import pytest

from bot.vision import Reason, analyse_video, parse_challenge
from tests.vision import motions

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(motions.replays()))
def test_screen_replay_is_refused(name: str) -> None:
    report = analyse_video(
        motions.replays()[name].build(), challenge=parse_challenge("blink,shake")
    )
    assert report.verdict == "fail"
    assert not report.live
    assert report.head_turns == ()  # no turn of a flat screen counts as a head turn
    if "swung" in name:
        assert Reason.FLAT_IMAGE in report.reasons
