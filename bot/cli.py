"""Operator commands, run as `python -m bot ...`:

    references import PATH [--source NAME] [--json]   a folder of <ID number>.jpg|.png, or a CSV
                                                      with columns id_number,image_path
    references count [--json]                         how many reference faces are stored
    ecard verify TOKEN [--max-age-days N] [--json]    check an e-card token (not revoked)

Exit status 0 on success, 2 on a usage error, an unusable input or an invalid e-card. Output
never shows an ID number in full.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.security import KEY_FILE_NAME, KeyConfigError, Vault, generate_key, load_vault
from bot.services.ecard import InvalidToken, verify_token
from bot.services.erasure import revoked_at
from bot.services.keys import RotationReport, rotate_stored_data
from bot.services.references import (
    ImportReport,
    LocalReferenceRegistry,
    ReferenceImportError,
    import_csv,
    import_folder,
)
from bot.storage.db import close_db, init_db

__all__ = ["main"]

OK = 0
FAILED = 2


class _Parser(argparse.ArgumentParser):
    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            self._print_message(message, sys.stderr)
        raise _Exit(status)


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _parser() -> _Parser:
    parser = _Parser(prog="python -m bot", description="Operator commands of the family bot.")
    groups = parser.add_subparsers(dest="group", required=True, parser_class=_Parser)

    references = groups.add_parser("references", help="the local reference photo registry")
    reference_commands = references.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )
    importer = reference_commands.add_parser(
        "import", help="import a folder of <ID number>.jpg|.png, or a CSV id_number,image_path"
    )
    importer.add_argument("path", type=Path, help="a folder, or a .csv file")
    importer.add_argument("--source", default="import", help="recorded with each photo")
    importer.add_argument("--json", action="store_true", help="print a JSON report")
    counter = reference_commands.add_parser("count", help="how many reference photos are stored")
    counter.add_argument("--json", action="store_true", help="print JSON")

    keys = groups.add_parser("keys", help="encryption keys")
    key_commands = keys.add_subparsers(dest="command", required=True, parser_class=_Parser)
    key_commands.add_parser("generate", help="print a new key for ENCRYPTION_KEYS or HASH_KEY")
    rotator = key_commands.add_parser(
        "rotate", help="re-encrypt stored data with the first key of ENCRYPTION_KEYS"
    )
    rotator.add_argument("--json", action="store_true", help="print a JSON report")

    ecard = groups.add_parser("ecard", help="member e-cards")
    ecard_commands = ecard.add_subparsers(dest="command", required=True, parser_class=_Parser)
    verifier = ecard_commands.add_parser("verify", help="check an e-card token")
    verifier.add_argument("token", help="the token (the text of the QR code)")
    verifier.add_argument(
        "--max-age-days", type=int, default=None, help="refuse cards issued longer ago"
    )
    verifier.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _fail(message: str, *, as_json: bool, **details: object) -> int:
    if as_json:
        print(json.dumps({"ok": False, "error": message, **details}))
    else:
        print(f"error: {message}", file=sys.stderr)
    return FAILED


def _print_report(report: ImportReport, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"ok": True, **report.to_json_dict()}))
        return
    print(f"Imported {report.imported} reference photo(s); skipped {len(report.skipped)}.")
    for item in report.skipped:
        print(f"  {item.where}: {item.reason.value}")


async def _references(args: argparse.Namespace, settings: Settings) -> int:
    vault = load_vault(settings)
    await init_db(settings.effective_database_url)
    try:
        registry = LocalReferenceRegistry(vault, settings.data_dir)
        if args.command == "count":
            count = await registry.count()
            print(json.dumps({"ok": True, "count": count}) if args.json else count)
            return OK
        path: Path = args.path
        try:
            if path.suffix.lower() == ".csv":
                report = await import_csv(registry, path, source=args.source)
            else:
                report = await import_folder(registry, path, source=args.source)
        except ReferenceImportError as error:
            return _fail(str(error), as_json=args.json)
        _print_report(report, as_json=args.json)
        return OK
    finally:
        await close_db()


def _keys(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "generate":
        print(generate_key())
        return OK
    vault = load_vault(settings)

    async def rotate() -> RotationReport:
        await init_db(settings.effective_database_url)
        try:
            return await rotate_stored_data(vault, settings.data_dir)
        finally:
            await close_db()

    report = asyncio.run(rotate())
    if args.json:
        print(json.dumps({"ok": True, **report.to_json_dict()}))
    else:
        print(
            f"Re-encrypted {report.citizens} citizen(s), {report.members} member(s) and "
            f"{report.files} file(s) with the newest key."
        )
    return OK


async def _revoked_at(settings: Settings, vault: Vault, member_id_hash: str) -> datetime | None:
    """When the member's e-cards were revoked, from the bot's database."""
    await init_db(settings.effective_database_url)
    try:
        return await revoked_at(vault, member_id_hash)
    finally:
        await close_db()


def _ecard_verify(args: argparse.Namespace, settings: Settings) -> int:
    if settings.hash_key is None and not (settings.data_dir / KEY_FILE_NAME).exists():
        return _fail(
            "no keys: set ENCRYPTION_KEYS and HASH_KEY, or DATA_DIR to the bot's data folder",
            as_json=args.json,
        )
    vault = load_vault(settings)
    max_age = None if args.max_age_days is None else timedelta(days=args.max_age_days)
    try:
        claims = verify_token(vault, args.token, max_age=max_age)
    except InvalidToken as error:
        return _fail(f"invalid e-card: {error}", as_json=args.json, valid=False)
    revoked = asyncio.run(_revoked_at(settings, vault, claims.member_id_hash))
    if revoked is not None and claims.issued_at <= revoked:
        return _fail(
            "revoked e-card: the member's data was deleted",
            as_json=args.json,
            valid=False,
            revoked=True,
        )
    if args.json:
        print(json.dumps({"ok": True, "valid": True, **claims.to_json_dict()}))
    else:
        print("Valid e-card")
        for name, value in claims.to_json_dict().items():
            print(f"  {name}: {value}")
    return OK


def main(argv: Sequence[str], *, settings: Settings | None = None) -> int:
    """Run one operator command; `argv` starts with the group (`references`, `ecard`)."""
    try:
        args = _parser().parse_args(list(argv))
    except _Exit as stop:
        return stop.status
    settings = settings or Settings()
    try:
        if args.group == "references":
            return asyncio.run(_references(args, settings))
        if args.group == "keys":
            return _keys(args, settings)
        return _ecard_verify(args, settings)
    except KeyConfigError as error:
        return _fail(str(error), as_json=args.json)
