"""`python -m bench.throughput.cpu` still drives the product and the echo bot: citizens sign
in, alternate /menu and Family Services, and both bots' CPU per update is printed."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bench.throughput import cpu


def test_the_in_process_benchmark_runs_both_bots(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    args = ["--citizens", "3", "--concurrency", "3", "--updates", "12", "--rounds", "1"]
    asyncio.run(cpu.run(cpu.parse_args([*args, "--no-freeze"])))
    out = capsys.readouterr().out
    assert re.search(r"echo\s+median \d+\.\d+", out), out
    assert re.search(r"product\s+median \d+\.\d+", out), out


def test_citizens_may_have_members_with_applications(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    args = ["--citizens", "2", "--concurrency", "2", "--updates", "8", "--rounds", "1"]
    asyncio.run(cpu.run(cpu.parse_args([*args, "--members", "2", "--no-freeze"])))
    out = capsys.readouterr().out
    assert "2 members each" in out, out
    assert re.search(r"product\s+median \d+\.\d+", out), out


def test_the_product_can_be_profiled(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import pstats

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    out_file = tmp_path / "product.prof"
    args = ["--citizens", "2", "--concurrency", "2", "--updates", "8", "--no-freeze"]
    asyncio.run(cpu.run(cpu.parse_args([*args, "--profile", str(out_file)])))
    stats = pstats.Stats(str(out_file))
    profiled = {f"{path}:{name}" for path, _, name in stats.stats}  # type: ignore[attr-defined]
    assert any(p.endswith("runner.py:feed") for p in profiled), sorted(profiled)[:20]
    assert "profile of 8 product updates" in capsys.readouterr().out
