"""Low light (README section 4c): the light gate sits where the tuning source's decisions stop
holding, not above it. Clips from ``tests/vision/lowlight.py`` (the scene's light times a gain,
with the sensor noise that grows as the light falls)."""

from __future__ import annotations

import pytest

from bot.vision import Reason, analyse_video, parse_challenge
from tests.vision import fixtures, lowlight

CLIPS = {c.name: c for c in lowlight.clips()}


@pytest.mark.slow
def test_real_blinks_at_a_third_of_the_light_pass() -> None:
    """The carphone man at 33 % of his light (face median about 40, under the old 45 line):
    his real blink is found and his face matched (d 0.28-0.31 over three noise seeds), so he is
    no longer refused as ``too_dark``."""
    report = analyse_video(
        lowlight.video(CLIPS["carphone"], 0.33),
        reference=fixtures.reference("carphone"),
        challenge=parse_challenge("blink"),
    )
    assert Reason.TOO_DARK not in report.reasons
    assert report.verdict == "pass", report.reasons
    assert report.blinks >= 1


@pytest.mark.slow
def test_a_face_darker_than_the_line_is_still_too_dark() -> None:
    """At 22 % of the light (face median about 27) the carphone man is still refused."""
    report = analyse_video(
        lowlight.video(CLIPS["carphone"], 0.22), challenge=parse_challenge("blink")
    )
    assert Reason.TOO_DARK in report.reasons
    assert report.verdict != "pass"


@pytest.mark.slow
def test_a_dark_photo_is_refused_as_flat_not_only_as_dark() -> None:
    """A photo swung in 22 % of the light (face median about 40) passes the light gate now and
    is refused by the flat check (landmark residual 0.025, surroundings +0.26)."""
    report = analyse_video(
        lowlight.video(CLIPS["photo_tilted"], 0.22), challenge=parse_challenge("blink,shake")
    )
    assert Reason.TOO_DARK not in report.reasons
    assert Reason.FLAT_IMAGE in report.reasons
    assert report.verdict == "fail"
