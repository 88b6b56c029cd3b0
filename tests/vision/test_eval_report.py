"""The evaluation report counts every error kind the way ISO/IEC 30107-3 defines it."""

from __future__ import annotations

from bot.vision.testing import evaluate, heldout
from bot.vision.testing.evaluate import Job, Result


def _job(name: str, kind: str, **kw: object) -> Job:
    base: dict[str, object] = {
        "name": name,
        "path": f"/nowhere/{name}.mp4",
        "challenge": "blink,shake",
        "reference": None,
        "source": "heldout",
        "kind": kind,
        "condition": "standard",
        "same_person": None,
        "blink": False,
        "turn": False,
        "ordered": False,
        "size": (640, 640),
        "fps": 30.0,
        "duration_s": 5.0,
    }
    base.update(kw)
    return Job(**base)  # type: ignore[arg-type]


def _result(job: Job, verdict: str, **kw: object) -> Result:
    base: dict[str, object] = {
        "job": job,
        "verdict": verdict,
        "reasons": (),
        "blinks": 0,
        "turns": (),
        "distance": None,
        "matched": None,
        "ms": 100.0,
        "cpu_ms": 90.0,
        "peak_mb": 200.0,
    }
    base.update(kw)
    return Result(**base)  # type: ignore[arg-type]


def test_apcer_bpcer_and_error_rates_are_counted_per_kind() -> None:
    g1 = _job("g1", "genuine", blink=True, turn=True, same_person=True, reference="r.jpg")
    g2 = _job("g2", "genuine", condition="portrait", blink=True, turn=True, same_person=True)
    g3 = _job("g3", "genuine", condition="portrait", ordered=True, blink=True, turn=True)
    a1 = _job("a1", "photo_tilted")
    a2 = _job("a2", "photo_tilted")
    a3 = _job("a3", "shake_only", turn=True)
    a4 = _job("a4", "impostor", same_person=False, blink=True, turn=True)
    a5 = _job("a5", "wrong_order", ordered=True, blink=True, turn=True)
    results = [
        _result(g1, "pass", blinks=1, turns=("turn_left", "turn_right"), matched=True),
        _result(g2, "crash", error="TypeError"),
        _result(g3, "fail", reasons=("wrong_order",), blinks=1),
        _result(a1, "pass", blinks=2),  # a flat photo accepted, with a false blink
        _result(a2, "fail", reasons=("flat_image",), turns=("turn_left",)),
        _result(a3, "pass", blinks=1, turns=("turn_left", "turn_right")),
        _result(a4, "pass", matched=True),
        _result(a5, "fail", reasons=("wrong_order",)),
    ]
    m = evaluate.metrics(results)
    assert m.apcer == {
        "photo_tilted": (1, 2),
        "shake_only": (1, 1),
        "wrong_order": (0, 1),
        "impostor": (1, 1),
    }
    assert m.apcer_all == (3, 5)
    assert m.bpcer == (2, 3)
    assert m.bpcer_by_condition == {"standard": (0, 1), "portrait": (2, 2)}
    # no live blink in a1, a2 (a3 turned but never blinked): blinks reported on a1 and a3
    assert m.blink_fp == (2, 3)
    # no live turn in a1, a2: a turn reported on a2
    assert m.turn_fp == (1, 2)
    assert m.order_right == (1, 2)  # g3 refused (wrong), a5 refused (right)
    assert m.frr == (1, 2)  # g2 crashed: no match, so rejected
    assert m.far == (1, 1)
    assert m.crashes == (1, 8)
    rows = evaluate.table(results, None)
    assert "| APCER photo_tilted | 50.0% (1/2) | - |" in rows
    assert any(
        line.startswith("- `a1`") and "accepted" in line for line in evaluate.failures(results)
    )


def test_every_attack_type_of_the_brief_is_in_the_catalogue() -> None:
    cases = heldout.all_cases()
    kinds = {c.kind for c in cases}
    assert set(heldout.ATTACK_TYPES) <= kinds
    conditions = {c.condition for c in cases if c.genuine}
    for needed in (
        "portrait",
        "15 fps",
        "WebM",
        "low light",
        "small face",
        "small yaw",
        "real footage",
        "rotation metadata",
        "round video note",
    ):
        assert needed in conditions
    assert len({c.name for c in cases}) == len(cases)
    assert set(heldout.CI_CASES) <= {c.name for c in cases}
    # the held-out people are not the tuning source's (astronaut, carphone man)
    assert not {c.reference for c in cases} & {"astronaut", "carphone"}
