"""The emulator's modules import only downwards (no loop, not even under TYPE_CHECKING) and
stay short enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.emulator

PACKAGE = Path(bot.emulator.__file__).parent
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module of bot.emulator and the modules of bot.emulator it imports, anywhere."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.emulator"):
                found.add(str(node.module))
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("bot.emulator")}
        graph[module_name(path)] = found
    return graph


def test_no_import_loops() -> None:
    graph = imports()
    assert "bot.emulator.server" in graph

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for name in graph.get(start, set()):
            if name == target or (name not in seen and reaches(name, target, seen | {name})):
                return True
        return False

    loops = [
        (module, imported)
        for module, imported_names in graph.items()
        for imported in imported_names
        if reaches(imported, module, {imported})
    ]
    assert not loops, loops


def test_modules_stay_short() -> None:
    long = {
        module_name(path): length
        for path in PACKAGE.rglob("*.py")
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long
