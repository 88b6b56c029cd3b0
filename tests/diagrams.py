"""One check for every flow's Mermaid diagrams: the `.mmd` beside a state table must be exactly
the drawing of that table (citizen sections, admin sections, the agents' desk)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

EDGE = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)\s*(?::\s*(.+?))?\s*$")
Edge = tuple[str, str, str]  # source, target, label ("" for the start and end arrows)


def drawn_edges(text: str) -> set[Edge]:
    """The arrows of a Mermaid state diagram."""
    found = set()
    for line in text.splitlines():
        match = EDGE.match(line)
        if match:
            found.add((match.group(1), match.group(2), match.group(3) or ""))
    return found


def table_edges(rows: Iterable[Any], trigger: Callable[[Any], str]) -> set[Edge]:
    """The arrows of a flow's transition rows: from the row's step ("any" for a row of every
    step) to each of its targets, or back to its step when it has none ("previous" for a row
    that returns), labelled with the trigger and the guard."""
    edges = set()
    for tr in rows:
        source = tr.source.value if tr.source else "any"
        stays = "previous" if getattr(tr, "returns", False) else source
        label = trigger(tr) + (f" [{tr.guard.name}]" if tr.guard else "")
        edges |= {(source, target, label) for target in {t.value for t in tr.targets} or {stays}}
    return edges


def draw(edges: Iterable[Edge], *, start: str | None = None) -> str:
    """A state diagram of `edges`, sorted, entered at `start`."""
    lines = ["stateDiagram-v2"]
    if start is not None:
        lines.append(f"    [*] --> {start}")
    lines += [f"    {s} --> {t} : {label}" for s, t, label in sorted(set(edges))]
    return "\n".join(lines) + "\n"


def assert_drawn(path: Path, expected: str, regenerate: str) -> None:
    """Fails unless the diagram at `path` is `expected`, naming the arrows missing and extra."""
    drawn = path.read_text(encoding="utf-8")
    if drawn == expected:
        return
    missing = drawn_edges(expected) - drawn_edges(drawn)
    extra = drawn_edges(drawn) - drawn_edges(expected)
    pytest.fail(
        f"{path.name} is out of date.\nmissing: {sorted(missing)}\nextra: {sorted(extra)}\n"
        f"regenerate: {regenerate}"
    )
