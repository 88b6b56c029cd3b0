"""Each section of the admin flow has a Mermaid diagram beside its module that must draw
exactly the rows of that section of the transition table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.admin import SECTIONS, TRANSITIONS, Transition
from tests.diagrams import Edge, assert_drawn, draw, table_edges

FOLDER = Path(__file__).resolve().parents[2] / "bot" / "flows" / "admin"


def edges_of(rows: tuple[Transition, ...]) -> set[Edge]:
    return table_edges(rows, lambda tr: tr.trigger)


def render(section: str) -> str:
    return draw(edges_of(SECTIONS[section]), start="idle" if section == "commands" else None)


def write_all() -> None:
    """Regenerate every diagram: uv run python -c 'from tests.flows.test_admin_diagram import
    write_all; write_all()'"""
    for section in SECTIONS:
        (FOLDER / f"{section}.mmd").write_text(render(section), encoding="utf-8")


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_section_diagram_matches_its_rows(section: str) -> None:
    assert_drawn(FOLDER / f"{section}.mmd", render(section), str(write_all.__doc__))


def test_every_row_belongs_to_one_drawn_section() -> None:
    in_sections = [tr for rows in SECTIONS.values() for tr in rows]
    assert len(in_sections) == len(TRANSITIONS)
    assert sorted(p.stem for p in FOLDER.glob("*.mmd")) == sorted(SECTIONS)


def test_a_stale_diagram_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "broadcast.mmd"
    path.write_text(render("broadcast").replace("btn:s", "btn:q"), encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match=r"missing: \[.*btn:s.*\]\nextra: \[.*btn:q"):
        assert_drawn(path, render("broadcast"), "")
    path.write_text(render("broadcast"), encoding="utf-8")
    assert_drawn(path, render("broadcast"), "")
