"""Logging set-up: JSON lines, plain text, and the masking of personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.logs import mask, setup_logging

ID_NUMBER = "11010519491231002X"
PHONE = "+8613800138000"
TOKEN = "123456789:AAH-abcdefghijklmnopqrstuvwxyz01234"


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, given back as it was (pytest's own capture handlers included)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def configure(log_json: bool, level: str = "INFO") -> io.StringIO:
    stream = io.StringIO()
    settings = Settings(_env_file=None, log_json=log_json, log_level=level)  # type: ignore[call-arg]
    setup_logging(settings, stream=stream)
    return stream


def lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line]


def test_json_lines_carry_the_fields_and_extras(root_logger: logging.Logger) -> None:
    stream = configure(log_json=True)
    logging.getLogger("bot.test").info(
        "application %s approved", 42, extra={"application_id": 42, "step": "menu"}
    )
    logging.getLogger("bot.test").debug("not shown at INFO")
    [line] = lines(stream)
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "bot.test"
    assert entry["message"] == "application 42 approved"
    assert entry["application_id"] == 42
    assert entry["step"] == "menu"
    assert entry["timestamp"].endswith("+00:00")
    assert entry["timestamp"][:4].isdigit()
    assert set(entry) == {"timestamp", "level", "logger", "message", "application_id", "step"}


def test_json_exceptions_are_one_line_and_masked(root_logger: logging.Logger) -> None:
    stream = configure(log_json=True)
    try:
        raise ValueError(f"bad ID number {ID_NUMBER}")
    except ValueError:
        logging.getLogger("bot.test").exception("parsing failed")
    [line] = lines(stream)
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert "ValueError: bad ID number [id-number]" in entry["exception"]
    assert ID_NUMBER not in line


def test_plain_format_is_the_default(root_logger: logging.Logger) -> None:
    stream = configure(log_json=False)
    logging.getLogger("bot.test").warning("hello %s", "world")
    [line] = lines(stream)
    assert line.endswith("WARNING bot.test: hello world")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


@pytest.mark.parametrize("log_json", [True, False])
def test_personal_data_is_masked_in_messages_arguments_and_extras(
    root_logger: logging.Logger, log_json: bool
) -> None:
    stream = configure(log_json=log_json)
    log = logging.getLogger("bot.test")
    log.info("citizen %s with phone %s", ID_NUMBER, PHONE)
    log.info(f"inline {ID_NUMBER.lower()} and 13800138000 and {TOKEN}")
    log.info("extra", extra={"phone": PHONE})
    output = stream.getvalue()
    for secret in (ID_NUMBER, ID_NUMBER.lower(), PHONE, "13800138000", TOKEN, "AAH-abc"):
        assert secret not in output
    assert output.count("[id-number]") == 2
    assert "[phone]" in output
    assert "[token]" in output


def test_mask_keeps_what_is_not_personal() -> None:
    assert mask("update 123456789 from user 5512345678 took 12 ms") == (
        "update 123456789 from user 5512345678 took 12 ms"
    )
    assert mask(f"id={ID_NUMBER};") == "id=[id-number];"
    assert mask("call 13800138000 now") == "call [phone] now"
    assert mask("+34612345678") == "[phone]"
    assert mask("手机13800138000。") == "手机[phone]。"
    assert mask("tel:+8613800138000,") == "tel:[phone],"
    assert mask("applied 0_20250101120000_init.py") == "applied 0_20250101120000_init.py"


def test_setup_twice_keeps_one_handler(root_logger: logging.Logger) -> None:
    configure(log_json=True)
    stream = configure(log_json=False, level="debug")
    assert len(root_logger.handlers) == 1
    assert root_logger.level == logging.DEBUG
    logging.getLogger("bot.test").debug("once")
    assert lines(stream) == [lines(stream)[0]]
    assert lines(stream)[0].endswith("once")
