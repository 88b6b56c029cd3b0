"""Fast unit tests: challenge parsing, reports, decisions, blink and turn logic, geometry."""

from __future__ import annotations

import ast
import itertools
import math
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.vision import (
    Action,
    KeyFrame,
    MatchResult,
    Reason,
    Thresholds,
    VideoReport,
    decide,
    parse_challenge,
)
from bot.vision import geometry as geo
from bot.vision.liveness import (
    Event,
    blink_events,
    match_challenge,
    median3,
    percentile,
    turn_events,
)

TH = Thresholds()


def test_parse_challenge() -> None:
    assert parse_challenge("blink,shake") == (Action.BLINK, Action.SHAKE)
    assert parse_challenge(" Turn_Left , turn_right ") == (Action.TURN_LEFT, Action.TURN_RIGHT)
    with pytest.raises(ValueError, match="unknown action 'nod'"):
        parse_challenge("blink,nod")
    with pytest.raises(ValueError, match="empty"):
        parse_challenge(" , ")


def test_every_reason_is_documented() -> None:
    source = (Path(__file__).parents[2] / "bot/vision/types.py").read_text()
    cls = next(
        n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == "Reason"
    )
    documented = set()
    body = cls.body
    for node, after in itertools.pairwise(body):
        if isinstance(node, ast.Assign) and isinstance(after, ast.Expr):
            documented.add(node.targets[0].id)  # type: ignore[attr-defined]
    assert documented == {r.name for r in Reason}
    required = {
        "no_face", "multiple_faces", "face_too_small", "too_dark", "too_blurry", "too_short",
        "too_long", "no_blink", "no_turn_left", "no_turn_right", "wrong_order", "flat_image",
        "match_low", "match_borderline", "hard_to_match", "child",
    }  # fmt: skip
    assert required <= {str(r) for r in Reason}


def _report(reasons: tuple[Reason, ...], verdict: str = "pass") -> VideoReport:
    return VideoReport(
        verdict=verdict,  # type: ignore[arg-type]
        live=True,
        reasons=reasons,
        blinks=2,
        head_turns=("turn_left", "turn_right"),
        match=MatchResult(0.31, True),
        frames=90,
        duration_s=3.0,
        timings_ms={"total": 12.0},
        key_frames=(KeyFrame("frontal", b"\xff\xd8jpeg"),),
    )


def test_report_json_contract_and_pickle() -> None:
    report = _report(())
    obj = report.to_json_dict()
    assert set(obj) == {
        "verdict", "live", "reasons", "blinks", "head_turns", "match", "frames", "duration_s",
        "timings_ms",
    }  # fmt: skip
    assert obj["match"] == {"distance": 0.31, "same_person": True}
    assert obj["head_turns"] == ["turn_left", "turn_right"]
    assert pickle.loads(pickle.dumps(report)) == report


@pytest.mark.parametrize(
    ("reasons", "child", "verdict"),
    [
        ((), False, "pass"),
        ((), True, "review"),
        ((Reason.MATCH_BORDERLINE,), False, "review"),
        ((Reason.HARD_TO_MATCH,), False, "review"),
        ((Reason.MATCH_LOW,), False, "fail"),
        ((Reason.FLAT_IMAGE, Reason.MATCH_BORDERLINE), False, "fail"),
        ((Reason.TOO_DARK,), True, "fail"),
    ],
)
def test_decide(reasons: tuple[Reason, ...], child: bool, verdict: str) -> None:
    decision = decide(_report(reasons), is_child=child)
    assert decision.verdict == verdict
    assert (Reason.CHILD in decision.reasons) == child


def test_import_is_cheap() -> None:
    code = (
        "import sys, bot.vision; "
        "print(sorted(m for m in ('cv2', 'dlib', 'av', 'face_recognition') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- blinks


def _ear_series(
    fps: float,
    blinks: list[float],
    duration: float = 4.0,
    open_ear: float = 0.3,
    noise: float = 0.0,
) -> tuple[list[float], list[float]]:
    rng = np.random.default_rng(1)
    times = [i / fps for i in range(round(duration * fps))]
    ears = []
    for t in times:
        closure = max(
            (math.sin(math.pi * (t - b) / 0.25) for b in blinks if 0 <= t - b <= 0.25), default=0.0
        )
        ears.append(open_ear * (1 - 0.75 * closure) + rng.normal(0, noise))
    return times, ears


@pytest.mark.parametrize("fps", [15.0, 24.0, 30.0, 60.0])
def test_blinks_counted_at_any_frame_rate(fps: float) -> None:
    times, ears = _ear_series(fps, [0.9, 1.6, 3.0], noise=0.005)
    assert len(blink_events(times, ears, TH)) == 3


@settings(max_examples=40, deadline=None)
@given(
    fps=st.floats(15, 60),
    open_ear=st.floats(0.2, 0.42),
    starts=st.lists(st.floats(0.2, 3.4), min_size=0, max_size=4),
)
def test_distinct_blinks_any_baseline(fps: float, open_ear: float, starts: list[float]) -> None:
    distinct: list[float] = []
    for s in sorted(starts):
        if not distinct or s - distinct[-1] > 0.5:
            distinct.append(s)
    times, ears = _ear_series(fps, distinct, open_ear=open_ear)
    assert len(blink_events(times, ears, TH)) == len(distinct)


def test_eyes_closed_all_along_is_no_blink() -> None:
    times, ears = _ear_series(30, [], open_ear=0.07, noise=0.02)
    assert blink_events(times, ears, TH) == []


def test_long_closure_is_not_a_blink() -> None:
    times = [i / 30 for i in range(120)]
    ears = [0.08 if 1.0 <= t <= 2.5 else 0.3 for t in times]
    assert blink_events(times, ears, TH) == []


# ---------------------------------------------------------------- turns and order


def _yaws(keys: list[tuple[float, float]], fps: float = 30.0) -> tuple[list[float], list[float]]:
    times = [i / fps for i in range(round(keys[-1][0] * fps))]
    return [float(np.interp(t, *zip(*keys, strict=True))) for t in times], times


def test_turns_need_threshold_and_centre_return() -> None:
    yaws, times = _yaws([(0, 0), (1, -30), (2, 0), (3, 25), (4, 0), (5, 0)])
    assert [e.action for e in turn_events(yaws, times, TH)] == [
        Action.TURN_LEFT,
        Action.TURN_RIGHT,
    ]
    # left, right without passing the centre: the right turn does not count
    yaws, times = _yaws([(0, 0), (1, -30), (1.5, -12), (1.51, 30), (3, 30)])
    assert [e.action for e in turn_events(yaws, times, TH)] == [Action.TURN_LEFT]
    # a small turn is no turn; a video that starts turned needs the centre first
    yaws, times = _yaws([(0, 0), (1, -14), (2, 0)])
    assert turn_events(yaws, times, TH) == []
    yaws, times = _yaws([(0, 30), (1, 30), (2, 30)])
    assert turn_events(yaws, times, TH) == []


def test_turn_end_index_marks_the_closing_centre_frame() -> None:
    yaws, times = _yaws([(0, 0), (1, -30), (2, 0), (3, 25), (3.5, 25)])
    left, right = turn_events(yaws, times, TH)
    assert left.centre_index < left.peak_index < left.end_index
    assert abs(yaws[left.end_index]) < TH.centre_angle_deg
    assert abs(yaws[left.end_index - 1]) >= TH.centre_angle_deg
    assert right.end_index == -1  # still turned when the frames end


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-90, 90, allow_nan=False) | st.just(float("nan")), min_size=0, max_size=40)
)
def test_median3_is_numpy_median_of_three(values: list[float]) -> None:
    y = np.asarray(values, dtype=np.float64)
    if len(y) >= 3:
        padded = np.concatenate([[y[0]], y, [y[-1]]])
        y = np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
    np.testing.assert_array_equal(np.asarray(median3(values), dtype=np.float64), y)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=80),
    st.sampled_from([0.0, 12.5, 50.0, 80.0, 99.0, 100.0]),
)
def test_percentile_is_numpy_bit_for_bit(values: list[float], q: float) -> None:
    assert percentile(values, q) == float(np.percentile(values, q))


def _ev(*pairs: tuple[Action, float]) -> list[Event]:
    return [Event(a, t) for a, t in pairs]


B, L, R = Action.BLINK, Action.TURN_LEFT, Action.TURN_RIGHT


def test_challenge_order() -> None:
    events = _ev((B, 0.5), (L, 1.5), (R, 2.5))
    assert match_challenge((B, Action.SHAKE), events) == set()
    assert match_challenge((B, L, R), events) == set()
    assert match_challenge((R, L), events) == {Reason.WRONG_ORDER}
    assert match_challenge((Action.SHAKE, B), events) == {Reason.WRONG_ORDER}
    assert match_challenge((Action.SHAKE, B), [*events, Event(B, 3.0)]) == set()
    assert match_challenge((B, Action.SHAKE), _ev((B, 0.5), (R, 1.0), (L, 2.0))) == set()
    assert match_challenge((B, Action.SHAKE), _ev((L, 1.0))) == {
        Reason.NO_BLINK,
        Reason.NO_TURN_RIGHT,
    }


# ---------------------------------------------------------------- geometry


def _project(points3d: np.ndarray, yaw_deg: float, size: int = 400) -> np.ndarray:
    yaw = math.radians(yaw_deg)
    rot = np.array(
        [[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0], [-math.sin(yaw), 0, math.cos(yaw)]]
    )
    p = points3d @ rot.T
    depth = 600.0 - p[:, 2]
    return np.stack([size / 2 + 400 * p[:, 0] / depth, size / 2 - 400 * p[:, 1] / depth], axis=1)


def _face3d() -> np.ndarray:
    """A 68-point 3D face: the engine's model points where it has them, an ellipsoid elsewhere."""
    rng = np.random.default_rng(0)
    pts = np.zeros((68, 3))
    pts[:, 0] = rng.uniform(-60, 60, 68)
    pts[:, 1] = rng.uniform(-70, 40, 68)
    pts[:, 2] = -40 + 40 * np.sqrt(np.clip(1 - (pts[:, 0] / 70) ** 2, 0, 1))
    pts[geo._MODEL_IDX] = geo._MODEL_3D
    return pts


@pytest.mark.parametrize("yaw", [-35.0, -20.0, 0.0, 20.0, 35.0])
def test_head_yaw_sign_and_size(yaw: float) -> None:
    pts = _project(_face3d(), yaw)
    estimate = geo.head_yaw(pts, 400, 400)
    assert abs(estimate - yaw) < 5.0
    if abs(yaw) > 0:  # positive: the nose moved toward the right edge of the frame
        assert np.sign(pts[30, 0] - (pts[36, 0] + pts[45, 0]) / 2) == np.sign(yaw)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 60),
    st.integers(1, 60),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0, 1, 8, 256]),
)
def test_face_median_is_numpy_median_bit_for_bit(h: int, w: int, seed: int, levels: int) -> None:
    # odd and even pixel counts, few distinct levels (ties at the middle), strided views
    rng = np.random.default_rng(seed)
    image = rng.integers(0, max(levels, 1), (h + 3, w + 5), dtype=np.uint8)
    if levels == 256:
        image = 255 - image
    crop = image[1 : h + 1, 2 : w + 2]
    assert geo._median(crop) == float(np.median(crop))


@settings(max_examples=100, deadline=None)
@given(st.integers(4, 200), st.integers(4, 200), st.integers(0, 2**32 - 1))
def test_sharpness_is_numpy_variance_formula(h: int, w: int, seed: int) -> None:
    import cv2

    rng = np.random.default_rng(seed)
    crop = cv2.GaussianBlur(rng.integers(0, 256, (h, w), dtype=np.uint8), (5, 5), 1.5)
    scale = geo.SHARPNESS_WIDTH / w
    norm = cv2.resize(
        crop,
        (geo.SHARPNESS_WIDTH, max(4, round(h * scale))),
        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
    )
    lap = cv2.Laplacian(norm, cv2.CV_64F)
    expected = 100.0 * float(lap.var()) / (float(norm.var()) + 1.0)
    assert math.isclose(geo._sharpness(crop), expected, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("yaw", [-40.0, -12.0, 0.0, 7.0, 33.0])
def test_head_pose_is_epnp_refined_by_iterative(yaw: float) -> None:
    # the kept camera and the rotated z axis read off the matrix give the same angles, bit for
    # bit, as the camera built per call and the matrix product they replace
    import cv2

    pts = _project(_face3d(), yaw) + np.random.default_rng(int(yaw) + 50).normal(0, 1.5, (68, 2))
    for w, h in ((400, 400), (400, 225), (225, 400)):
        focal = float(max(w, h))
        camera = np.array([[focal, 0.0, w / 2.0], [0.0, focal, h / 2.0], [0.0, 0.0, 1.0]])
        image_pts = pts[geo._MODEL_IDX].astype(np.float64)
        model = geo._MODEL_3D
        _, rvec, tvec = cv2.solvePnP(model, image_pts, camera, np.zeros(4), flags=cv2.SOLVEPNP_EPNP)
        _, rvec, _ = cv2.solvePnP(
            model, image_pts, camera, np.zeros(4), rvec=rvec, tvec=tvec,
            useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE,
        )  # fmt: skip
        forward = cv2.Rodrigues(rvec)[0] @ np.array([0.0, 0.0, 1.0])
        expected = (
            math.degrees(math.atan2(forward[0], -forward[2])),
            math.degrees(math.atan2(forward[1], math.hypot(forward[0], forward[2]))),
        )
        assert geo.head_pose(pts, w, h) == expected
        assert geo.head_pose(pts, w, h) == expected  # the second call uses the kept camera


def test_planar_residual_separates_sheet_from_head() -> None:
    face = _face3d()
    frontal = _project(face, 0.0)
    turned = _project(face, 30.0)
    flat = face.copy()
    flat[:, 2] = 0.0
    sheet_turned = _project(flat, 30.0)
    assert geo.planar_residual(_project(flat, 0.0), sheet_turned) < 0.01
    assert geo.planar_residual(frontal, turned) > TH.planar_residual


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux only")
def test_bench_peak_memory_is_the_process_own_and_resettable() -> None:
    import resource

    block = np.ones(256 * 1024 * 1024 // 8)  # 256 MB, touched, alive while the child starts
    child = subprocess.run(
        [sys.executable, "-c", "from bot.vision.testing import memory; print(memory.peak_mb())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    # the child's own peak, not the high-water mark it inherits across fork and exec
    assert float(child.stdout) < 128
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 >= 256
    del block
    # The reset, in a fresh process as the bench's children are: in this long-lived test
    # process, whose memory is shared with every test before (models, caches, a 1.4 GB
    # heap at the end of the suite), a freed block is not reliably given back at once.
    script = (
        "import numpy as np\n"
        "from bot.vision.testing import memory\n"
        "block = np.ones(256 * 1024 * 1024 // 8)\n"
        "peak = memory.peak_mb()\n"
        "del block\n"
        "memory.reset_peak()\n"
        "print(peak, memory.peak_mb())\n"
    )
    probe = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    peak, after = (float(x) for x in probe.stdout.split())
    assert peak >= 256
    assert after < peak - 200  # reset: the freed block no longer counts
