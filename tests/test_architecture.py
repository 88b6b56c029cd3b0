"""The layering the design promises, read from the code's imports: Telegram libraries only in
their runtime adapter, nothing below the handlers importing them, no service calling up."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
TELEGRAM_LIBRARIES = {"aiogram": "bot/handlers/aiogram", "telegram": "bot/handlers/ptb"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules() -> dict[str, set[str]]:
    return {
        path.relative_to(ROOT).as_posix(): imports_of(path) for path in sorted(BOT.rglob("*.py"))
    }


def test_telegram_libraries_are_imported_only_by_their_adapter() -> None:
    offenders = [
        f"{module} imports {name}"
        for module, names in modules().items()
        for name in names
        for library, home in TELEGRAM_LIBRARIES.items()
        if (name == library or name.startswith(f"{library}.")) and not module.startswith(home)
    ]
    assert offenders == []


def test_the_check_sees_an_import_where_there_is_one(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from aiogram.types import Message\nimport telegram.ext\nfrom . import x\n")
    assert imports_of(sample) == {"aiogram.types", "telegram.ext"}


def test_lower_layers_never_import_upper_ones() -> None:
    upper = {
        "bot/services": ("bot.handlers", "bot.flows.runner", "bot.flows.agents", "bot.wiring"),
        "bot/storage": ("bot.handlers", "bot.flows", "bot.services", "bot.wiring"),
        "bot/domain": ("bot.",),
        "bot/vision": ("bot.handlers", "bot.flows", "bot.services", "bot.storage", "bot.jobs"),
        "bot/flows": ("bot.handlers", "bot.wiring"),
    }
    offenders = [
        f"{module} imports {name}"
        for module, names in modules().items()
        for layer, forbidden in upper.items()
        if module.startswith(layer)
        for name in names
        if name.startswith(forbidden)
        and not (layer == "bot/domain" and name.startswith("bot.domain"))
    ]
    assert offenders == []
