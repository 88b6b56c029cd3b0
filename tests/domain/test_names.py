from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.names import (
    MAX_NAME_LENGTH,
    NameErrorCode,
    NameValidationError,
    validate_name,
)


def error_code(text: str) -> NameErrorCode:
    with pytest.raises(NameValidationError) as caught:
        validate_name(text)
    return caught.value.code


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("张三", "张三"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("㐀㐁", "㐀㐁"),  # CJK Extension A
        ("  李  小龙 ", "李 小龙"),
        ("李\u3000小龙", "李 小龙"),  # ideographic space
        ("阿沛·阿旺晋美", "阿沛·阿旺晋美"),
        ("阿沛・阿旺晋美", "阿沛·阿旺晋美"),
        ("阿沛•阿旺晋美", "阿沛·阿旺晋美"),
        ("阿沛‧阿旺晋美", "阿沛·阿旺晋美"),
        ("阿沛･阿旺晋美", "阿沛·阿旺晋美"),
        ("阿沛 · 阿旺晋美", "阿沛·阿旺晋美"),
        ("María José", "María José"),
        ("María-José Núñez", "María-José Núñez"),
        ("O'Neill", "O'Neill"),
        ("O’Neill", "O'Neill"),  # a phone keyboard's typographic apostrophe
        ("Ünal Güler", "Ünal Güler"),
        ("Nguyễn Thị Minh Khai", "Nguyễn Thị Minh Khai"),
        ("Lǚ Xiǎomíng", "Lǚ Xiǎomíng"),
        ("Jose\u0301", "José"),  # decomposed accent composed by NFC
        ("Al", "Al"),
        ("Zhang\tWei", "Zhang Wei"),
    ],
)
def test_accepted(typed: str, normalised: str) -> None:
    assert validate_name(typed) == normalised


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", NameErrorCode.TOO_SHORT),
        ("    ", NameErrorCode.TOO_SHORT),
        ("张", NameErrorCode.TOO_SHORT),
        ("张" * (MAX_NAME_LENGTH + 1), NameErrorCode.TOO_LONG),
        ("Ann " * 11, NameErrorCode.TOO_LONG),
        ("张三3", NameErrorCode.INVALID_CHARACTERS),
        ("R2D2", NameErrorCode.INVALID_CHARACTERS),
        ("张三😀", NameErrorCode.INVALID_CHARACTERS),
        ("👨‍👩‍👧", NameErrorCode.INVALID_CHARACTERS),
        ("<b>Bob</b>", NameErrorCode.INVALID_CHARACTERS),
        ("Bob & Alice", NameErrorCode.INVALID_CHARACTERS),
        ("Bob, Jr.", NameErrorCode.INVALID_CHARACTERS),
        ("张三！", NameErrorCode.INVALID_CHARACTERS),
        ("张\n三", NameErrorCode.INVALID_CHARACTERS),
        ("Bob\x00by", NameErrorCode.INVALID_CHARACTERS),
        ("Bob\u200bby", NameErrorCode.INVALID_CHARACTERS),  # zero-width space
        ("Bob\u202eby", NameErrorCode.INVALID_CHARACTERS),  # right-to-left override
        ("···", NameErrorCode.INVALID_CHARACTERS),
        (" · · ", NameErrorCode.INVALID_CHARACTERS),
        ("·张三", NameErrorCode.INVALID_CHARACTERS),
        ("张三·", NameErrorCode.INVALID_CHARACTERS),
        ("张··三", NameErrorCode.INVALID_CHARACTERS),
        ("-Ann", NameErrorCode.INVALID_CHARACTERS),
        ("Ann-", NameErrorCode.INVALID_CHARACTERS),
        ("Ann - Marie", NameErrorCode.INVALID_CHARACTERS),
        ("Ann--Marie", NameErrorCode.INVALID_CHARACTERS),
        ("'Ann'", NameErrorCode.INVALID_CHARACTERS),
        ("Иван", NameErrorCode.INVALID_CHARACTERS),  # Cyrillic is out of scope
        ("山田たろう", NameErrorCode.INVALID_CHARACTERS),  # kana
        ("Ann×Bob", NameErrorCode.INVALID_CHARACTERS),  # the multiplication sign sits among letters
        ("\u0301Ann", NameErrorCode.INVALID_CHARACTERS),  # a lone accent
    ],
)
def test_refused(text: str, code: NameErrorCode) -> None:
    assert error_code(text) is code


def test_length_limits_are_inclusive() -> None:
    assert validate_name("张" * MAX_NAME_LENGTH) == "张" * MAX_NAME_LENGTH
    assert validate_name("李四") == "李四"


def test_error_message_does_not_echo_the_name() -> None:
    with pytest.raises(NameValidationError) as caught:
        validate_name("张三<script>")
    assert "张三" not in str(caught.value)


_CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


@given(st.text(_CHINESE, min_size=2, max_size=MAX_NAME_LENGTH))
def test_chinese_names_are_accepted_unchanged(name: str) -> None:
    assert validate_name(name) == name


@given(st.text(max_size=60))
def test_result_is_always_normalised_and_idempotent(text: str) -> None:
    try:
        name = validate_name(text)
    except NameValidationError:
        return
    assert 2 <= len(name) <= MAX_NAME_LENGTH
    assert name == name.strip()
    assert "  " not in name
    assert not any(char.isdigit() for char in name)
    assert validate_name(name) == name
