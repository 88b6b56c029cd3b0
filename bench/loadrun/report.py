"""The run's result: assembled figures and checks, and the table printed at the end."""

from __future__ import annotations

import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.loadrun.citizens import Citizen, Progress, count_outcomes
from bench.loadrun.common import summary
from bench.loadrun.runstate import Run


def log_findings(run: Run) -> dict[str, Any]:
    """Evidence from the processes' logs."""
    found: dict[str, Any] = {}
    for proc in run.procs:
        text = proc.log_text()
        found[proc.name] = {
            "errors": len(re.findall(r" ERROR ", text)),
            "tracebacks": text.count("Traceback (most recent call last)"),
            "claimed_results": text.count("claimed analysis result"),
            "duplicate_updates_dropped": text.count("was seen before: dropped"),
            "ignored_late_results": len(re.findall(r"arrived in state \S+: ignored", text)),
            "exit_code": proc.popen.poll(),
            "restarted_by_supervisor": proc.restarts,
        }
        errors = [line for line in text.splitlines() if " ERROR " in line]
        if errors:
            found[proc.name]["first_errors"] = [line[:300] for line in errors[:5]]
    for worker in run.workers:
        if worker.killed_at is None:
            continue
        text = worker.log_text()
        started = set(re.findall(r"→ (analysis:\d+:[0-9a-f]+):analyse", text))
        finished = set(re.findall(r"← (analysis:\d+:[0-9a-f]+):analyse", text))
        interrupted = sorted(started - finished)
        found[worker.name]["jobs_interrupted_by_kill"] = interrupted
        found[worker.name]["interrupted_jobs_finished_by"] = {
            job: [
                other.name
                for other in run.workers
                if other is not worker and f"← {job}:analyse" in other.log_text()
            ]
            for job in interrupted
        }
    for bot in run.bots:
        if bot.killed_at is None:
            continue
        text = bot.log_text()
        handled = {int(x) for x in re.findall(r"Update id=(\d+) is (?:not )?handled", text)}
        index = run.bots.index(bot)
        sent: list[int] = []
        if run.proxy is not None:
            sent = [u for u in run.proxy.backends[index].update_ids if u >= 0]
        found[bot.name]["updates_accepted_not_handled"] = sorted(set(sent) - handled)
        others = "\n".join(b.log_text() for b in run.bots if b is not bot)
        broken = run.proxy.backends[index].broken_update_ids if run.proxy is not None else []
        found[bot.name]["updates_in_flight_at_kill"] = {
            str(u): (
                "handled by another bot after the retry"
                if re.search(rf"Update id={u} is handled", others)
                else "dropped as a duplicate by another bot (LOST)"
                if re.search(rf"update {u} was seen before", others)
                else "never handled"
            )
            for u in broken
        }
    return found


def assemble(
    run: Run,
    citizens: list[Citizen],
    progress: Progress,
    transcripts: dict[int, list[dict[str, Any]]],
    db: dict[str, Any],
    leftovers: dict[str, Any],
    metrics: dict[str, Any],
    finished_at: float,
) -> dict[str, Any]:
    duration = finished_at - run.started_at
    reply = [lat for c in citizens for (_s, _f, lat) in c.latencies]
    first = [f for c in citizens for (_s, f, _l) in c.latencies]
    analysis = [seconds for c in citizens for seconds in c.analysis_s]
    videos = [c.video_sent_at for c in citizens if c.video_sent_at is not None]
    outcomes_at = [c.outcome_at for c in citizens if c.outcome_at is not None]
    window = (max(outcomes_at) - min(videos)) if videos and outcomes_at else 0.0
    times = sorted(progress.action_times)
    peak = 0.0
    j = 0
    for i, t in enumerate(times):  # most actions in any 10 s window
        while times[j] < t - 10.0:
            j += 1
        peak = max(peak, (i - j + 1) / 10.0)
    per_citizen = []
    exactly_one = 0
    more_than_one = []
    none_received = []
    error_messages = 0
    for c in citizens:
        distinct, newly, errors = count_outcomes(transcripts.get(c.user_id, []))
        error_messages += errors
        attempts = 1 + c.resends  # one outcome message per video sent
        if newly == attempts and distinct <= attempts:
            exactly_one += 1
        elif newly > attempts or distinct > attempts:
            more_than_one.append(
                {"user_id": c.user_id, "messages": distinct, "shown": newly, "videos": attempts}
            )
        else:
            none_received.append(c.user_id)
        if c.failed_step is not None or newly != attempts or c.resends or c.error_retries:
            per_citizen.append(
                {
                    "user_id": c.user_id,
                    "failed_step": c.failed_step,
                    "failure": c.failure,
                    "outcome_messages": distinct,
                    "outcome_shown": newly,
                    "outcomes": c.outcomes,
                    "resends": c.resends,
                    "error_retries": c.error_retries,
                    "last_texts": [t[:120] for t in c.last_texts],
                }
            )
    steps: dict[str, list[float]] = defaultdict(list)
    for c in citizens:
        for step, _f, lat in c.latencies:
            steps[step].append(lat)
    result: dict[str, Any] = {
        "when": run.stamp,
        "config": {
            k: (v if not isinstance(v, Path) else str(v)) for k, v in vars(run.args).items()
        },
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "bot_source": run.source_desc,
        "duration_s": round(duration, 2),
        "citizens": len(citizens),
        "completed": sum(1 for c in citizens if c.outcome is not None),
        "failed": sum(1 for c in citizens if c.failed_step is not None),
        "failed_steps": dict(Counter(c.failed_step for c in citizens if c.failed_step)),
        "outcomes": dict(Counter(c.outcome for c in citizens if c.outcome)),
        "first_outcomes": dict(Counter(c.outcomes[0] for c in citizens if c.outcomes)),
        "video_resends": sum(c.resends for c in citizens),
        "error_retries": sum(c.error_retries for c in citizens),
        "updates": progress.actions,
        "updates_per_s": round(progress.actions / duration, 2) if duration else None,
        "updates_per_s_peak_10s": round(peak, 2),
        "reply_latency_s": summary(reply),
        "first_reply_latency_s": summary(first),
        "reply_latency_by_step_s": {k: summary(v) for k, v in steps.items()},
        "analysis": {
            "videos": len(analysis),
            "throughput_videos_per_s": round(len(analysis) / window, 3) if window else None,
            "window_s": round(window, 2),
            "latency_s": summary(analysis),
        },
        "checks": {
            "citizens_with_exactly_one_outcome_message": exactly_one,
            "citizens_with_more_than_one": more_than_one,
            "citizens_with_none": none_received,
            "error_messages_sent": error_messages,
            "database": db,
        },
        "redis_before_cleanup": leftovers,
        "bot_metrics": metrics,
        "faults": run.fault_log,
        "logs": log_findings(run),
        "proxy": (
            {
                "requests": run.proxy.requests,
                "no_backend": run.proxy.no_backend,
                "backends": [
                    {
                        "url": b.url,
                        "forwarded": b.forwarded,
                        "connect_errors": b.connect_errors,
                        "broken": b.broken,
                        "broken_update_ids": b.broken_update_ids,
                        "statuses": dict(b.statuses),
                    }
                    for b in run.proxy.backends
                ],
            }
            if run.proxy is not None
            else None
        ),
        "problems": per_citizen[:100],
        "notes": run.notes,
        "log_dir": str(run.log_dir),
    }
    lost = len(citizens) - exactly_one - len(more_than_one)
    result["verdict"] = {
        "lost": lost,
        "decided_twice": db["applications_decided_twice_or_more"] + len(more_than_one),
        "ok": lost == 0 and not more_than_one and db["applications_decided_twice_or_more"] == 0,
    }
    return result


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value * 1000:.0f} ms" if unit == "ms" else f"{value:.2f}{unit}"
    return f"{value}{unit}"


def print_table(result: dict[str, Any]) -> None:
    reply, first, ana = (
        result["reply_latency_s"],
        result["first_reply_latency_s"],
        result["analysis"]["latency_s"],
    )
    checks = result["checks"]
    db = checks["database"]
    rows = [
        ("bot source", result["bot_source"]),
        ("mode / fault", f"{result['config']['mode']} / {result['config']['fault']}"),
        ("citizens (concurrency)", f"{result['citizens']} ({result['config']['concurrency']})"),
        (
            "completed / failed",
            f"{result['completed']} / {result['failed']} {result['failed_steps'] or ''}",
        ),
        ("outcomes (first outcomes)", f"{result['outcomes']} ({result['first_outcomes']})"),
        (
            "error retries / video resends",
            f"{result['error_retries']} / {result['video_resends']}",
        ),
        ("duration", fmt(result["duration_s"], " s")),
        ("updates (user actions)", result["updates"]),
        (
            "updates/s avg (peak 10 s)",
            f"{result['updates_per_s']} ({result['updates_per_s_peak_10s']})",
        ),
        (
            "reply latency p50/p95/p99",
            f"{fmt(reply['p50'], 'ms')} / {fmt(reply['p95'], 'ms')} / {fmt(reply['p99'], 'ms')}",
        ),
        (
            "first reply p50/p95/p99",
            f"{fmt(first['p50'], 'ms')} / {fmt(first['p95'], 'ms')} / {fmt(first['p99'], 'ms')}",
        ),
        ("analysis throughput", f"{result['analysis']['throughput_videos_per_s']} videos/s"),
        (
            "analysis latency p50/p95/p99",
            f"{fmt(ana['p50'], ' s')} / {fmt(ana['p95'], ' s')} / {fmt(ana['p99'], ' s')}",
        ),
        ("applications (states)", f"{db['applications']} {db['application_states']}"),
        (
            "decided exactly once / twice+ / none",
            f"{db['applications_decided_exactly_once']} / "
            f"{db['applications_decided_twice_or_more']} / {db['applications_undecided']}",
        ),
        (
            "citizens with exactly 1 outcome msg",
            f"{checks['citizens_with_exactly_one_outcome_message']} "
            f"(more: {len(checks['citizens_with_more_than_one'])}, "
            f"none: {len(checks['citizens_with_none'])})",
        ),
        ("'something went wrong' sent", checks["error_messages_sent"]),
        (
            "lost / decided twice",
            f"{result['verdict']['lost']} / {result['verdict']['decided_twice']}",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    for key, value in rows:
        print(f"  {key.ljust(width)}  {value}")
    restarts = {
        k: len(v["restarted_by_supervisor"])
        for k, v in result["logs"].items()
        if v.get("restarted_by_supervisor")
    }
    if restarts:
        print(f"  {'supervisor restarts'.ljust(width)}  {restarts}")
    for fault in result["faults"]:
        print(f"  {'fault'.ljust(width)}  {fault}")
    print()
