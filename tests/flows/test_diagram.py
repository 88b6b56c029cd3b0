"""The Mermaid diagram beside the citizen flow must draw exactly the declared transitions."""

from __future__ import annotations

import re
from pathlib import Path

from bot.flows.citizen import TRANSITIONS

DIAGRAM = Path(__file__).resolve().parents[2] / "bot" / "flows" / "citizen.mmd"
EDGE = re.compile(r"^\s*(\w+)\s*-->\s*(\w+)\s*:\s*(\S+)\s*$")


def declared_edges() -> set[tuple[str, str, str]]:
    edges = set()
    for tr in TRANSITIONS:
        source = tr.source.value if tr.source else "any"
        targets = {t.value for t in tr.targets} or ({"previous"} if tr.returns else {source})
        for target in targets:
            edges.add((source, target, tr.trigger.name))
    return edges


def render() -> str:
    lines = ["stateDiagram-v2", "    [*] --> new"]
    lines += [f"    {s} --> {t} : {trig}" for s, t, trig in sorted(declared_edges())]
    return "\n".join(lines) + "\n"


def drawn_edges() -> set[tuple[str, str, str]]:
    found = set()
    for line in DIAGRAM.read_text(encoding="utf-8").splitlines():
        match = EDGE.match(line)
        if match:
            found.add((match.group(1), match.group(2), match.group(3)))
    return found


def test_diagram_matches_transition_table() -> None:
    missing = declared_edges() - drawn_edges()
    extra = drawn_edges() - declared_edges()
    assert not missing and not extra, (
        f"citizen.mmd is out of date.\nmissing: {sorted(missing)}\nextra: {sorted(extra)}\n"
        "regenerate: uv run python -c 'from tests.flows.test_diagram import render; "
        f"print(render(), end=str())' > {DIAGRAM}"
    )
