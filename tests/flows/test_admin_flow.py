"""The admin flow without Telegram or a database: the table's steps fed event by event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.flows.admin import (
    AdminCommand,
    AdminContext,
    AdminPressed,
    AdminText,
    Dialogue,
    Forwarded,
    Outcome,
    Step,
    Tap,
    step,
)
from bot.flows.admin import effects as fx
from bot.flows.admin.state import Event
from bot.flows.core import T

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ADMIN = 90001


def ctx(**changes: object) -> AdminContext:
    values: dict[str, object] = {"now": NOW, "admin_ids": frozenset({ADMIN})}
    values.update(changes)
    return AdminContext(**values)  # type: ignore[arg-type]


def feed(d: Dialogue, event: Event, context: AdminContext | None = None) -> Outcome:
    outcome = step(d, event, context or ctx())
    assert outcome is not None, event
    return outcome


def keys(outcome: Outcome) -> list[str]:
    return [line.key for reply in outcome.replies for line in reply.lines]


def at(step_: Step, **changes: str) -> Dialogue:
    return Dialogue(step=step_, at=NOW.isoformat(), **changes)


# ------------------------------------------------------------------------------ broadcast


def test_a_broadcast_from_text_to_report() -> None:
    started = feed(Dialogue(), AdminCommand("broadcast"))
    assert started.state.step is Step.TEXT and keys(started) == ["admin-broadcast-ask"]

    chosen = feed(started.state, AdminText("<b>Closed</b> on Friday"))
    assert chosen.state.step is Step.LANGUAGE and chosen.state.html == "<b>Closed</b> on Friday"
    (ask,) = chosen.replies
    assert [(b.tap, b.value) for b in ask.buttons[0]] == [
        (Tap.LANGUAGE, "all"),
        (Tap.LANGUAGE, "en"),
        (Tap.LANGUAGE, "es"),
        (Tap.LANGUAGE, "zh-CN"),
    ]
    assert [b.tap for b in ask.buttons[1]] == [Tap.CANCEL]

    counting = feed(chosen.state, AdminPressed(Tap.LANGUAGE, "es", message_id=41))
    assert counting.commands == [fx.DropButtons(41), fx.CountRecipients("es")]

    preview = feed(counting.state, fx.RecipientsCounted("es", 2))
    assert preview.state.step is Step.CONFIRM
    raw, question = preview.replies
    assert raw.html == "<b>Closed</b> on Friday"  # exactly as it will be received
    assert question.ref == "confirm"
    assert question.lines[0] == T(
        "admin-broadcast-preview", {"count": 2, "language": T("language-name-es")}
    )
    assert [b.tap for b in question.buttons[0]] == [Tap.SEND, Tap.CANCEL]

    sent = feed(preview.state, AdminPressed(Tap.SEND, message_id=43), ctx(refs={"confirm": 43}))
    assert sent.state.step is Step.SENDING
    assert sent.commands == [fx.Deliver("<b>Closed</b> on Friday", "es")]

    sending = feed(sent.state, fx.DeliveryStarted(2))
    assert sending.replies[0].edit == "confirm"
    assert keys(sending) == ["admin-broadcast-sending"]

    done = feed(sending.state, fx.BroadcastDelivered("es", 1, 1, 0))
    assert done.state == Dialogue()
    assert keys(done) == ["admin-broadcast-report"]
    assert done.commands == [
        fx.Record(
            "broadcast", details={"language": "es", "delivered": 1, "blocked": 1, "failed": 0}
        )
    ]


def test_the_audiences_are_named_not_coded() -> None:
    """The language buttons and the preview say "Español", as the citizens' language screen
    does, not "es"."""
    chosen = feed(at(Step.TEXT), AdminText("hi"))
    (ask,) = chosen.replies
    assert [b.label for b in ask.buttons[0]] == [
        T("admin-broadcast-all"),
        T("language-name-en"),
        T("language-name-es"),
        T("language-name-zh-CN"),
    ]
    preview = feed(at(Step.LANGUAGE, html="hi", language="zh-CN"), fx.RecipientsCounted("zh-CN", 2))
    assert preview.replies[1].lines[0] == T(
        "admin-broadcast-preview", {"count": 2, "language": T("language-name-zh-CN")}
    )


def test_send_only_on_the_confirmation_just_shown_and_only_once() -> None:
    confirm = at(Step.CONFIRM, html="hi", language="all")
    old = feed(confirm, AdminPressed(Tap.SEND, message_id=7), ctx(refs={"confirm": 9}))
    assert old.state == confirm and not old.commands
    assert old.notice is not None and old.notice.text.key == "admin-broadcast-stale"
    sending = at(Step.SENDING, html="hi", language="all")
    again = feed(sending, AdminPressed(Tap.SEND, message_id=9), ctx(refs={"confirm": 9}))
    assert again.state == sending and not again.commands and again.notice is not None


def test_nobody_to_send_to_ends_the_broadcast() -> None:
    done = feed(at(Step.LANGUAGE, html="hi", language="zh-CN"), fx.RecipientsCounted("zh-CN", 0))
    assert done.state == Dialogue() and keys(done) == ["admin-broadcast-nobody"]


def test_an_unknown_language_is_a_stale_button() -> None:
    language = at(Step.LANGUAGE, html="hi")
    tapped = feed(language, AdminPressed(Tap.LANGUAGE, "fr", message_id=3))
    assert tapped.state == language and not tapped.commands and tapped.notice is not None


def test_a_message_without_text_is_asked_again() -> None:
    text = at(Step.TEXT)
    again = feed(text, AdminText(""))
    assert again.state == text and keys(again) == ["admin-broadcast-need-text"]


@pytest.mark.parametrize("current", [Step.TEXT, Step.LANGUAGE, Step.CONFIRM])
def test_cancel_by_command_or_button_sends_nothing(current: Step) -> None:
    by_command = feed(at(current, html="hi"), AdminCommand("cancel"))
    assert by_command.state == Dialogue() and keys(by_command) == ["admin-broadcast-cancelled"]
    assert not by_command.commands
    by_button = feed(at(current, html="hi"), AdminPressed(Tap.CANCEL, message_id=5))
    assert by_button.state == Dialogue() and by_button.commands == [fx.DropButtons(5)]


def test_what_the_admin_dialogue_does_not_take_is_left_to_the_citizen() -> None:
    assert step(Dialogue(), AdminText("hello"), ctx()) is None
    assert step(Dialogue(), AdminCommand("cancel"), ctx()) is None
    assert step(at(Step.SENDING), AdminCommand("cancel"), ctx()) is None
    assert step(at(Step.LANGUAGE), AdminText("hello"), ctx()) is None
    assert step(Dialogue(), AdminCommand("menu"), ctx()) is None


def test_a_broadcast_left_too_long_is_forgotten() -> None:
    stale = Dialogue(step=Step.TEXT, at=(NOW - timedelta(minutes=16)).isoformat())
    forgotten = step(stale, AdminText("hello"), ctx())
    # forgotten (kept so), and the text is the citizen conversation's
    assert forgotten is not None and forgotten.passed_on and forgotten.state == Dialogue()
    fresh = Dialogue(step=Step.TEXT, at=(NOW - timedelta(minutes=14)).isoformat())
    assert feed(fresh, AdminText("hello")).state.step is Step.LANGUAGE
    lost = Dialogue(step=Step.SENDING, at=(NOW - timedelta(minutes=16)).isoformat())
    assert feed(lost, AdminPressed(Tap.SEND, message_id=9)).state == Dialogue()
    # a command still works, from a clean dialogue
    assert feed(stale, AdminCommand("broadcast")).state.step is Step.TEXT


def test_another_command_abandons_a_half_made_broadcast() -> None:
    outcome = feed(at(Step.CONFIRM, html="hi"), AdminCommand("stats", "30d"))
    assert outcome.state == Dialogue() and outcome.commands == [fx.CollectStats("30d")]
    assert keys(outcome)[0] == "admin-broadcast-cancelled" and not outcome.passed_on


@pytest.mark.parametrize("waiting", [Step.TEXT, Step.LANGUAGE, Step.CONFIRM])
@pytest.mark.parametrize("command", ["menu", "start", "help", "language"])
def test_a_citizen_command_drops_a_half_made_broadcast_and_is_passed_on(
    waiting: Step, command: str
) -> None:
    """Left waiting, the admin's next text (a family member's name) became the broadcast."""
    outcome = step(at(waiting, html="hi"), AdminCommand(command), ctx())
    assert outcome is not None and outcome.passed_on
    assert outcome.state == Dialogue() and keys(outcome) == ["admin-broadcast-cancelled"]
    assert step(outcome.state, AdminText("Wang Xiaoming"), ctx()) is None


def test_a_report_arriving_in_another_broadcast_leaves_it_open() -> None:
    text = at(Step.TEXT)
    done = feed(text, fx.BroadcastDelivered("all", 3, 0, 0))
    assert done.state == text and keys(done) == ["admin-broadcast-report"]


# ------------------------------------------------------------------------------ commands


def test_help_lists_every_admin_command() -> None:
    outcome = feed(Dialogue(), AdminCommand("admin"))
    lines = outcome.replies[0].lines
    assert lines[0].key == "admin-help-title"
    assert [line.params["command"] for line in lines[1:]][:3] == ["admin", "stats", "agents"]


def test_stats_periods_and_the_answer() -> None:
    assert keys(feed(Dialogue(), AdminCommand("stats", "yesterday"))) == ["admin-stats-usage"]
    assert feed(Dialogue(), AdminCommand("stats")).commands == [fx.CollectStats("7d")]
    view = fx.StatsView(
        period="7d",
        since="2026-11-21",
        by_state=(("approved", 1), ("rejected", 1), ("in_review", 1)),
        approved=1,
        rejected=1,
        median="2:00",
        reasons=(("no_blink", 2),),
        open_tickets=0,
        pending_reviews=1,
    )
    shown = feed(Dialogue(), fx.StatsCollected(view))
    text, chart = shown.replies
    assert T("admin-stats-total", {"count": 3}) in text.lines
    assert T("admin-stats-rate", {"rate": "50%", "approved": 1, "decided": 2}) in text.lines
    assert T("admin-stats-median", {"duration": "2:00"}) in text.lines
    assert chart.chart is not None and chart.chart.view == view
    assert shown.commands == [fx.Record("stats", details={"period": "7d"})]


def test_targets_by_id_by_forward_hidden_or_missing() -> None:
    assert feed(Dialogue(), AdminCommand("ban", "93001 spam")).commands == [fx.Ban(93001, "spam")]
    forwarded = AdminCommand("agent_add", "admin", Forwarded(92002, "Li Na"))
    assert feed(Dialogue(), forwarded).commands == [fx.AddStaff(92002, "admin", "Li Na")]
    hidden = AdminCommand("agent_add", "", Forwarded(None, "Anon"))
    assert keys(feed(Dialogue(), hidden)) == ["admin-target-hidden"]
    usage = feed(Dialogue(), AdminCommand("unban", "someone"))
    assert usage.replies[0].lines == (T("admin-target-usage", {"command": "unban"}),)
    assert not usage.commands


@pytest.mark.parametrize("command", ["ban", "unban", "agent_add", "agent_remove"])
@pytest.mark.parametrize("args", ["²", "¹²³ spam", "١٢٣"])
def test_digits_that_are_not_a_user_id_get_the_usage(command: str, args: str) -> None:
    """str.isdigit() takes "²", which int() then refuses: the command must answer, not fail."""
    usage = feed(Dialogue(), AdminCommand(command, args))
    assert usage.replies[0].lines == (T("admin-target-usage", {"command": command}),)
    assert not usage.commands


def test_agent_add_takes_only_a_known_role() -> None:
    assert feed(Dialogue(), AdminCommand("agent_add", "5")).commands == [
        fx.AddStaff(5, "agent", "")
    ]
    assert feed(Dialogue(), AdminCommand("agent_add", "5 Agent")).commands == [
        fx.AddStaff(5, "agent", "")
    ]
    assert feed(Dialogue(), AdminCommand("agent_add", "5 ADMIN")).commands == [
        fx.AddStaff(5, "admin", "")
    ]
    for typo in ("5 admn", "5 admin please", "5 superuser"):
        refused = feed(Dialogue(), AdminCommand("agent_add", typo))
        assert keys(refused) == ["admin-agent-role-usage"] and not refused.commands
    forwarded = AdminCommand("agent_add", "boss", Forwarded(92002, "Li Na"))
    assert keys(feed(Dialogue(), forwarded)) == ["admin-agent-role-usage"]


def test_admins_by_configuration_are_not_added_as_agents() -> None:
    for args in (str(ADMIN), f"{ADMIN} admin"):
        refused = feed(Dialogue(), AdminCommand("agent_add", args))
        assert keys(refused) == ["admin-agent-config"] and not refused.commands


def test_admins_by_configuration_cannot_be_removed() -> None:
    refused = feed(Dialogue(), AdminCommand("agent_remove", str(ADMIN)))
    assert keys(refused) == ["admin-agent-config"] and not refused.commands
    assert feed(Dialogue(), AdminCommand("agent_remove", "5")).commands == [fx.RemoveStaff(5)]


def test_staff_changes_refresh_menus_and_are_audited() -> None:
    added = feed(Dialogue(), fx.StaffAdded(5, "admin", changed=True))
    assert added.commands == [
        fx.Record("agent_add", subject=5, details={"role": "admin"}),
        fx.RefreshMenus((5,)),
    ]
    same = feed(Dialogue(), fx.StaffAdded(5, "admin", changed=False))
    assert keys(same) == ["admin-agent-unchanged"] and not same.commands


@pytest.mark.parametrize(
    ("outcome", "key", "audited"),
    [
        ("banned", "admin-banned", True),
        ("already", "admin-ban-already", False),
        ("staff", "admin-ban-staff", False),
    ],
)
def test_ban_answers(outcome: str, key: str, audited: bool) -> None:
    answered = feed(Dialogue(), fx.BanDone(7, outcome))
    assert keys(answered) == [key]
    assert answered.commands == ([fx.Record("ban", subject=7)] if audited else [])


@pytest.mark.parametrize(
    ("args", "error"),
    [("0.5", "format"), ("0 0.5", "range"), ("nan 0.5", "range"), ("0.6 0.5", "order")],
)
def test_bad_thresholds_are_explained_and_not_set(args: str, error: str) -> None:
    outcome = feed(Dialogue(), AdminCommand("threshold", args))
    assert keys(outcome) == [f"admin-threshold-error-{error}", "admin-threshold-usage"]
    assert not outcome.commands


def test_thresholds_read_and_set() -> None:
    assert feed(Dialogue(), AdminCommand("threshold")).commands == [fx.ReadThresholds()]
    assert feed(Dialogue(), AdminCommand("threshold", "0.4 0.5")).commands == [
        fx.SetThresholds(0.4, 0.5)
    ]
    done = feed(Dialogue(), fx.ThresholdsSet((0.45, 0.55), (0.4, 0.5)))
    assert done.commands == [
        fx.Record("threshold", target="thresholds", details={"old": "0.45/0.55", "new": "0.4/0.5"})
    ]


@pytest.mark.parametrize(("args", "count"), [("", 20), ("1", 1), ("100", 100)])
def test_audit_line_counts(args: str, count: int) -> None:
    assert feed(Dialogue(), AdminCommand("audit", args)).commands == [fx.ReadAudit(count)]


@pytest.mark.parametrize("args", ["0", "101", "x", "-3", "²", "١٢"])
def test_audit_refuses_other_counts(args: str) -> None:
    outcome = feed(Dialogue(), AdminCommand("audit", args))
    assert keys(outcome) == ["admin-audit-usage"] and not outcome.commands


def test_export_names_the_file_by_the_time_and_captions_the_count() -> None:
    outcome = feed(Dialogue(), fx.Exported(b"id\n1\n", 1))
    (reply,) = outcome.replies
    assert reply.document is not None
    assert reply.document.filename == "applications-20261128-090000.csv"
    assert reply.lines == (T("admin-export-caption", {"count": 1}),)
    assert outcome.commands == [fx.Record("export", details={"rows": 1})]


def test_purge_reports_the_retention_period() -> None:
    outcome = feed(Dialogue(), fx.Purged(2, 3), ctx(retention_days=45))
    assert outcome.replies[0].lines == (
        T("admin-purge-done", {"days": 45, "frames": 2, "references": 3}),
    )


def test_any_other_admin_button_is_stale() -> None:
    outcome = feed(Dialogue(), AdminPressed("zz", "", 1))
    assert outcome.state == Dialogue() and outcome.notice is not None
