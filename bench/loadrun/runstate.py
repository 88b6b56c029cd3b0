"""What a run holds while it goes: its options, folders, processes, proxy and notes."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.loadrun.common import (
    ROOT,
)
from bench.loadrun.procs import Proc
from bench.loadrun.proxy import Proxy

# --- the run -----------------------------------------------------------------------------------


@dataclass
class Run:
    args: argparse.Namespace
    out_dir: Path
    stamp: str
    log_dir: Path
    data_dir: Path
    db_url: str = ""
    procs: list[Proc] = field(default_factory=list)
    bots: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    emulator: Proc | None = None
    proxy: Proxy | None = None
    fault_log: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started_at: float = 0.0
    source: Path = ROOT
    source_desc: str = ""
