from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.idnumber import (
    IdErrorCode,
    IdNumberError,
    ResidentId,
    Sex,
    age_on,
    check_character,
    mask_id,
    parse_resident_id,
)
from tests.domain.strategies import TODAY, IdCase, resident_id_cases, resident_ids, to_15_digits

# The worked example of GB 11643-1999 (Beijing, Chaoyang; born 1949-12-31; female).
EXAMPLE = "11010519491231002X"


def parse(text: str, today: date = TODAY) -> ResidentId:
    return parse_resident_id(text, today=today)


def error_code(text: str, today: date = TODAY) -> IdErrorCode:
    with pytest.raises(IdNumberError) as caught:
        parse(text, today)
    return caught.value.code


def test_standard_example() -> None:
    resident = parse(EXAMPLE)
    assert resident == ResidentId(
        number=EXAMPLE,
        region_code="110105",
        birth_date=date(1949, 12, 31),
        sex=Sex.FEMALE,
        converted_from_15=False,
    )


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),  # the standard's second example
        ("11010119900307001", "1"),
        ("11010119900307002", "X"),
    ],
)
def test_check_character(first17: str, expected: str) -> None:
    assert check_character(first17) == expected


@pytest.mark.parametrize("bad", ["", "1234", "1101051949123100X", "110105194912310021"])
def test_check_character_needs_17_digits(bad: str) -> None:
    with pytest.raises(IdNumberError):
        check_character(bad)


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",
        "  11010519491231002X\n",
        "110105 19491231 002X",
        "110105-19491231-002x",
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width, as Chinese input methods type it
    ],
)
def test_accepted_spellings_are_normalised(typed: str) -> None:
    assert parse(typed).number == EXAMPLE


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", IdErrorCode.EMPTY),
        ("   ", IdErrorCode.EMPTY),
        ("1101051949123100", IdErrorCode.LENGTH),
        ("11010519491231002XX", IdErrorCode.LENGTH),
        ("110105194912310X2X", IdErrorCode.CHARACTERS),
        ("11010519491231002Y", IdErrorCode.CHARACTERS),
        ("11010519491231００2A", IdErrorCode.CHARACTERS),
        ("11010549123100X", IdErrorCode.CHARACTERS),  # 15-digit form has no check character
        ("10010519491231002X", IdErrorCode.PROVINCE),
        ("91010519491231002X", IdErrorCode.PROVINCE),
        ("16010519491231002X", IdErrorCode.PROVINCE),
        ("110105" + "20230230" + "0011", IdErrorCode.BIRTH_DATE),  # 30 February
        ("110105" + "20231301" + "0011", IdErrorCode.BIRTH_DATE),
        ("110105" + "18991231" + "0011", IdErrorCode.BIRTH_DATE),
        ("11010519491231002A", IdErrorCode.CHARACTERS),
        ("110105194912310021", IdErrorCode.CHECKSUM),
    ],
)
def test_refused(text: str, code: IdErrorCode) -> None:
    assert error_code(text) is code


def test_thirtieth_of_february_is_refused_even_with_a_correct_check_character() -> None:
    first17 = "110105" + "20000230" + "001"
    assert error_code(first17 + check_character(first17)) is IdErrorCode.BIRTH_DATE


def test_leap_day_is_accepted_in_leap_years_only() -> None:
    leap = "110105" + "20000229" + "001"
    assert parse(leap + check_character(leap)).birth_date == date(2000, 2, 29)
    common = "110105" + "19000229" + "001"  # 1900 was not a leap year
    assert error_code(common + check_character(common)) is IdErrorCode.BIRTH_DATE


def test_future_birth_date() -> None:
    first17 = "110105" + "20250602" + "001"
    number = first17 + check_character(first17)
    assert error_code(number, today=date(2025, 6, 1)) is IdErrorCode.FUTURE_BIRTH_DATE
    assert parse(number, today=date(2025, 6, 2)).birth_date == date(2025, 6, 2)


def test_error_messages_do_not_contain_the_number() -> None:
    with pytest.raises(IdNumberError) as caught:
        parse("110105194912310021")
    assert "1101" not in str(caught.value)
    assert "1101" not in repr(caught.value)


def test_repr_masks_the_number() -> None:
    assert EXAMPLE not in repr(parse(EXAMPLE))


def test_fifteen_digit_form_is_converted() -> None:
    resident = parse("110105491231002")
    assert resident.number == EXAMPLE
    assert resident.converted_from_15
    assert resident.birth_date == date(1949, 12, 31)


def test_fifteen_digit_form_with_bad_province_or_date() -> None:
    assert error_code("990105491231002") is IdErrorCode.PROVINCE
    assert error_code("110105490230002") is IdErrorCode.BIRTH_DATE


@given(resident_id_cases())
def test_every_valid_number_parses_and_round_trips(case: IdCase) -> None:
    resident = parse(case.number)
    assert resident.number == case.number
    assert resident.birth_date == case.birth_date
    assert resident.sex is case.sex
    assert resident.region_code == case.number[:6]
    assert not resident.converted_from_15
    assert parse(case.number.lower()) == resident


@given(resident_ids(), st.data())
def test_every_single_character_change_is_detected(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=17))
    replacement = data.draw(st.sampled_from("0123456789X").filter(lambda c: c != number[position]))
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(IdNumberError):
        parse(changed)


@given(resident_ids(), st.data())
def test_every_adjacent_transposition_is_detected(number: str, data: st.DataObject) -> None:
    swappable = [
        i
        for i in range(17)
        if number[i] != number[i + 1] and number[i].isdigit() and number[i + 1].isdigit()
    ]
    if not swappable:  # e.g. 1111...; hypothesis draws others
        return
    i = data.draw(st.sampled_from(swappable))
    swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    with pytest.raises(IdNumberError):
        parse(swapped)


def test_all_single_changes_of_the_example_are_detected() -> None:
    for position in range(18):
        for replacement in "0123456789X":
            if replacement != EXAMPLE[position]:
                changed = EXAMPLE[:position] + replacement + EXAMPLE[position + 1 :]
                with pytest.raises(IdNumberError):
                    parse(changed)


@given(resident_ids(min_birth=date(1900, 1, 1), max_birth=date(1999, 12, 31)))
def test_fifteen_digit_conversion_round_trips(number: str) -> None:
    resident = parse(to_15_digits(number))
    assert resident.number == number
    assert resident.converted_from_15


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (date(2000, 6, 15), date(2025, 6, 14), 24),
        (date(2000, 6, 15), date(2025, 6, 15), 25),
        (date(2000, 2, 29), date(2001, 2, 28), 0),
        (date(2000, 2, 29), date(2001, 3, 1), 1),
        (date(2000, 2, 29), date(2004, 2, 29), 4),
        (date(2009, 12, 31), date(2025, 12, 30), 15),
        (date(2009, 12, 31), date(2025, 12, 31), 16),
        (date(2025, 6, 1), date(2025, 6, 1), 0),
    ],
)
def test_age_on(birth: date, today: date, age: int) -> None:
    assert age_on(birth, today) == age


@given(st.dates(max_value=date(2100, 1, 1)), st.integers(min_value=0, max_value=100))
def test_age_on_matches_counting_birthdays(birth: date, years: int) -> None:
    try:
        anniversary = birth.replace(year=birth.year + years)
    except ValueError:  # 29 February in a common year: the birthday is reached on 1 March
        anniversary = date(birth.year + years, 3, 1)
    assert age_on(birth, anniversary) == years
    if years:
        assert age_on(birth, date.fromordinal(anniversary.toordinal() - 1)) == years - 1


def test_mask_id() -> None:
    assert mask_id("11010519491231123X") == "110***********123X"
    assert mask_id(EXAMPLE) == "110***********002X"
    assert mask_id("123") == "***"
