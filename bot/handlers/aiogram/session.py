"""aiogram's HTTP session with JSON request bodies.

aiogram's `AiohttpSession` sends every Bot API call as a form: each value JSON-encoded on its
own (a keyboard: its buttons dumped to a string), then the whole form URL-encoded by aiohttp
(`FormData`), about a sixth of a call's CPU time on the bot's side for a message with a
six-button keyboard. The Bot API also takes `application/json`: the same fields, encoded
once. Calls that upload a file keep aiogram's multipart form.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError, ClientTimeout

__all__ = ["JsonSession"]

_JSON_HEADERS = {"Content-Type": "application/json"}
_SCALARS = frozenset({str, int, float, bool})


def _plain(value: Any) -> bool:
    """Whether `value` is JSON as it stands: strings, numbers and booleans in dicts and lists,
    no None (aiogram's `prepare_value` would leave it out) and nothing aiogram converts
    (defaults, files, dates, enums, its objects). Such a value comes out of `prepare_value`
    unchanged, so it can skip that walk (one call per key and item: a keyboard's buttons)."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is dict:
        return all(map(_plain, value.values()))
    if kind is list:
        return all(map(_plain, value))
    return False


class JsonSession(AiohttpSession):
    """`AiohttpSession` that posts JSON; everything else (answers, errors, files) as aiogram's."""

    def build_payload(self, bot: Bot, method: TelegramMethod[Any]) -> tuple[dict[str, Any], bool]:
        """The fields of a call, and whether it has files (then it goes as aiogram's form).
        The fields are those of aiogram's form: a value left out there (None, "") is left out
        here; False and 0 are sent."""
        files: dict[str, Any] = {}
        payload: dict[str, Any] = {}
        # None is left out here as in aiogram's form (and nested, by `prepare_value`): left out
        # by pydantic first, a button's dozen unset fields are not walked one by one in Python
        for key, value in method.model_dump(warnings=False, exclude_none=True).items():
            if _plain(value):
                prepared = value
            else:
                prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is None or prepared == "":
                continue
            payload[key] = prepared
        return payload, bool(files)

    def build_json(self, bot: Bot, method: TelegramMethod[Any]) -> tuple[bytes | None, bool]:
        """The body of a call (`build_payload` encoded), and whether it has files (then no
        body: the call goes as aiogram's form)."""
        payload, has_files = self.build_payload(bot, method)
        return (None if has_files else self.json_dumps(payload).encode()), has_files

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        body, _ = self.build_json(bot, method)
        if body is None:  # files: aiogram's multipart form
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=body,
                headers=_JSON_HEADERS,
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(
            bot=bot, method=method, status_code=resp.status, content=raw_result
        )
        return cast(TelegramType, response.result)
