from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.phones import (
    PhoneError,
    PhoneErrorCode,
    is_mobile,
    mask_phone,
    normalise_phone,
)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+8613812345678", "+8613812345678"),
        ("8613812345678", "+8613812345678"),  # Telegram contact without "+"
        (" +86 138-1234-5678 ", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),  # national, default region CN
        ("13812345678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),  # international call prefix from China
        ("010 8888 6666", "+861088886666"),  # Beijing landline
        ("+34 612 34 56 78", "+34612345678"),  # Spanish mobile
        ("34612345678", "+34612345678"),
        ("16502530000", "+16502530000"),
        ("+852 6123 4567", "+85261234567"),  # Hong Kong
    ],
)
def test_normalise(raw: str, e164: str) -> None:
    assert normalise_phone(raw) == e164


def test_default_region_is_used_for_national_numbers() -> None:
    assert normalise_phone("612 34 56 78", default_region="ES") == "+34612345678"
    with pytest.raises(PhoneError):
        normalise_phone("612 34 56 78", default_region="CN")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", PhoneErrorCode.INVALID),
        ("hello", PhoneErrorCode.INVALID),
        ("call me", PhoneErrorCode.INVALID),
        ("+86 999 9999 9999", PhoneErrorCode.INVALID),  # right length, no such range
        ("123", PhoneErrorCode.NOT_POSSIBLE),
        ("+8613812345678901234", PhoneErrorCode.NOT_POSSIBLE),
        ("138123456789", PhoneErrorCode.INVALID),  # one digit too many for a mobile
    ],
)
def test_refused(raw: str, code: PhoneErrorCode) -> None:
    with pytest.raises(PhoneError) as caught:
        normalise_phone(raw)
    assert caught.value.code is code


def test_error_message_does_not_echo_the_number() -> None:
    with pytest.raises(PhoneError) as caught:
        normalise_phone("+86 999 9999 9999")
    assert "9999" not in str(caught.value)


def test_mobile_and_landline() -> None:
    assert is_mobile("+8613812345678")
    assert not is_mobile("+861088886666")
    assert is_mobile("+16502530000")  # North American numbers may be either
    assert not is_mobile("garbage")


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+8613812345600", "+86 138******00"),
        ("+861088886666", "+86 108*****66"),
        ("+34612345678", "+34 612****78"),
        ("+16502530000", "+1 650*****00"),
    ],
)
def test_mask_phone(e164: str, masked: str) -> None:
    assert mask_phone(e164) == masked


def test_mask_phone_never_reveals_an_unparsable_value() -> None:
    assert mask_phone("12") == "**"
    assert "5678" not in mask_phone("not a number 12345678")


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_masked_form_hides_the_middle_digits(national: str) -> None:
    try:
        e164 = normalise_phone("+86" + national)
    except PhoneError:
        return
    masked = mask_phone(e164)
    assert masked.startswith("+86 " + national[:3])
    assert masked.endswith(national[-2:])
    assert national[3:9] not in masked


@given(st.text(max_size=40))
def test_garbage_never_crashes(raw: str) -> None:
    try:
        result = normalise_phone(raw)
    except PhoneError:
        return
    assert result.startswith("+")
    assert result[1:].isdigit()
