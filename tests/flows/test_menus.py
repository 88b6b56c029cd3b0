"""The command menus per role, as neutral data every runtime applies the same way."""

from __future__ import annotations

from bot.flows.menus import ADMIN_COMMANDS, CITIZEN_COMMANDS, citizen_menus, role_menus
from bot.i18n import Translator

TR = Translator()


def test_citizens_menu_in_each_language_and_english_by_default() -> None:
    updates = citizen_menus(TR)
    assert [(u.chat_id, u.language_code) for u in updates] == [
        (None, "en"),
        (None, None),
        (None, "es"),
        (None, "zh"),
    ]
    spanish = updates[2].commands
    assert spanish is not None
    assert [name for name, _ in spanish] == list(CITIZEN_COMMANDS)
    assert dict(spanish)["menu"] == TR("es", "cmd-menu", for_html=False)


def test_admins_group_and_withdrawn_menus() -> None:
    updates = role_menus(
        TR, admins=[7, 5], agents_chat_id=-100, agents_language="es", changed=[5, 9]
    )
    admin_five = [u for u in updates if u.chat_id == 5]
    assert [u.language_code for u in admin_five] == ["en", None, "es", "zh"]
    assert admin_five[0].commands is not None
    names = [name for name, _ in admin_five[0].commands]
    assert names == [*CITIZEN_COMMANDS, *ADMIN_COMMANDS]
    group = [u for u in updates if u.chat_id == -100]
    assert [u.language_code for u in group] == ["en", "es", None, "zh"]  # Spanish by default
    assert group[0].commands is not None
    assert [name for name, _ in group[0].commands] == ["close", "note", "approve", "reject"]
    withdrawn = [u for u in updates if u.chat_id == 9]
    assert [(u.language_code, u.commands) for u in withdrawn] == [
        ("en", None),
        (None, None),
        ("es", None),
        ("zh", None),
    ]
    assert all(u.commands is not None for u in admin_five)  # an admin keeps the menu
