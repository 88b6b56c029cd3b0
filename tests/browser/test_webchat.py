"""The local web chat in a real Chromium on a phone-sized window, in front of the real bot:
the citizen's journey, the camera recorder, the agents' pane, the admin view, and the rules
that make it usable on a phone (text >= 16 px, touch targets >= 44 px, the page's language)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from bot.emulator import UserMessage
from bot.emulator.server import DEFAULT_AGENT_ID
from bot.i18n import Translator
from tests.browser import chromium
from tests.browser.chromium import (
    READABILITY_SCRIPT,
    VISIBLE_SCRIPT,
    click_found,
    poll,
    press,
    wait_until,
)
from tests.browser.conftest import ADMIN_ID, World
from tests.e2e.harness import Citizen, id_card_photo, send_id_card
from tests.ids import rid

pytestmark = pytest.mark.slow
TRANSLATOR = Translator()
WEBM_MAGIC = b"\x1a\x45\xdf\xa3"
FATHER_ID = rid("44030419560203001")


def page_text(lang: str, key: str, **params: Any) -> str:
    """A page text as /chat/api/texts serves it, with its values filled in."""
    return TRANSLATOR(lang, key, for_html=False) if not params else _filled(lang, key, params)


def _filled(lang: str, key: str, params: dict[str, Any]) -> str:
    from bot.emulator.webchat import page_texts

    text = page_texts(lang)[key]
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def first_line(person: Citizen, key: str, **params: Any) -> str:
    """The first line of a bot message as the person sees it (what a bubble must contain)."""
    return person.text_of(key, **params).split("\n")[0].strip()


def open_chat(page: webdriver.Chrome, world: World, query: str = "", locale: str = "en-US") -> None:
    """The web chat afresh (nothing remembered from earlier tests), in a browser set to `locale`."""
    page.execute_cdp_cmd("Emulation.setLocaleOverride", {})
    page.execute_cdp_cmd("Emulation.setLocaleOverride", {"locale": locale})
    agent = page.execute_script("return navigator.userAgent")
    page.execute_cdp_cmd(
        "Emulation.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": locale}
    )
    page.get(world.emulator.base_url + "/chat/api/info")  # same origin, not the page itself
    page.execute_script("localStorage.clear(); sessionStorage.clear();")
    page.get(world.emulator.web_url + query)
    chromium.wait_for_script(page, "document.body.dataset.ready === 'true'", "page ready")


def bubble_with(page: webdriver.Chrome, pane: str, text: str, within: float = 15) -> None:
    script = (
        "return [...document.querySelectorAll(arguments[0] + ' .msg')]"
        ".some((b) => b.textContent.includes(arguments[1]));"
    )
    wait_until(
        page, lambda d: d.execute_script(script, pane, text), f"bubble with {text!r}", within
    )


def say(page: webdriver.Chrome, pane: str, text: str) -> None:
    field = page.find_element(By.CSS_SELECTOR, f"{pane} .composer input[name=text]")
    field.send_keys(text)
    page.find_element(By.CSS_SELECTOR, f"{pane} .composer button[type=submit]").click()


def choose_identity(page: webdriver.Chrome, **values: str) -> None:
    box = page.find_element(By.CSS_SELECTOR, "#citizen-pane details.identity-box")
    if box.get_attribute("open") is None:
        box.find_element(By.TAG_NAME, "summary").click()
    form = page.find_element(By.ID, "person-form")
    for name, value in values.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            page.execute_script("arguments[0].value = arguments[1];", field, value)
        else:
            field.clear()
            field.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(page, lambda d: box.get_attribute("open") is None, "collapsed identity form")


def assert_readable(page: webdriver.Chrome, scope: str) -> None:
    small, tiny = page.execute_script(READABILITY_SCRIPT, scope)
    assert not small, f"text under 16 px in {scope}: {small}"
    assert not tiny, f"touch targets under 44 px in {scope}: {tiny}"


def meta_times(page: webdriver.Chrome) -> list[str]:
    return page.execute_script(  # type: ignore[no-any-return]
        "return [...document.querySelectorAll('#citizen-pane .msg .meta')]"
        ".map((m) => m.textContent);"
    )


def citizen_of(world: World, user_id: int) -> Citizen:
    user = world.emulator.user(
        user_id, "Li", language_code="en", phone_number=f"+86138001{user_id:05d}"
    )
    return Citizen(user, "en")


def own_id(user_id: int) -> str:
    return rid(f"44030419850612{user_id % 1000:03d}")


Step = tuple[str, str] | tuple[str, str, str]


def signing_up(name: str, user_id: int) -> tuple[Step, ...]:
    """What a new citizen says ("say") and taps ("tap", by message id, and the name the
    label names, if any) to register."""
    return (
        ("say", "/start"),
        ("tap", "btn-accept"),
        ("tap", "btn-share-phone"),
        ("say", name),
        ("say", own_id(user_id)),
    )


ADDING_FATHER = (
    ("tap", "btn-family"),
    ("tap", "btn-add-member"),
    ("say", "Wang Dagang"),
    ("say", FATHER_ID),
    ("tap", "rel-father"),
    ("tap", "btn-confirm"),
    ("tap", "btn-verify"),
    ("tap", "btn-bio-agree", "Wang Dagang"),  # the member who will be filmed agrees
)


async def walk(person: Citizen, steps: tuple[Step, ...]) -> None:
    """Says or taps each step; a tap's third element names the member its label mentions."""
    for kind, value, *name in steps:
        if kind == "say":
            await person.say(value)
        else:
            await person.tap(value, **({"name": name[0]} if name else {}))


def test_page_language_follows_the_choice_in_the_page(page: webdriver.Chrome, world: World) -> None:
    open_chat(page, world, "?user_id=701", locale="en-US")
    assert page.title == page_text("en", "webchat-title")
    say(page, "#citizen-pane", "/start")
    bubble_with(page, "#citizen-pane", "/start")
    poll(lambda: all(re.search(r"\b(AM|PM)$", t) for t in meta_times(page)), "English times")

    for code, lang in (("es", "es"), ("zh-hans", "zh-CN")):
        choose_identity(page, language_code=code)
        chromium.wait_for_script(page, f"document.documentElement.lang === '{lang}'", lang)
        assert page.title == page_text(lang, "webchat-title")
        send = page.find_element(By.CSS_SELECTOR, "#citizen-pane .composer button[type=submit]")
        assert send.text == page_text(lang, "webchat-send")
        bubble_with(page, "#citizen-pane", "/start")
        times = poll(lambda: meta_times(page), "message times")
        assert all(re.fullmatch(r"\d{2}:\d{2}", t) for t in times), times  # never "02:02 PM"


def test_page_language_follows_the_browser(page: webdriver.Chrome, world: World) -> None:
    open_chat(page, world, locale="es-ES")
    assert page.title == page_text("es", "webchat-title")
    assert page.execute_script("return document.documentElement.lang") == "es"
    tab = page.find_element(By.CSS_SELECTOR, ".tabs [data-tab=citizen]")
    assert tab.text == page_text("es", "webchat-tab-citizen")


def test_citizen_journey_on_a_phone(page: webdriver.Chrome, world: World) -> None:
    citizen = citizen_of(world, 702)
    open_chat(page, world)
    identity = page.find_element(By.CSS_SELECTOR, "#citizen-pane details.identity-box")
    assert identity.get_attribute("open") is not None  # nobody chosen yet: the form is open
    choose_identity(page, user_id="702", first_name="Li", phone_number="+8613800138702")
    wait_until(page, lambda d: identity.get_attribute("open") is None, "collapsed identity form")
    assert identity.size["height"] < 60
    assert "Li" in identity.text and "702" in identity.text

    pane = "#citizen-pane"
    say(page, pane, "/start")
    bubble_with(page, pane, first_line(citizen, "privacy-notice"))
    press(page, pane, citizen.label("btn-accept"))
    press(page, f"{pane} .reply-keyboard", citizen.label("btn-share-phone"))
    bubble_with(page, pane, first_line(citizen, "reg-new-account"))
    say(page, pane, "Li Lei")
    bubble_with(page, pane, first_line(citizen, "reg-id-prompt"))
    say(page, pane, own_id(702))
    bubble_with(page, pane, first_line(citizen, "reg-done"))
    menu = first_line(citizen, "menu-title", name="Li Lei")
    press(page, pane, citizen.label("btn-family"))
    bubble_with(page, pane, first_line(citizen, "family-title", count=0, max=8))
    # one live screen: the menu's bubble became the family screen; no older bubble has buttons
    poll(lambda: not bubbles_with(page, pane, menu), "the menu bubble edited in place")
    assert keyboards(page, pane) == [bubbles_with(page, pane, "0/8")[0]]
    assert_readable(page, "header")
    assert_readable(page, pane)
    say(page, pane, "/menu")
    bubble_with(page, pane, menu)
    last = page.execute_script(
        "const all = document.querySelectorAll(arguments[0] + ' .msg.bot');"
        "return all[all.length - 1].dataset.messageId;",
        pane,
    )
    poll(lambda: keyboards(page, pane) == [last], "only the new menu with buttons")
    assert bubbles_with(page, pane, "0/8")  # the family screen stays, without its buttons


def bubbles_with(page: webdriver.Chrome, pane: str, text: str) -> list[str]:
    """The message ids of the bubbles that show `text`."""
    return page.execute_script(  # type: ignore[no-any-return]
        "return [...document.querySelectorAll(arguments[0] + ' .msg')]"
        ".filter((b) => b.textContent.includes(arguments[1])).map((b) => b.dataset.messageId);",
        pane,
        text,
    )


def keyboards(page: webdriver.Chrome, pane: str) -> list[str]:
    """The message ids of the bubbles that show inline buttons."""
    return page.execute_script(  # type: ignore[no-any-return]
        "return [...document.querySelectorAll(arguments[0] + ' .msg')]"
        ".filter((b) => b.querySelector('.inline-keyboard')).map((b) => b.dataset.messageId);",
        pane,
    )


def challenge_lines(person: Citizen) -> list[str]:
    """The challenge steps ("1. blink once") of the newest bot message that shows them."""
    for message in reversed(person.user.bot_messages):
        lines = [line for line in (message.text or "").split("\n") if re.match(r"\d\. ", line)]
        if lines:
            return lines
    raise AssertionError("the bot showed no challenge")


def test_recorder_keeps_the_challenge_in_view_and_sends_a_webm(
    page: webdriver.Chrome, world: World
) -> None:
    person = citizen_of(world, 703)
    user = person.user

    async def to_the_video_request() -> None:
        await walk(person, (*signing_up("Wang Xiaoming", 703), *ADDING_FATHER))
        await send_id_card(person)
        await person.tap("btn-start-video")

    world.run(to_the_video_request(), within=60)
    challenge = challenge_lines(person)
    open_chat(page, world, "?user_id=703")
    pane = "#citizen-pane"
    bubble_with(page, pane, challenge[-1])
    chromium.wait_for_script(page, "!document.querySelector('.record-controls').hidden", "camera")
    page.execute_script("document.querySelector('input[name=record_seconds]').value = '2';")
    page.find_element(By.CSS_SELECTOR, "button.record").click()
    chromium.wait_for_script(
        page,
        "document.querySelector('.recorder .countdown').textContent.startsWith('●')",
        "recording",
    )
    for line in challenge:
        assert page.execute_script(VISIBLE_SCRIPT, pane, line), f"{line!r} hidden while recording"
    assert_readable(page, ".recorder")

    send = page.find_element(By.CSS_SELECTOR, ".recorder [data-action=send]")
    wait_until(page, lambda d: send.is_displayed(), "recording preview", within=15)
    send.click()

    def recorded() -> UserMessage | None:
        for message in user.messages:
            if isinstance(message, UserMessage) and message.media_kind == "video_note":
                return message
        return None

    note = poll(recorded, "recorded video note")
    data = note.media_bytes or b""
    assert data.startswith(WEBM_MAGIC)
    assert _first_frame_width(data) == 240  # the generated face clip, not Chromium's test pattern
    poll(
        lambda: any(m.message_id > note.message_id for m in user.bot_messages),
        "the bot's answer to the video note",
        within=20,
    )
    chromium.wait_for_script(page, "document.querySelector('.recorder').hidden", "recorder closed")


def _first_frame_width(webm: bytes) -> int:
    import av

    with av.open(io.BytesIO(webm), mode="r") as container:
        frame = next(container.decode(video=0))
        return int(frame.width)


def test_agents_pane_on_a_phone(page: webdriver.Chrome, world: World, tmp_path: Path) -> None:
    citizen = citizen_of(world, 705)
    world.run(walk(citizen, (*signing_up("Li Lei", 705), ("tap", "btn-support"))))
    open_chat(page, world, "#agents")
    pane = "#agents-pane"
    wait_until(page, lambda d: d.find_element(By.CSS_SELECTOR, pane).is_displayed(), "agents' pane")
    click_found(
        page,
        lambda d: next(
            (t for t in d.find_elements(By.CSS_SELECTOR, f"{pane} .topic") if "Li Lei" in t.text),
            None,
        ),
        "the citizen's topic",
    )
    bubble_with(page, pane, "Li Lei")
    say(page, pane, "Hello from the agents' pane")
    poll(
        lambda: any(
            "Hello from the agents' pane" in (m.text or "") for m in citizen.user.bot_messages
        ),
        "the agent's reply at the citizen",
    )
    photo = tmp_path / "note.jpg"
    photo.write_bytes(id_card_photo())
    page.find_element(By.CSS_SELECTOR, f"{pane} .composer input[type=file]").send_keys(str(photo))
    agents = world.emulator.agents
    assert agents is not None
    poll(
        lambda: any(
            m.media_kind == "photo" and m.from_user_id == DEFAULT_AGENT_ID
            for m in agents.chat.messages
        ),
        "the agent's photo in the topic",
    )
    assert_readable(page, pane)


def test_admin_view_lists_and_runs_the_admin_commands(page: webdriver.Chrome, world: World) -> None:
    open_chat(page, world)
    page.find_element(By.CSS_SELECTOR, ".tabs [data-tab=admin]").click()
    pane = "#admin-pane"
    intro = page.find_element(By.CSS_SELECTOR, f"{pane} .admin-intro")
    assert intro.text == _filled("en", "webchat-admin-intro", {"id": ADMIN_ID})
    click_found(
        page,
        lambda d: next(
            iter(d.find_elements(By.CSS_SELECTOR, f"{pane} [data-command=admin]")), None
        ),
        "the /admin command button",
    )
    admin = Citizen(world.emulator.user(ADMIN_ID), "en")
    bubble_with(page, pane, admin.text_of("admin-help-title"))
    assert page.find_elements(By.CSS_SELECTOR, f"{pane} [data-command=stats]")
    assert_readable(page, pane)


@pytest.fixture
def no_camera_browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    """A phone-sized Chromium that refuses the camera (no auto-granting fake UI)."""
    driver = chromium.start(
        tmp_path / "profile", "--use-fake-device-for-media-stream", "--deny-permission-prompts"
    )
    try:
        yield driver
    finally:
        driver.quit()


def test_camera_problems_are_explained_on_the_page(
    no_camera_browser: webdriver.Chrome, world: World, tmp_path: Path
) -> None:
    page = no_camera_browser
    page.get(world.emulator.web_url + "?user_id=704")
    chromium.wait_for_script(page, "document.body.dataset.ready === 'true'", "page ready")

    def explained(key: str) -> None:
        note = page.find_element(By.CSS_SELECTOR, "#citizen-pane .camera-note")
        wait_until(page, lambda d: note.is_displayed() and note.text, f"explanation {key}")
        assert note.text == page_text("en", key)
        assert note.rect["y"] + note.rect["height"] <= 844
        assert_readable(page, "#citizen-pane .camera-note")

    page.find_element(By.CSS_SELECTOR, "button.record").click()
    explained("webchat-camera-denied")

    for key, script in (
        (
            "webchat-camera-insecure",
            "Object.defineProperty(window, 'isSecureContext', {get: () => false});",
        ),
        (
            "webchat-camera-none",
            "MediaDevices.prototype.enumerateDevices = async () => [];",
        ),
    ):
        added = page.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})
        page.refresh()
        chromium.wait_for_script(page, "document.body.dataset.ready === 'true'", "page ready")
        explained(key)
        assert not page.find_element(By.CSS_SELECTOR, "button.record").is_displayed()
        page.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]}
        )
