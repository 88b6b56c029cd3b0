"""Each section of the citizen flow has a Mermaid diagram beside its module that must draw
exactly the rows of that section of the transition table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.citizen import SECTIONS, TRANSITIONS, Transition
from tests.diagrams import Edge, assert_drawn, draw, table_edges

FOLDER = Path(__file__).resolve().parents[2] / "bot" / "flows" / "citizen"


def edges_of(rows: tuple[Transition, ...]) -> set[Edge]:
    return table_edges(rows, lambda tr: tr.trigger.name)


def render(section: str) -> str:
    return draw(edges_of(SECTIONS[section]), start="new" if section == "account" else None)


def write_all() -> None:
    """Regenerate every diagram: uv run python -c 'from tests.flows.test_diagram import
    write_all; write_all()'"""
    for section in SECTIONS:
        (FOLDER / f"{section}.mmd").write_text(render(section), encoding="utf-8")


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_section_diagram_matches_its_rows(section: str) -> None:
    assert_drawn(FOLDER / f"{section}.mmd", render(section), str(write_all.__doc__))


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
