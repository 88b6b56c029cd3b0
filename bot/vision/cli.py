"""Command line: ``python -m bot.vision check VIDEO [--reference IMAGE] [--challenge LIST] --json``.

Exit codes: 0 the video was analysed (whatever the verdict), 2 unreadable input or bad usage
(with ``{"error": {"code", "message"}}`` on stdout under ``--json``), 3 an internal error.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any, NoReturn

from bot.vision.types import Limits, VisionError, parse_challenge


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m bot.vision", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="analyse one selfie video")
    check.add_argument("video")
    check.add_argument("--reference", help="image of the person the ID belongs to")
    check.add_argument("--challenge", default="blink,shake", help="comma-separated actions")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    bench = sub.add_parser("bench", help="benchmark the engine against a naive reference")
    bench.add_argument("--quick", action="store_true", help="fewer clips, smaller frames")
    bench.add_argument("--cache", default=None, help="directory for the generated fixtures")
    bench.add_argument(
        "--source",
        choices=("heldout", "real", "rendered", "tuning"),
        default="heldout",
        help="heldout: 3D-rendered people and real footage, never tuned on (default); "
        "real or rendered: one half of it; tuning: the synth fixtures the engine is tuned on",
    )
    bench.add_argument("--no-naive", action="store_true", help="skip the naive checker")
    bench.add_argument("--markdown", default=None, help="also write the report to this file")
    bench.add_argument(
        "--from-logs",
        action="store_true",
        help="report on the results an earlier held-out run logged (even unfinished)",
    )
    return parser


def _emit(obj: dict[str, Any], as_json: bool, human: str) -> None:
    sys.stdout.write((json.dumps(obj) if as_json else human) + "\n")
    sys.stdout.flush()


def _on_alarm(signum: int, frame: FrameType | None) -> NoReturn:
    raise VisionError("timeout", "the analysis exceeded its hard time limit")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args_list
    try:
        args = _parser().parse_args(args_list)
    except _UsageError as exc:
        err = VisionError("usage", str(exc))
        _emit(err.to_json_dict(), as_json, f"usage error: {exc}")
        return 2
    if args.command == "bench":
        from bot.vision.testing.bench import run_bench

        return run_bench(
            quick=args.quick,
            cache=args.cache,
            source=args.source,
            naive=not args.no_naive,
            markdown=args.markdown,
            from_logs=args.from_logs,
        )
    return _check(args, as_json)


def _check(args: argparse.Namespace, as_json: bool) -> int:
    try:
        challenge = parse_challenge(args.challenge)
    except ValueError as exc:
        err = VisionError("bad_challenge", str(exc))
        _emit(err.to_json_dict(), as_json, f"error: {err}")
        return 2
    limits = Limits()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(math.ceil(limits.time_limit_s) + 5)  # backstop to the engine's own deadline
    try:
        from bot.vision.engine import analyse_video

        report = analyse_video(
            args.video, reference=args.reference, challenge=challenge, limits=limits
        )
    except VisionError as exc:
        _emit(exc.to_json_dict(), as_json, f"cannot analyse: {exc}")
        return 2
    except Exception as exc:  # the contract: never a traceback
        err = VisionError("internal_error", f"{type(exc).__name__}: {exc}")
        _emit(err.to_json_dict(), as_json, f"internal error: {err}")
        return 3
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    obj = report.to_json_dict()
    lines = [
        f"verdict: {report.verdict}   live: {'yes' if report.live else 'no'}",
        f"reasons: {', '.join(report.reasons) or '-'}",
        f"blinks: {report.blinks}   head turns: {', '.join(report.head_turns) or '-'}",
        "match: -"
        if report.match is None
        else f"match: distance {report.match.distance:.3f}, "
        f"{'same person' if report.match.same_person else 'not the same person'}",
        f"{report.frames} frames analysed, {report.duration_s:.1f} s of video, "
        f"{report.timings_ms['total']:.0f} ms",
    ]
    _emit(obj, as_json, "\n".join(lines))
    return 0
