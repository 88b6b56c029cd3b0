"""The engine on every fixture class: genuine videos, attacks, quality gate, formats, order."""

from __future__ import annotations

import functools
import pickle
from typing import Any

import av
import numpy as np
import pytest

from bot.vision import (
    Action,
    Limits,
    Reason,
    VideoReport,
    analyse_photo,
    analyse_video,
    decide,
    face_encoding,
    models,
    parse_challenge,
)
from tests.vision import fixtures

pytestmark = pytest.mark.slow


@functools.cache
def _analyse(
    name: str, challenge: str = "blink,shake", reference: str | None = None
) -> VideoReport:
    ref = fixtures.reference(reference) if reference else None
    return analyse_video(fixtures.video(name), reference=ref, challenge=parse_challenge(challenge))


def _shake(name: str) -> str:
    return name.replace("genuine_shake_", "").split("_")[0]


GENUINE = [n for n, f in fixtures.CATALOGUE.items() if f.genuine and n.startswith("genuine_")]
ATTACKS = [n for n, f in fixtures.CATALOGUE.items() if not f.genuine]


@pytest.mark.parametrize("name", GENUINE)
def test_genuine_passes_with_match(name: str) -> None:
    fx = fixtures.CATALOGUE[name]
    report = _analyse(name, fx.challenge, fx.reference)
    assert report.verdict == "pass", report.reasons
    assert report.live
    assert report.blinks >= 1
    assert report.match is not None
    assert report.match.same_person
    if "shake" in fx.challenge:
        assert set(report.head_turns) == {"turn_left", "turn_right"}
        assert report.head_turns[0] == f"turn_{_shake(name)}"


@pytest.mark.parametrize("name", ATTACKS)
def test_attack_fails(name: str) -> None:
    fx = fixtures.CATALOGUE[name]
    report = _analyse(name, fx.challenge, "astronaut")
    assert report.verdict == "fail"
    assert not report.live
    assert set(fx.expect) <= {str(r) for r in report.reasons}, report.reasons


def test_flat_sheet_turns_are_not_head_turns() -> None:
    for name in ("attack_photo_tilted_384", "attack_screen_tilted_blinking_384"):
        report = _analyse(name)
        assert Reason.FLAT_IMAGE in report.reasons
        assert report.head_turns == ()
        # a flat turn, once closed, fails the video whatever follows: decoding stops there,
        # and the steps of the challenge not watched to their end are not reported missing
        with av.open(str(fixtures.video(name))) as container:
            total = sum(1 for _ in container.decode(video=0))
        assert report.frames < total / 2
        assert report.reasons == (Reason.FLAT_IMAGE,)


def test_other_person_does_not_match() -> None:
    report = _analyse("genuine_carphone_384", "blink", "astronaut")
    assert report.verdict == "fail"
    assert Reason.MATCH_LOW in report.reasons
    assert report.match is not None
    assert not report.match.same_person
    assert report.live  # liveness itself was fine


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("too_dark", Reason.TOO_DARK),
        ("too_blurry", Reason.TOO_BLURRY),
        ("face_too_small", Reason.FACE_TOO_SMALL),
        ("too_short", Reason.TOO_SHORT),
        ("long", Reason.TOO_LONG),
        ("eyes_closed", Reason.EYES_CLOSED),
    ],
)
def test_quality_gate(name: str, reason: Reason) -> None:
    report = _analyse(name)
    assert report.verdict == "fail"
    assert reason in report.reasons


def test_too_long_by_decoding_when_duration_unknown() -> None:
    report = analyse_video(
        fixtures.video("genuine_shake_left_384_0"),
        challenge=(Action.BLINK,),
        limits=Limits(max_seconds=2.0, min_seconds=0.5),
    )
    assert Reason.TOO_LONG in report.reasons


@pytest.mark.parametrize("name", ["rotated", "mov", "webm_vp8", "webm_vp9", "fps15", "fps60"])
def test_formats_and_frame_rates(name: str) -> None:
    report = _analyse(name, "blink,shake", "astronaut")
    assert report.verdict == "pass", report.reasons
    assert report.blinks >= 1
    assert set(report.head_turns) == {"turn_left", "turn_right"}


def test_rotation_metadata_is_what_makes_the_face_upright() -> None:
    with av.open(str(fixtures.video("rotated"))) as container:
        frame = next(container.decode(video=0))
        assert frame.rotation == -90
        stored = frame.to_ndarray(format="rgb24")
    assert models.detect(stored, 384) == []  # sideways: missed
    upright = np.rot90(stored, k=-1)
    assert len(models.detect(np.ascontiguousarray(upright), 384)) == 1


@pytest.mark.parametrize(
    ("name", "challenge", "ok"),
    [
        ("genuine_shake_left_384_0", "turn_left,turn_right", True),
        ("genuine_shake_left_384_0", "turn_right,turn_left", False),
        ("genuine_shake_right_384_0", "turn_right,turn_left", True),
        ("genuine_shake_right_384_0", "turn_left,turn_right", False),
        ("genuine_shake_left_384_0", "blink,turn_left,turn_right,blink", True),
        ("genuine_shake_left_384_0", "turn_left,blink,turn_right", False),
        ("genuine_shake_left_384_0", "shake,blink", True),
    ],
)
def test_challenge_order(name: str, challenge: str, ok: bool) -> None:
    report = _analyse(name, challenge)
    assert (report.verdict == "pass") == ok, report.reasons
    if not ok:
        assert report.reasons == (Reason.WRONG_ORDER,)


def test_key_frames_and_pickle() -> None:
    report = _analyse("genuine_shake_left_384_0", "blink,shake", "astronaut")
    labels = [k.label for k in report.key_frames]
    assert labels == ["frontal", "turn_left", "turn_right"]
    for key in report.key_frames:
        assert key.jpeg.startswith(b"\xff\xd8")
        assert 1_000 < len(key.jpeg) < 40_000
    assert pickle.loads(pickle.dumps(report)) == report
    assert "key_frames" not in report.to_json_dict()
    assert report.timings_ms["total"] > 0


def test_child_goes_to_review() -> None:
    report = _analyse("genuine_shake_left_384_0", "blink,shake", "astronaut")
    assert decide(report).verdict == "pass"
    decision = decide(report, is_child=True)
    assert decision.verdict == "review"
    assert Reason.CHILD in decision.reasons


def test_borderline_match_goes_to_review() -> None:
    from bot.vision import Thresholds

    base = _analyse("genuine_shake_left_384_0", "blink,shake", "astronaut")
    assert base.match is not None
    d = base.match.distance
    report = analyse_video(
        fixtures.video("genuine_shake_left_384_0"),
        reference=fixtures.reference("astronaut"),
        # the pass line well under the distance: with it the engine encodes a second frame and
        # judges their mean encoding, which can sit a little under the first frame's distance
        thresholds=Thresholds(match_pass_distance=0.5 * d, match_review_distance=d + 0.2),
    )
    assert report.verdict == "review"
    assert Reason.MATCH_BORDERLINE in report.reasons


def test_reference_without_a_face_goes_to_review(tmp_path: Any) -> None:
    import cv2

    from bot.vision.testing import synth

    cup = next(iter(synth.no_face_frames(256, duration=0.1)))
    path = tmp_path / "cup.jpg"
    cv2.imwrite(str(path), cup)
    report = analyse_video(fixtures.video("genuine_shake_left_384_0"), reference=path)
    assert report.verdict == "review"
    assert Reason.NO_REFERENCE in report.reasons


# ---------------------------------------------------------------- photos (children's path)


def test_photo_path(tmp_path: Any) -> None:
    import cv2

    ref = fixtures.reference("astronaut")
    good = analyse_photo(ref, reference=ref.read_bytes())
    assert good.verdict == "pass", good.reasons
    assert good.match is not None
    assert good.match.distance < 0.1
    assert [k.label for k in good.key_frames] == ["face"]

    other = analyse_photo(fixtures.reference("carphone"), reference=ref)
    assert Reason.MATCH_LOW in other.reasons

    image = cv2.imread(str(ref))
    cv2.imwrite(str(tmp_path / "dark.jpg"), (image * 0.12).astype(np.uint8))
    assert Reason.TOO_DARK in analyse_photo(tmp_path / "dark.jpg").reasons
    cv2.imwrite(str(tmp_path / "blur.jpg"), cv2.GaussianBlur(image, (0, 0), 3.5))
    assert Reason.TOO_BLURRY in analyse_photo(tmp_path / "blur.jpg").reasons
    small = np.full((1000, 1000, 3), 120, np.uint8)
    small[400:660, 400:660] = image
    cv2.imwrite(str(tmp_path / "small.jpg"), small)
    assert Reason.FACE_TOO_SMALL in analyse_photo(tmp_path / "small.jpg").reasons
    twice = np.hstack([image, image])
    cv2.imwrite(str(tmp_path / "two.jpg"), twice)
    assert Reason.MULTIPLE_FACES in analyse_photo(tmp_path / "two.jpg").reasons
    cv2.imwrite(str(tmp_path / "none.jpg"), np.full((300, 300, 3), 90, np.uint8))
    assert analyse_photo(tmp_path / "none.jpg").reasons == (Reason.NO_FACE,)

    encoding = face_encoding(ref)
    assert encoding is not None
    assert encoding.shape == (128,)
    assert face_encoding(tmp_path / "none.jpg") is None


# ---------------------------------------------------------------- the CLI contract


@pytest.mark.parametrize(
    ("name", "reference", "verdict"),
    [
        ("genuine_shake_right_384_0", "astronaut", "pass"),
        ("attack_photo_tilted_384", "astronaut", "fail"),
        ("genuine_carphone_384", None, "fail"),
    ],
)
def test_cli_contract(name: str, reference: str | None, verdict: str, cli: Any) -> None:
    args = ["check", str(fixtures.video(name)), "--json"]
    if reference:
        args += ["--reference", str(fixtures.reference(reference))]
    rc, obj, stderr = cli(*args)
    assert rc == 0, stderr
    assert obj["verdict"] == verdict
    assert set(obj) == {
        "verdict", "live", "reasons", "blinks", "head_turns", "match", "frames", "duration_s",
        "timings_ms",
    }  # fmt: skip
    assert isinstance(obj["live"], bool)
    assert all(r in {str(x) for x in Reason} for r in obj["reasons"])
    assert isinstance(obj["blinks"], int)
    assert isinstance(obj["frames"], int)
    assert isinstance(obj["duration_s"], float)
    assert isinstance(obj["timings_ms"]["total"], float)
    if reference:
        assert set(obj["match"]) == {"distance", "same_person"}
    else:
        assert obj["match"] is None


def test_cli_human_report(cli: Any) -> None:
    rc, out, _ = cli("check", str(fixtures.video("genuine_shake_left_384_0")))
    assert rc == 0
    assert out.startswith("verdict: pass")


def test_photo_exif_orientation_is_honoured(tmp_path: Any) -> None:
    from PIL import Image

    upright = Image.open(fixtures.reference("astronaut"))
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    sideways.save(tmp_path / "phone.jpg", exif=exif)
    assert analyse_photo(tmp_path / "phone.jpg").verdict == "pass"
    sideways.save(tmp_path / "no_exif.jpg")
    assert Reason.NO_FACE in analyse_photo(tmp_path / "no_exif.jpg").reasons
