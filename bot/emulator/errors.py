"""Errors: the Bot API error replies, and the emulator's own errors raised to tests."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error reply: `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


BLOCKED = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND = "chat not found"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class EmulatorError(Exception):
    """A test drove the emulator into something a real user could not do."""


class UpdateNotProcessedError(EmulatorError, TimeoutError):
    """The bot did not confirm an update in time."""


class ButtonNotFoundError(EmulatorError, LookupError):
    """press() found no button with that label."""


class WaitTimeoutError(EmulatorError, TimeoutError):
    """wait_for() saw no matching bot message in time."""
