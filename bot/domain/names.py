"""Person names as typed by citizens for themselves and their family members.

Accepted: Chinese characters (CJK Unified Ideographs and Extension A), Latin letters with or
without accents (Spanish á é í ó ú ñ ü, French, German, Pinyin tone marks...), single spaces,
the middle dot `·` used in transliterated and minority names (阿沛·阿旺晋美), and a hyphen or
apostrophe *between two letters* (María-José, O'Neill). Everything else is refused: digits,
emoji, punctuation, markup such as `<b>`, control and invisible characters.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

__all__ = [
    "MAX_NAME_LENGTH",
    "MIN_NAME_LENGTH",
    "NameErrorCode",
    "NameValidationError",
    "validate_name",
]

MIN_NAME_LENGTH = 2
MAX_NAME_LENGTH = 40
MIDDLE_DOT = "\u00b7"

# Look-alikes typed by Chinese, Japanese and Western keyboards, mapped to one form.
_TRANSLATE = str.maketrans(
    {
        "\u30fb": MIDDLE_DOT,  # ・ katakana middle dot
        "\u2022": MIDDLE_DOT,  # • bullet
        "\u2027": MIDDLE_DOT,  # ‧ hyphenation point
        "\uff65": MIDDLE_DOT,  # ･ halfwidth katakana middle dot
        "\u2019": "'",  # ’ phones' "smart" apostrophe
        "\u02bc": "'",  # ʼ modifier letter apostrophe
        "\u2010": "-",  # ‐ hyphen
        "\u2011": "-",  # ‑ non-breaking hyphen
    }
)
_SPACES = re.compile(r"[\t\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_SPACES_AROUND_DOT = re.compile(r" ?\u00b7 ?")
_JOINERS = frozenset("-'" + MIDDLE_DOT)


class NameErrorCode(StrEnum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    INVALID_CHARACTERS = "invalid_characters"


class NameValidationError(ValueError):
    """The text is not an acceptable name; `code` says why (for a localised reply)."""

    def __init__(self, code: NameErrorCode) -> None:
        super().__init__(f"invalid name: {code.value}")
        self.code = code


def _is_letter(char: str) -> bool:
    point = ord(char)
    if 0x4E00 <= point <= 0x9FFF or 0x3400 <= point <= 0x4DBF:  # CJK Unified, Extension A
        return True
    latin = (
        char.isascii()
        or 0x00C0 <= point <= 0x024F  # Latin-1 Supplement letters, Latin Extended-A and -B
        or 0x1E00 <= point <= 0x1EFF  # Latin Extended Additional (Vietnamese, Pinyin)
    )
    return latin and unicodedata.category(char) in {"Lu", "Ll", "Lt"}


def _is_mark(char: str) -> bool:
    return 0x0300 <= ord(char) <= 0x036F  # combining accents left over after NFC


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATE).strip()
    text = _SPACES.sub(" ", text)
    return _SPACES_AROUND_DOT.sub(MIDDLE_DOT, text)


def _well_formed(name: str) -> bool:
    for index, char in enumerate(name):
        previous = name[index - 1] if index > 0 else ""
        following = name[index + 1] if index + 1 < len(name) else ""
        if _is_letter(char) or char == " ":
            continue
        if _is_mark(char):
            if not (previous and (_is_letter(previous) or _is_mark(previous))):
                return False
        elif char in _JOINERS:
            if not (previous and (_is_letter(previous) or _is_mark(previous))):
                return False
            if not (following and _is_letter(following)):
                return False
        else:
            return False
    return True


def validate_name(text: str) -> str:
    """Return the normalised name, or raise `NameValidationError`.

    Normalisation: Unicode NFC, surrounding whitespace trimmed, runs of spaces collapsed to
    one, middle-dot variants (・ • ‧ ･) turned into `·` with no spaces around it, typographic
    apostrophes and hyphens turned into `'` and `-`. The result has 2 to 40 characters.
    """
    name = _normalise(text)
    if not _well_formed(name):
        raise NameValidationError(NameErrorCode.INVALID_CHARACTERS)
    if len(name) < MIN_NAME_LENGTH:
        raise NameValidationError(NameErrorCode.TOO_SHORT)
    if len(name) > MAX_NAME_LENGTH:
        raise NameValidationError(NameErrorCode.TOO_LONG)
    return name
