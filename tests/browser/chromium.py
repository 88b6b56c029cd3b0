"""Debian's Chromium driven by Selenium through chromedriver, headless, for the web chat tests."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
# Chromium as root: no sandbox; nothing that reaches out to the network.
BASE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-features=BackForwardCache",  # a cached page would keep its long polls open
)
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
T = TypeVar("T")


def require_chromium() -> tuple[str, str]:
    """The browser and its driver; a missing one fails the test unless SKIP_BROWSER_TESTS=1,
    so that CI (which installs them in .ci/run) never skips the browser suite silently."""
    if CHROMIUM and CHROMEDRIVER:
        return CHROMIUM, CHROMEDRIVER
    message = "apt-get install -y chromium chromium-driver (or SKIP_BROWSER_TESTS=1)"
    if os.environ.get("SKIP_BROWSER_TESTS") == "1":
        pytest.skip(message)
    pytest.fail(f"no chromium/chromedriver on PATH: {message}")


def start(profile: Path, *flags: str) -> webdriver.Chrome:
    """A fresh headless Chromium with its own profile, its viewport a phone's."""
    chromium, chromedriver = require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*BASE_FLAGS, f"--user-data-dir={profile}", *flags):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    return driver


def wait_until(
    driver: webdriver.Chrome,
    condition: Callable[[webdriver.Chrome], T],
    what: str,
    within: float = 10,
) -> T:
    return WebDriverWait(driver, within, poll_frequency=0.1).until(condition, f"no {what}")


def wait_for_script(driver: webdriver.Chrome, script: str, what: str, within: float = 10) -> Any:
    """Polls a JavaScript expression until it is truthy; returns its value."""
    return wait_until(driver, lambda d: d.execute_script(f"return ({script});"), what, within)


def poll(condition: Callable[[], T | None], what: str, within: float = 10) -> T:
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {within} s")
        time.sleep(0.1)


def click_found(
    driver: webdriver.Chrome,
    find: Callable[[webdriver.Chrome], WebElement | None],
    what: str,
    within: float = 10,
) -> None:
    """Clicks what `find` returns, waiting up to `within` s for it. The web chat draws its
    keyboards, topics and command menus anew when something arrives: an element gone stale
    between finding and clicking it is looked up again."""

    def clicked(d: webdriver.Chrome) -> bool:
        found = find(d)
        if found is None:
            return False
        try:
            found.click()
        except StaleElementReferenceException:
            return False
        return True

    wait_until(driver, clicked, f"{what} to click", within)


def press(driver: webdriver.Chrome, scope: str, label: str, within: float = 10) -> None:
    """Clicks the last visible button in `scope` whose text is exactly `label`."""
    click_found(driver, lambda d: _button(d, scope, label), f"button {label!r} in {scope}", within)


def _button(driver: webdriver.Chrome, scope: str, label: str) -> WebElement | None:
    return driver.execute_script(  # type: ignore[no-any-return]
        "const all = [...document.querySelectorAll(arguments[0] + ' button')]"
        ".filter((b) => b.textContent.trim() === arguments[1] && b.offsetParent !== null);"
        "return all[all.length - 1] || null;",
        scope,
        label,
    )


READABILITY_SCRIPT = (Path(__file__).parent / "readability.js").read_text(encoding="utf-8")
VISIBLE_SCRIPT = (Path(__file__).parent / "visible.js").read_text(encoding="utf-8")
