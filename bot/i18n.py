"""Localised texts from `locales/<lang>/*.ftl` (Project Fluent).

Messages may contain Telegram's HTML tags; parameters never do: string parameters are
escaped when rendering for HTML. A parameter that is itself a `T` is rendered as a nested
message in the same language.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle, FluentResource

from bot.flows.core import T

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("en", "es", "zh-CN")
FALLBACK = "en"


def language_from_telegram(code: str | None, default: str = FALLBACK) -> str:
    """Maps Telegram's IETF language_code (e.g. `zh-hans`, `es-419`) to one of ours."""
    if not code:
        return default
    primary = code.lower().split("-")[0]
    if primary == "zh":
        return "zh-CN"
    if primary in ("en", "es"):
        return primary
    return default


_CACHE_SIZE = 4096

_Params = tuple[tuple[str, object], ...]


def _frozen(params: Mapping[str, str | int | float | T]) -> _Params | None:
    """The parameters as a cache key, or None when one cannot be one (never for T values,
    which render by language and are cheap to key anyway)."""
    items: list[tuple[str, object]] = []
    for name, value in params.items():
        if isinstance(value, T):
            nested = _frozen(value.params)
            if nested is None:
                return None
            items.append((name, (value.key, nested)))
        elif isinstance(value, str | int | float):
            items.append((name, value))
        else:
            return None
    return tuple(items)


class Translator:
    """Renders texts; a text is formatted by Fluent once per language, key and parameters
    (the results are kept, up to a few thousand): menus and buttons repeat on every update."""

    def __init__(
        self, locales_dir: Path = LOCALES_DIR, languages: Iterable[str] = LANGUAGES
    ) -> None:
        self.languages = tuple(languages)
        self._rendered: dict[tuple[str, str, bool, _Params], str] = {}
        self._bundles: dict[str, FluentBundle] = {}
        for lang in self.languages:
            bundle = FluentBundle([lang], use_isolating=False)
            for path in sorted((locales_dir / lang).glob("*.ftl")):
                bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))
            self._bundles[lang] = bundle

    def has(self, lang: str, key: str) -> bool:
        return self._bundles[lang].has_message(key)

    def __call__(self, lang: str, text: T | str, *, for_html: bool = True) -> str:
        return self.render(lang, text if isinstance(text, T) else T(text), for_html=for_html)

    def render(self, lang: str, text: T, *, for_html: bool = True) -> str:
        params = _frozen(text.params) if text.params else ()
        if params is None:
            return self._format(lang, text, for_html=for_html)
        key = (lang, text.key, for_html, params)
        found = self._rendered.get(key)
        if found is None:
            found = self._format(lang, text, for_html=for_html)
            if len(self._rendered) >= _CACHE_SIZE:
                self._rendered.clear()
            self._rendered[key] = found
        return found

    def _format(self, lang: str, text: T, *, for_html: bool) -> str:
        bundle = self._bundles.get(lang) or self._bundles[FALLBACK]
        if not bundle.has_message(text.key):
            log.error("missing message %r in %s", text.key, lang)
            bundle = self._bundles[FALLBACK]
            if not bundle.has_message(text.key):
                return text.key
        args: dict[str, Any] = {}
        for name, value in text.params.items():
            if isinstance(value, T):
                args[name] = self.render(lang, value, for_html=for_html)
            elif isinstance(value, str) and for_html:
                args[name] = html.escape(value, quote=False)
            else:
                args[name] = value
        message = bundle.get_message(text.key)
        if message.value is None:
            return text.key
        formatted, errors = bundle.format_pattern(message.value, args)
        for error in errors:
            log.error("message %r in %s: %s", text.key, lang, error)
        return str(formatted)

    def lines(self, lang: str, texts: Iterable[T], *, for_html: bool = True) -> str:
        return "\n".join(self.render(lang, x, for_html=for_html) for x in texts)
