"""Phone numbers: normalisation to E.164 and masking for display.

Telegram's shared contact gives `phone_number` in international form, often without the
leading "+" (`8613812345678`). A bare string of 11 or more digits is therefore tried as an
international number first, and only then as a number of the default region. Note the one
ambiguity this leaves: an 11-digit Chinese mobile typed without "+86" that is also a valid
North American number (`13012345678` = +1 301-234-5678) is read as North American; ask users
who type a number to include the country code, or pass text with "+".
"""

from __future__ import annotations

import re
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

__all__ = ["PhoneError", "PhoneErrorCode", "is_mobile", "mask_phone", "normalise_phone"]

_BARE_INTERNATIONAL = re.compile(r"[0-9]{11,15}")
_DECORATION = re.compile(r"[\s\-().]+")


class PhoneErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_POSSIBLE = "not_possible"


class PhoneError(ValueError):
    """The text is not a usable phone number; `code` says why (for a localised reply)."""

    def __init__(self, code: PhoneErrorCode) -> None:
        super().__init__(f"invalid phone number: {code.value}")
        self.code = code


def _parse(text: str, region: str | None) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def normalise_phone(raw: str, *, default_region: str = "CN") -> str:
    """Return the number in E.164 (`+8613812345678`), or raise `PhoneError`.

    `invalid`: not a phone number, or a number in no assigned range; `not_possible`: a number
    of the wrong length for its country.
    """
    text = raw.strip()
    compact = _DECORATION.sub("", text)
    candidates: list[PhoneNumber] = []
    if _BARE_INTERNATIONAL.fullmatch(compact):
        international = _parse("+" + compact, None)
        if international is not None:
            candidates.append(international)
    regional = _parse(text, default_region)
    if regional is not None:
        candidates.append(regional)
    for number in candidates:
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if any(phonenumbers.is_possible_number(number) for number in candidates) or not candidates:
        raise PhoneError(PhoneErrorCode.INVALID)
    raise PhoneError(PhoneErrorCode.NOT_POSSIBLE)


def is_mobile(e164: str) -> bool:
    """Whether a normalised number is a mobile number (or one that may be, as in the US)."""
    number = _parse(e164, None)
    if number is None:
        return False
    kind = phonenumbers.number_type(number)
    return kind in {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _mask_digits(digits: str) -> str:
    if len(digits) <= 5:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]


def mask_phone(e164: str) -> str:
    """Country code, then the first 3 and last 2 digits of the rest: `+86 138******00`."""
    number = _parse(e164, None)
    if number is None or number.country_code is None:
        return _mask_digits(re.sub(r"\D", "", e164))
    national = phonenumbers.national_significant_number(number)
    return f"+{number.country_code} {_mask_digits(national)}"
