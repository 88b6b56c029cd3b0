"""Telegram's HTML parse mode: the same tags, entities and error texts as the Bot API.

Follows tdlib's `parse_html`: offsets of the produced entities count UTF-16 code units,
error offsets count UTF-8 bytes of the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_ENTITY_TYPE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's own wording."""


@dataclass
class _OpenTag:
    name: str
    argument: str
    start: int  # UTF-16 offset in the output


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(source: str, at: int) -> tuple[str, int] | None:
    """Decode `&...;` at `at`: (character, characters consumed), or None to keep a literal '&'."""
    end = source.find(";", at + 1)
    if end == -1 or end - at > 12:
        return None
    body = source[at + 1 : end]
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end - at + 1
    if body.startswith("#"):
        digits = body[1:]
        try:
            code = int(digits[1:], 16) if digits[:1] in ("x", "X") else int(digits, 10)
        except ValueError:
            return None
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), end - at + 1
    return None


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, message entities as Bot API JSON)."""
    out: list[str] = []
    out16 = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    n = len(source)
    i = 0

    def byte_offset(index: int) -> int:
        return len(source[:index].encode("utf-8"))

    while i < n:
        ch = source[i]
        if ch == "&":
            decoded = _decode_entity(source, i)
            if decoded is not None:
                out.append(decoded[0])
                out16 += utf16_len(decoded[0])
                i += decoded[1]
                continue
        if ch != "<":
            out.append(ch)
            out16 += utf16_len(ch)
            i += 1
            continue
        begin = byte_offset(i)
        i += 1
        if i < n and source[i] == "/":
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
            i += 1
            name_begin = i
            while i < n and not source[i].isspace() and source[i] != ">":
                i += 1
            end_name = source[name_begin:i].lower()
            while i < n and source[i].isspace():
                i += 1
            if i >= n or source[i] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
            i += 1
            top = stack[-1]
            if end_name and end_name != top.name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{top.name}>", '
                    f'found "</{end_name}>"'
                )
            stack.pop()
            entity = _make_entity(top, out16 - top.start)
            if entity is not None:
                entities.append(entity)
            continue
        name_begin = i
        while i < n and not source[i].isspace() and source[i] != ">":
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        name = source[name_begin:i].lower()
        if name not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
        argument = ""
        while i < n and source[i] != ">":
            while i < n and source[i].isspace():
                i += 1
            if i < n and source[i] == ">":
                break
            attr_begin = i
            while i < n and not source[i].isspace() and source[i] != "=":
                i += 1
            attr_name = source[attr_begin:i].lower()
            if not attr_name:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {begin}'
                )
            while i < n and source[i].isspace():
                i += 1
            if i >= n or source[i] != "=":
                if name == "blockquote" and attr_name == "expandable":
                    argument = "expandable"
                    continue
                raise HtmlParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {begin}"
                )
            i += 1
            while i < n and source[i].isspace():
                i += 1
            if i >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
            value_chars: list[str] = []
            if source[i] not in "'\"":
                token_begin = i
                while i < n and (source[i].isalnum() or source[i] in ".-"):
                    i += 1
                value = source[token_begin:i].lower()
                if i < n and not source[i].isspace() and source[i] != ">":
                    raise HtmlParseError(
                        f"Unexpected end of name token at byte offset {byte_offset(token_begin)}"
                    )
            else:
                quote = source[i]
                i += 1
                while i < n and source[i] != quote:
                    if source[i] == "&":
                        decoded = _decode_entity(source, i)
                        if decoded is not None:
                            value_chars.append(decoded[0])
                            i += decoded[1]
                            continue
                    value_chars.append(source[i])
                    i += 1
                if i < n:
                    i += 1
                value = "".join(value_chars)
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            if (
                (name == "a" and attr_name == "href")
                or (name == "tg-emoji" and attr_name == "emoji-id")
                or (name == "blockquote" and attr_name == "expandable")
            ):
                argument = value or attr_name
            elif name == "code" and attr_name == "class" and value.startswith("language-"):
                argument = value.removeprefix("language-")
            elif name == "span" and attr_name == "class" and value.startswith("tg-"):
                argument = value.removeprefix("tg-")
        if name == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        i += 1  # the closing '>'
        stack.append(_OpenTag(name, argument, out16))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return "".join(out), _merge_pre_code(entities)


def _make_entity(tag: _OpenTag, length: int) -> dict[str, Any] | None:
    if length <= 0:
        return None
    entity: dict[str, Any] = {"offset": tag.start, "length": length}
    if tag.name == "a":
        url = tag.argument
        if not url:
            return None
        entity["type"] = "text_link"
        entity["url"] = url
    elif tag.name == "tg-emoji":
        if not tag.argument:
            return None
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = tag.argument
    elif tag.name == "blockquote" and tag.argument == "expandable":
        entity["type"] = "expandable_blockquote"
    else:
        entity["type"] = _ENTITY_TYPE[tag.name]
        if tag.name == "code" and tag.argument:
            entity["language"] = tag.argument
    return entity


def _merge_pre_code(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`<pre><code class="language-x">` is one pre entity with a language, as in Telegram."""
    spans = {(e["offset"], e["length"]): e for e in entities if e["type"] == "pre"}
    result: list[dict[str, Any]] = []
    for entity in entities:
        pre = spans.get((entity["offset"], entity["length"]))
        if entity["type"] == "code" and pre is not None:
            if "language" in entity:
                pre["language"] = entity["language"]
            continue
        result.append(entity)
    result.sort(key=lambda e: (e["offset"], -e["length"]))
    return result


def strip_formatted(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace as Telegram does, moving and clipping the entities."""
    stripped_left = text.lstrip()
    cut_left = utf16_len(text) - utf16_len(stripped_left)
    result_text = stripped_left.rstrip()
    total = utf16_len(result_text)
    result: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - cut_left, 0)
        end = min(entity["offset"] + entity["length"] - cut_left, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return result_text, result
