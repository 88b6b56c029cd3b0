## Admin commands (private chat with the bot)

admin-cmd-admin = List the admin commands
admin-cmd-stats = Statistics: /stats today, 7d or 30d
admin-cmd-agents = List the support agents and admins
admin-cmd-agent_add = Add an agent: /agent_add user_id [admin], or reply to a forwarded message
admin-cmd-agent_remove = Remove an agent or admin: /agent_remove user_id, or reply to a forwarded message
admin-cmd-ban = Ban a user: /ban user_id [reason], or reply to a forwarded message
admin-cmd-unban = Lift a ban: /unban user_id, or reply to a forwarded message
admin-cmd-broadcast = Send a message to the citizens (with preview and confirmation)
admin-cmd-export = Export the applications as CSV (masked ID numbers only)
admin-cmd-threshold = Show or change the face-match thresholds: /threshold pass review
admin-cmd-purge = Run data retention now
admin-cmd-audit = The audit log: /audit [n], the last n lines (up to 100)
admin-cmd-close = End this conversation
admin-cmd-note = Add an internal note: /note text
admin-cmd-approve = Approve the citizen's pending review
admin-cmd-reject = Reject the citizen's pending review: /reject reason

admin-help-title = <b>Admin commands</b>
admin-help-line = /{ $command } — { $text }

admin-period-today = today
admin-period-7d = the last 7 days
admin-period-30d = the last 30 days
admin-stats-usage = Usage: /stats today, /stats 7d or /stats 30d.
admin-stats-title = 📊 <b>Statistics</b> for { $period } (since { $since }, UTC)
admin-stats-total = Applications: { $count }
admin-stats-state = • { $state }: { $count }
admin-stats-rate = Approval rate: { $rate } ({ $approved } of { $decided } decided)
admin-stats-rate-none = Approval rate: nothing decided yet
admin-stats-median = Median time from video to decision: { $duration }
admin-stats-median-none = Median time from video to decision: -
admin-stats-reasons = Failure reasons:
admin-stats-reason = { $rank }. { $reason }: { $count }
admin-stats-reasons-none = Failure reasons: none
admin-stats-queues = Open tickets: { $tickets } · pending reviews: { $reviews }
admin-chart-title = Applications, { $period }
admin-chart-states = By state
admin-chart-reasons = Failure reasons
admin-chart-none = No failures

admin-role-agent = agent
admin-role-admin = admin
admin-agents-title = 👥 <b>Staff</b>
admin-agents-config = • <code>{ $id }</code> · admin (ADMIN_IDS setting)
admin-agents-row = • <code>{ $id }</code> · { $role } · { $name } · added { $date }
admin-agents-none = No agents yet: add one with /agent_add user_id.
admin-target-usage = Give a user id (e.g. /{ $command } 123456789), or reply with /{ $command } to a message forwarded from that user.
admin-agent-role-usage = The role after the user id is agent (the default) or admin: /agent_add 123456789 admin.
admin-target-hidden = That user hides their account in forwarded messages: give their user id instead.
admin-agent-added = ✅ { $id } is now { $role }.
admin-agent-unchanged = { $id } already is { $role }: nothing changed.
admin-agent-removed = ✅ { $id } is no longer on the staff.
admin-agent-not-staff = { $id } is not on the staff: nothing changed.
admin-agent-config = { $id } is an admin through the ADMIN_IDS setting: change it there.

admin-banned = 🚫 { $id } is banned: they will be told once, then ignored.
admin-ban-already = { $id } is already banned.
admin-ban-staff = { $id } is on the staff: remove them with /agent_remove first.
admin-unbanned = ✅ { $id } is no longer banned.
admin-unban-not-banned = { $id } is not banned: nothing changed.
admin-banned-notice = You can no longer use this bot. If you think this is a mistake, please contact your social security office.

admin-broadcast-ask = 📣 Send me the message to broadcast (text; its formatting is kept), or /cancel.
admin-broadcast-need-text = Please send the message as text, or /cancel.
admin-broadcast-language = Who should receive it?
admin-broadcast-all = Everyone
admin-broadcast-preview = ☝️ This is how the message will look. Recipients: { $count } ({ $language }). Send it?
admin-broadcast-send = 📣 Send
admin-broadcast-cancel = ✖️ Cancel
admin-broadcast-cancelled = Broadcast cancelled: nothing was sent.
admin-broadcast-nobody = Nobody matches this choice: nothing was sent.
admin-broadcast-sending = 📣 Sending to { $count } recipients…
admin-broadcast-report = 📣 Broadcast finished: { $delivered } delivered, { $blocked } blocked the bot, { $failed } failed.
admin-broadcast-stale = This button is no longer valid.

admin-export-caption = Applications: { $count } (masked ID numbers only).

admin-threshold-show = Face-distance thresholds (lower means more alike): pass ≤ { $pass }, review ≤ { $review } ({ $source }).
admin-threshold-source-settings = from the settings
admin-threshold-source-admin = set by an admin
admin-threshold-usage = Change them with /threshold pass review, e.g. /threshold 0.42 0.55: numbers between 0 and 1, pass not above review.
admin-threshold-set = ✅ Thresholds changed: pass ≤ { $pass }, review ≤ { $review }.
admin-threshold-error-format = Nothing changed: give two numbers, the pass and the review threshold.
admin-threshold-error-range = Nothing changed: both thresholds must be greater than 0 and less than 1.
admin-threshold-error-order = Nothing changed: the pass threshold must not be above the review threshold.

admin-purge-done = 🧹 Data retention ({ $days } days): { $frames } key-frame folders and { $references } reference photos deleted.

admin-audit-usage = Usage: /audit, or /audit n for the last n lines (1 to 100).
admin-audit-empty = The audit log is empty.
admin-audit-title = 🧾 <b>Audit log</b>, last { $count } lines (UTC)
admin-audit-line = <code>{ $line }</code>
