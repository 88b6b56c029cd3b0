"""The one-shot admin commands: /admin /stats /agents /agent_add /agent_remove /ban /unban
/export /threshold /purge /audit. Each abandons a half-made broadcast; most ask the runner for
data and answer when its result comes back."""

from __future__ import annotations

from bot.domain.thresholds import ThresholdError, parse_thresholds
from bot.flows.admin import effects as fx
from bot.flows.admin.state import AdminCommand as Cmd
from bot.flows.admin.state import AdminContext as Ctx
from bot.flows.admin.state import (
    Attachment,
    Chart,
    Dialogue,
    Outcome,
    Reply,
    Step,
    Transition,
    cmd,
    result,
    row,
    say,
)
from bot.flows.core import T, t
from bot.flows.menus import ADMIN_COMMANDS

PERIODS: dict[str, T] = {
    "today": t("admin-period-today"),
    "7d": t("admin-period-7d"),
    "30d": t("admin-period-30d"),
}
DEFAULT_PERIOD = "7d"
ROLES: dict[str, T] = {"agent": t("admin-role-agent"), "admin": t("admin-role-admin")}
MAX_AUDIT_LINES = 100
DEFAULT_AUDIT_LINES = 20
MAX_REASONS_SHOWN = 10
_MAX_USER_ID = 2**63


def _idle(*replies: Reply, commands: list[fx.Command] | None = None) -> Outcome:
    """A command's answer: the dialogue is idle afterwards (a half-made broadcast is dropped)."""
    return Outcome(Dialogue(), list(replies), commands or [])


def _answer(d: Dialogue, *replies: Reply, commands: list[fx.Command] | None = None) -> Outcome:
    """A result's answer: the dialogue stays as it is."""
    return Outcome(d, list(replies), commands or [])


def _num(value: float) -> str:
    return f"{value:g}"


# ------------------------------------------------------------------------------ targets


def target_of(ev: Cmd) -> tuple[int, str, str] | Reply:
    """(user id, name if known, the other arguments) from `/cmd 123 ...` or from a reply to a
    forwarded message; otherwise how to use the command."""
    args = ev.args.strip()
    first, _, rest = args.partition(" ")
    if first.isdecimal() and first.isascii() and 0 < int(first) < _MAX_USER_ID:
        return int(first), "", rest
    if ev.replied_to is not None:
        if ev.replied_to.user_id is None:
            return say(t("admin-target-hidden"))
        return ev.replied_to.user_id, ev.replied_to.name, args
    return say(t("admin-target-usage", command=ev.name))


# ------------------------------------------------------------------------------ /admin


def show_help(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/admin: every admin command with what it does."""
    lines = [t("admin-help-title")]
    lines += [
        t("admin-help-line", command=name, text=text) for name, text in ADMIN_COMMANDS.items()
    ]
    return _idle(say(*lines))


# ------------------------------------------------------------------------------ /stats


def ask_stats(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/stats [today|7d|30d]: collects the period's figures (answered by StatsCollected)."""
    period = ev.args.strip().lower() or DEFAULT_PERIOD
    if period not in PERIODS:
        return _idle(say(t("admin-stats-usage")))
    return _idle(commands=[fx.CollectStats(period)])


def show_stats(d: Dialogue, ev: fx.StatsCollected, ctx: Ctx) -> Outcome:
    """The figures as text, then the chart."""
    view = ev.view
    name = PERIODS.get(view.period, t("admin-period-7d"))
    lines = [
        t("admin-stats-title", period=name, since=view.since),
        t("admin-stats-total", count=view.total),
    ]
    lines += [
        t("admin-stats-state", state=t(f"state-{state}"), count=count)
        for state, count in view.by_state
    ]
    if view.decided:
        rate = f"{view.approved / view.decided:.0%}"
        lines.append(t("admin-stats-rate", rate=rate, approved=view.approved, decided=view.decided))
    else:
        lines.append(t("admin-stats-rate-none"))
    if view.median is None:
        lines.append(t("admin-stats-median-none"))
    else:
        lines.append(t("admin-stats-median", duration=view.median))
    if view.reasons:
        lines.append(t("admin-stats-reasons"))
        lines += [
            t("admin-stats-reason", rank=rank, reason=reason, count=count)
            for rank, (reason, count) in enumerate(view.reasons[:MAX_REASONS_SHOWN], start=1)
        ]
    else:
        lines.append(t("admin-stats-reasons-none"))
    lines.append(t("admin-stats-queues", tickets=view.open_tickets, reviews=view.pending_reviews))
    chart = Chart(
        view,
        title=t("admin-chart-title", period=name),
        states=t("admin-chart-states"),
        reasons=t("admin-chart-reasons"),
        no_data=t("admin-chart-none"),
    )
    return _answer(
        d,
        say(*lines),
        Reply(chart=chart),
        commands=[fx.Record("stats", details={"period": view.period})],
    )


# ------------------------------------------------------------------------------ staff


def ask_staff(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/agents: lists the staff (answered by StaffListed)."""
    return _idle(commands=[fx.ListStaff()])


def show_staff(d: Dialogue, ev: fx.StaffListed, ctx: Ctx) -> Outcome:
    """Admins by configuration first, then the staff table."""
    lines = [t("admin-agents-title")]
    lines += [t("admin-agents-config", id=str(user_id)) for user_id in sorted(ctx.admin_ids)]
    lines += [
        t(
            "admin-agents-row",
            id=str(member.user_id),
            role=ROLES.get(member.role, t("admin-role-agent")),
            name=member.name or "-",
            date=member.added,
        )
        for member in ev.members
    ]
    if not ev.members:
        lines.append(t("admin-agents-none"))
    return _answer(d, say(*lines), commands=[fx.Record("agents_listed")])


def add_staff(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/agent_add <id> [admin] (or replying to a forward): adds an agent or an admin."""
    target = target_of(ev)
    if isinstance(target, Reply):
        return _idle(target)
    user_id, name, rest = target
    role = rest.strip().lower() or "agent"
    if role not in ROLES:
        return _idle(say(t("admin-agent-role-usage")))
    if user_id in ctx.admin_ids:  # a staff row would say "agent" of an admin
        return _idle(say(t("admin-agent-config", id=str(user_id))))
    return _idle(commands=[fx.AddStaff(user_id, role, name)])


def staff_added(d: Dialogue, ev: fx.StaffAdded, ctx: Ctx) -> Outcome:
    """Added (the user's menu follows the role), or nothing changed."""
    params: dict[str, str | T] = {
        "id": str(ev.user_id),
        "role": ROLES.get(ev.role, t("admin-role-agent")),
    }
    if not ev.changed:
        return _answer(d, say(t("admin-agent-unchanged", **params)))
    return _answer(
        d,
        say(t("admin-agent-added", **params)),
        commands=[
            fx.Record("agent_add", subject=ev.user_id, details={"role": ev.role}),
            fx.RefreshMenus((ev.user_id,)),
        ],
    )


def remove_staff(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/agent_remove <id>: removes a member of staff (not an admin by configuration)."""
    target = target_of(ev)
    if isinstance(target, Reply):
        return _idle(target)
    user_id = target[0]
    if user_id in ctx.admin_ids:
        return _idle(say(t("admin-agent-config", id=str(user_id))))
    return _idle(commands=[fx.RemoveStaff(user_id)])


def staff_removed(d: Dialogue, ev: fx.StaffRemoved, ctx: Ctx) -> Outcome:
    if not ev.removed:
        return _answer(d, say(t("admin-agent-not-staff", id=str(ev.user_id))))
    return _answer(
        d,
        say(t("admin-agent-removed", id=str(ev.user_id))),
        commands=[fx.Record("agent_remove", subject=ev.user_id), fx.RefreshMenus((ev.user_id,))],
    )


# ------------------------------------------------------------------------------ bans


def ban(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/ban <id> [reason]: the user's updates are dropped (they are told once)."""
    target = target_of(ev)
    if isinstance(target, Reply):
        return _idle(target)
    user_id, _, reason = target
    return _idle(commands=[fx.Ban(user_id, reason.strip())])


def ban_done(d: Dialogue, ev: fx.BanDone, ctx: Ctx) -> Outcome:
    who = str(ev.user_id)
    if ev.outcome == "staff":
        return _answer(d, say(t("admin-ban-staff", id=who)))
    if ev.outcome == "already":
        return _answer(d, say(t("admin-ban-already", id=who)))
    return _answer(
        d, say(t("admin-banned", id=who)), commands=[fx.Record("ban", subject=ev.user_id)]
    )


def unban(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/unban <id>."""
    target = target_of(ev)
    if isinstance(target, Reply):
        return _idle(target)
    return _idle(commands=[fx.Unban(target[0])])


def unbanned(d: Dialogue, ev: fx.Unbanned, ctx: Ctx) -> Outcome:
    who = str(ev.user_id)
    if not ev.removed:
        return _answer(d, say(t("admin-unban-not-banned", id=who)))
    return _answer(
        d, say(t("admin-unbanned", id=who)), commands=[fx.Record("unban", subject=ev.user_id)]
    )


# ------------------------------------------------------------------------------ /export


def export(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/export: every application as CSV (answered by Exported)."""
    return _idle(commands=[fx.ExportApplications()])


def exported(d: Dialogue, ev: fx.Exported, ctx: Ctx) -> Outcome:
    """The file, named by the time it was made (UTC)."""
    name = f"applications-{ctx.now.strftime('%Y%m%d-%H%M%S')}.csv"
    return _answer(
        d,
        Reply((t("admin-export-caption", count=ev.rows),), document=Attachment(ev.data, name)),
        commands=[fx.Record("export", details={"rows": ev.rows})],
    )


# ------------------------------------------------------------------------------ /threshold


THRESHOLD_ERRORS: dict[str, T] = {
    "format": t("admin-threshold-error-format"),
    "range": t("admin-threshold-error-range"),
    "order": t("admin-threshold-error-order"),
}


def threshold(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/threshold: shows the distances in force; /threshold PASS REVIEW sets them."""
    args = ev.args.strip()
    if not args:
        return _idle(commands=[fx.ReadThresholds()])
    try:
        passing, review = parse_thresholds(args)
    except ThresholdError as error:
        return _idle(say(THRESHOLD_ERRORS[error.code], t("admin-threshold-usage")))
    return _idle(commands=[fx.SetThresholds(passing, review)])


def thresholds_read(d: Dialogue, ev: fx.ThresholdsRead, ctx: Ctx) -> Outcome:
    source = t("admin-threshold-source-admin" if ev.by_admin else "admin-threshold-source-settings")
    shown = t(
        "admin-threshold-show",
        **{"pass": _num(ev.passing), "review": _num(ev.review)},
        source=source,
    )
    return _answer(
        d, say(shown, t("admin-threshold-usage")), commands=[fx.Record("threshold_viewed")]
    )


def thresholds_set(d: Dialogue, ev: fx.ThresholdsSet, ctx: Ctx) -> Outcome:
    (old_pass, old_review), (passing, review) = ev.old, ev.new
    changed = {
        "old": f"{_num(old_pass)}/{_num(old_review)}",
        "new": f"{_num(passing)}/{_num(review)}",
    }
    return _answer(
        d,
        say(t("admin-threshold-set", **{"pass": _num(passing), "review": _num(review)})),
        commands=[fx.Record("threshold", target="thresholds", details=changed)],
    )


# ------------------------------------------------------------------------------ /purge


def purge(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/purge: deletes key frames and reference photos past the retention period now."""
    return _idle(commands=[fx.Purge()])


def purged(d: Dialogue, ev: fx.Purged, ctx: Ctx) -> Outcome:
    frames, references = ev.key_frame_folders, ev.references
    return _answer(
        d,
        say(t("admin-purge-done", days=ctx.retention_days, frames=frames, references=references)),
        commands=[fx.Record("purge", details={"frames": frames, "references": references})],
    )


# ------------------------------------------------------------------------------ /audit


def audit(d: Dialogue, ev: Cmd, ctx: Ctx) -> Outcome:
    """/audit [N]: the newest N lines of the audit log (1..100, default 20)."""
    args = ev.args.strip()
    if args and not (args.isdecimal() and args.isascii() and 1 <= int(args) <= MAX_AUDIT_LINES):
        return _idle(say(t("admin-audit-usage")))
    return _idle(commands=[fx.ReadAudit(int(args) if args else DEFAULT_AUDIT_LINES)])


def audit_read(d: Dialogue, ev: fx.AuditRead, ctx: Ctx) -> Outcome:
    record = fx.Record("audit_viewed", details={"count": ev.count})
    if not ev.lines:
        return _answer(d, say(t("admin-audit-empty")), commands=[record])
    lines = [t("admin-audit-title", count=len(ev.lines))]
    lines += [t("admin-audit-line", line=line) for line in ev.lines]
    return _answer(d, say(*lines), commands=[record])


ROWS: tuple[Transition, ...] = (
    # every command from any step: a half-made broadcast is dropped
    row(None, cmd("admin"), Step.IDLE, show_help),
    row(None, cmd("stats"), Step.IDLE, ask_stats),
    row(None, cmd("agents"), Step.IDLE, ask_staff),
    row(None, cmd("agent_add"), Step.IDLE, add_staff),
    row(None, cmd("agent_remove"), Step.IDLE, remove_staff),
    row(None, cmd("ban"), Step.IDLE, ban),
    row(None, cmd("unban"), Step.IDLE, unban),
    row(None, cmd("export"), Step.IDLE, export),
    row(None, cmd("threshold"), Step.IDLE, threshold),
    row(None, cmd("purge"), Step.IDLE, purge),
    row(None, cmd("audit"), Step.IDLE, audit),
    # the answers, in whatever step they land
    row(None, result(fx.StatsCollected), (), show_stats),
    row(None, result(fx.StaffListed), (), show_staff),
    row(None, result(fx.StaffAdded), (), staff_added),
    row(None, result(fx.StaffRemoved), (), staff_removed),
    row(None, result(fx.BanDone), (), ban_done),
    row(None, result(fx.Unbanned), (), unbanned),
    row(None, result(fx.Exported), (), exported),
    row(None, result(fx.ThresholdsRead), (), thresholds_read),
    row(None, result(fx.ThresholdsSet), (), thresholds_set),
    row(None, result(fx.Purged), (), purged),
    row(None, result(fx.AuditRead), (), audit_read),
)
