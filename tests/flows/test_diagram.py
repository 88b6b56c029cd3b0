"""Each section of the citizen flow has a Mermaid diagram beside its module that must draw
exactly the rows of that section of the transition table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.flows.citizen import SECTIONS, TRANSITIONS, Transition

FOLDER = Path(__file__).resolve().parents[2] / "bot" / "flows" / "citizen"
EDGE = re.compile(r"^\s*(\w+)\s*-->\s*(\w+)\s*:\s*(.+?)\s*$")
Edge = tuple[str, str, str]


def edges_of(rows: tuple[Transition, ...]) -> set[Edge]:
    edges = set()
    for tr in rows:
        source = tr.source.value if tr.source else "any"
        targets = {t.value for t in tr.targets} or ({"previous"} if tr.returns else {source})
        label = tr.trigger.name + (f" [{tr.guard.name}]" if tr.guard else "")
        for target in targets:
            edges.add((source, target, label))
    return edges


def render(section: str) -> str:
    lines = ["stateDiagram-v2"]
    if section == "account":
        lines.append("    [*] --> new")
    lines += [f"    {s} --> {t} : {label}" for s, t, label in sorted(edges_of(SECTIONS[section]))]
    return "\n".join(lines) + "\n"


def drawn_edges(path: Path) -> set[Edge]:
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EDGE.match(line)
        if match:
            found.add((match.group(1), match.group(2), match.group(3)))
    return found


def write_all() -> None:
    """Regenerate every diagram: uv run python -c 'from tests.flows.test_diagram import
    write_all; write_all()'"""
    for section in SECTIONS:
        (FOLDER / f"{section}.mmd").write_text(render(section), encoding="utf-8")


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_section_diagram_matches_its_rows(section: str) -> None:
    path = FOLDER / f"{section}.mmd"
    declared, drawn = edges_of(SECTIONS[section]), drawn_edges(path)
    missing, extra = declared - drawn, drawn - declared
    assert not missing and not extra, (
        f"{path.name} is out of date.\nmissing: {sorted(missing)}\nextra: {sorted(extra)}\n"
        f"regenerate: {write_all.__doc__}"
    )


def test_every_row_belongs_to_one_drawn_section() -> None:
    in_sections = [tr for rows in SECTIONS.values() for tr in rows]
    assert len(in_sections) == len(TRANSITIONS)
    assert set(map(id, in_sections)) == set(map(id, TRANSITIONS))
    assert sorted(p.stem for p in FOLDER.glob("*.mmd")) == sorted(SECTIONS)


def test_the_guards_are_rows_of_the_table() -> None:
    guards = {tr.guard.name for tr in TRANSITIONS if tr.guard is not None}
    assert guards == {"account deleted", "idle too long", "signed out"}
    assert any(
        tr.source and tr.source.value == "support_chat" and tr.trigger.name == "*"
        for tr in TRANSITIONS
    )
