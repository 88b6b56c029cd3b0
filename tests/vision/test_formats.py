"""Every video format a phone or a browser records is analysed, never an internal error.

The clips are made in the suite (``tests/vision/formats.py``) from the same genuine person, so
each one must pass its challenge and match the reference, whatever its size, rotation flag,
mirroring, codec, frame rate or length.
"""

from __future__ import annotations

import av
import numpy as np
import pytest

from bot.vision import Reason, analyse_video, parse_challenge
from tests.vision import fixtures, formats

pytestmark = pytest.mark.slow

FORMATS = formats.catalogue()


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_format_passes_with_match(name: str) -> None:
    fmt = FORMATS[name]
    report = analyse_video(
        fmt.build(),
        reference=fixtures.reference("astronaut"),
        challenge=parse_challenge(fmt.challenge),
    )
    assert report.verdict == "pass", report.reasons
    assert report.match is not None
    assert report.match.same_person, report.match
    assert report.blinks >= 1
    if fmt.first_turn is not None:
        assert set(report.head_turns) == {"turn_left", "turn_right"}
        assert report.head_turns[0] == fmt.first_turn


def test_a_blurred_small_face_is_still_too_blurry() -> None:
    """Sharpness is measured on the stored frame's detail for small faces, and still sees blur."""
    blurred = formats.Format("landscape_720x480_blurred", formats.blurred_far())
    report = analyse_video(blurred.build(), challenge=parse_challenge("blink"))
    assert Reason.TOO_BLURRY in report.reasons


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_flag_is_written_as_phones_write_it(rotation: int) -> None:
    with av.open(str(FORMATS[f"rotation_{rotation}"].build())) as container:
        frame = next(container.decode(video=0))
        stored = frame.to_ndarray(format="rgb24")
    assert (frame.rotation - rotation) % 360 == 0
    assert stored.shape[:2] == ((640, 480) if rotation == 180 else (480, 640))


def test_hevc_is_hevc_and_vfr_is_variable() -> None:
    with av.open(str(FORMATS["hevc_480x640"].build())) as container:
        assert container.streams.video[0].codec_context.name == "hevc"
    with av.open(str(FORMATS["vfr_480x640"].build())) as container:
        times = [float(f.time) for f in container.decode(video=0) if f.time is not None]
    gaps = np.diff(times)
    assert gaps.min() < 1 / 40 and gaps.max() > 1 / 20


def test_face_encoder_takes_strided_frames() -> None:
    """dlib refuses strided arrays: FFmpeg pads the lines of a 300 px wide RGB frame."""
    from PIL import Image

    from bot.vision import models

    still = np.asarray(Image.open(fixtures.reference("astronaut")).convert("RGB"))
    padded = np.zeros((still.shape[0], still.shape[1] + 5, 3), np.uint8)
    padded[:, : still.shape[1]] = still
    view = padded[:, : still.shape[1]]
    assert not view.flags["C_CONTIGUOUS"]
    box = models.detect(view, 384)[0][0]
    points = models.landmarks(view, box)
    assert np.allclose(models.encode(view, points), models.encode(still, points))
