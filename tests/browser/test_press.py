"""`press` clicks a button again found when the web chat drew its keyboard anew in between."""

from __future__ import annotations

from typing import Any

from selenium.common.exceptions import StaleElementReferenceException

from tests.browser.chromium import press


class _Button:
    def __init__(self, stale: bool) -> None:
        self.stale = stale
        self.clicks = 0

    def click(self) -> None:
        if self.stale:
            raise StaleElementReferenceException("drawn again")
        self.clicks += 1


class _Driver:
    """Finds a button that went stale first (the keyboard redrawn), then its new copy."""

    def __init__(self) -> None:
        self.found = [_Button(stale=True), _Button(stale=False)]
        self.lookups = 0

    def execute_script(self, script: str, *args: Any) -> _Button:
        button = self.found[min(self.lookups, len(self.found) - 1)]
        self.lookups += 1
        return button


def test_a_button_drawn_again_before_the_click_is_found_again_and_clicked() -> None:
    driver = _Driver()
    press(driver, ".pane", "Share my phone number", within=2)  # type: ignore[arg-type]
    assert driver.lookups == 2
    assert driver.found[1].clicks == 1
