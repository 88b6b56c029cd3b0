"""Hypothesis strategies for valid resident ID numbers (GB 11643-1999), for any test."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from hypothesis import strategies as st

from bot.domain.idnumber import PROVINCE_CODES, Sex, check_character

#: The fixed "today" the generated numbers are valid for; pass it to `parse_resident_id`.
TODAY = date(2025, 6, 1)
EARLIEST_BIRTH = date(1900, 1, 1)


class IdCase(NamedTuple):
    number: str
    birth_date: date
    sex: Sex


@st.composite
def resident_id_cases(
    draw: st.DrawFn,
    *,
    min_birth: date = EARLIEST_BIRTH,
    max_birth: date = TODAY,
) -> IdCase:
    """A valid 18-character number with the birth date and sex it encodes."""
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    district = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(min_value=min_birth, max_value=max_birth))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{province}{district}{born:%Y%m%d}{sequence:03d}"
    sex = Sex.MALE if sequence % 2 else Sex.FEMALE
    return IdCase(first17 + check_character(first17), born, sex)


def resident_ids(
    *, min_birth: date = EARLIEST_BIRTH, max_birth: date = TODAY
) -> st.SearchStrategy[str]:
    """Valid 18-character numbers only."""
    return resident_id_cases(min_birth=min_birth, max_birth=max_birth).map(lambda case: case.number)


def to_15_digits(number: str) -> str:
    """The old 15-digit form of an 18-character number born in the 1900s."""
    assert number[6:8] == "19", "only numbers of people born in 19xx had a 15-digit form"
    return number[:6] + number[8:17]
