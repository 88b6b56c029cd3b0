"""Resident identity card numbers of the People's Republic of China (GB 11643-1999).

An 18-character number is made of a 6-digit region code, an 8-digit birth date (YYYYMMDD),
a 3-digit sequence (odd for men, even for women) and a check character computed with
ISO 7064 MOD 11-2. The older 15-digit form (YYMMDD birth date in the 1900s, no check
character) is accepted and converted.

Error messages never contain the number itself: it is personal data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "PROVINCE_CODES",
    "IdErrorCode",
    "IdNumberError",
    "ResidentId",
    "Sex",
    "age_on",
    "check_character",
    "mask_id",
    "parse_resident_id",
]

PROVINCE_CODES: frozenset[str] = frozenset(
    [str(code) for code in range(11, 16)]
    + [str(code) for code in range(21, 24)]
    + [str(code) for code in range(31, 38)]
    + [str(code) for code in range(41, 47)]
    + [str(code) for code in range(50, 55)]
    + [str(code) for code in range(61, 66)]
    + ["71", "81", "82"]
)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)
_SEPARATORS = re.compile(r"[\s\-‐‑–—]+")
_FORM_18 = re.compile(r"[0-9]{17}[0-9X]")
_FORM_15 = re.compile(r"[0-9]{15}")


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class IdErrorCode(StrEnum):
    EMPTY = "empty"
    LENGTH = "length"
    CHARACTERS = "characters"
    PROVINCE = "province"
    BIRTH_DATE = "birth_date"
    FUTURE_BIRTH_DATE = "future_birth_date"
    CHECKSUM = "checksum"


class IdNumberError(ValueError):
    """The text is not a valid resident ID number; `code` says why (for a localised reply)."""

    def __init__(self, code: IdErrorCode) -> None:
        super().__init__(f"invalid resident ID number: {code.value}")
        self.code = code


@dataclass(frozen=True)
class ResidentId:
    """A valid 18-character resident ID number and what it encodes."""

    number: str
    region_code: str
    birth_date: date
    sex: Sex
    converted_from_15: bool

    def __repr__(self) -> str:  # keep the number out of logs and tracebacks
        return f"ResidentId(number={mask_id(self.number)!r})"


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise IdNumberError(IdErrorCode.CHARACTERS)
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def _normalise(text: str) -> str:
    # NFKC turns full-width digits and letters (common with Chinese input methods) into ASCII.
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def _birth_date(digits: str, *, today: date) -> date:
    try:
        born = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError(IdErrorCode.BIRTH_DATE) from None
    if born < _EARLIEST_BIRTH:
        raise IdNumberError(IdErrorCode.BIRTH_DATE)
    if born > today:
        raise IdNumberError(IdErrorCode.FUTURE_BIRTH_DATE)
    return born


def parse_resident_id(text: str, *, today: date) -> ResidentId:
    """Validate and normalise a resident ID number typed by a person.

    Surrounding whitespace and internal spaces or hyphens are removed, full-width digits are
    read as ASCII, a lowercase `x` is read as `X`, and a 15-digit number is converted to 18
    characters. `today` bounds the birth date (no births in the future). Raises
    `IdNumberError`.
    """
    number = _normalise(text)
    if not number:
        raise IdNumberError(IdErrorCode.EMPTY)
    if len(number) not in (15, 18):
        raise IdNumberError(IdErrorCode.LENGTH)
    converted = len(number) == 15
    if converted:
        if not _FORM_15.fullmatch(number):
            raise IdNumberError(IdErrorCode.CHARACTERS)
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_character(first17)
    elif not _FORM_18.fullmatch(number):
        raise IdNumberError(IdErrorCode.CHARACTERS)
    if number[:2] not in PROVINCE_CODES:
        raise IdNumberError(IdErrorCode.PROVINCE)
    born = _birth_date(number[6:14], today=today)
    if check_character(number[:17]) != number[17]:
        raise IdNumberError(IdErrorCode.CHECKSUM)
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return ResidentId(
        number=number,
        region_code=number[:6],
        birth_date=born,
        sex=sex,
        converted_from_15=converted,
    )


def age_on(birth: date, today: date) -> int:
    """Age in full years on `today`. A 29 February birthday is reached on 1 March in
    common years (the rule used for legal age in China and most jurisdictions)."""
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years


def mask_id(number: str) -> str:
    """Show the first 3 and last 4 characters, e.g. `110***********123X`."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
