## 管理员命令（与机器人的私聊）

admin-cmd-admin = 列出管理员命令
admin-cmd-stats = 统计：/stats today、7d 或 30d
admin-cmd-agents = 列出客服人员和管理员
admin-cmd-agent_add = 添加客服：/agent_add 用户ID [admin]，或回复一条转发的消息
admin-cmd-agent_remove = 移除客服或管理员：/agent_remove 用户ID，或回复一条转发的消息
admin-cmd-ban = 封禁用户：/ban 用户ID [原因]，或回复一条转发的消息
admin-cmd-unban = 解除封禁：/unban 用户ID，或回复一条转发的消息
admin-cmd-broadcast = 向市民群发消息（先预览，再确认）
admin-cmd-export = 以 CSV 导出申请（仅含脱敏的身份证号）
admin-cmd-threshold = 查看或修改人脸比对阈值：/threshold 通过 复核
admin-cmd-purge = 立即执行数据保留清理
admin-cmd-audit = 审计日志：/audit [n]，最近 n 行（最多 100）
admin-cmd-close = 结束此对话
admin-cmd-note = 添加内部备注：/note 文字
admin-cmd-approve = 通过该市民待复核的申请
admin-cmd-reject = 驳回该市民待复核的申请：/reject 原因

admin-help-title = <b>管理员命令</b>
admin-help-line = /{ $command } — { $text }

admin-period-today = 今天
admin-period-7d = 最近 7 天
admin-period-30d = 最近 30 天
admin-stats-usage = 用法：/stats today、/stats 7d 或 /stats 30d。
admin-stats-title = 📊 <b>统计</b>：{ $period }（自 { $since } 起，UTC）
admin-stats-total = 申请：{ $count }
admin-stats-state = • { $state }：{ $count }
admin-stats-rate = 通过率：{ $rate }（已决定 { $decided } 件中通过 { $approved } 件）
admin-stats-rate-none = 通过率：尚无决定
admin-stats-median = 从视频到决定的时间中位数：{ $duration }
admin-stats-median-none = 从视频到决定的时间中位数：-
admin-stats-reasons = 失败原因：
admin-stats-reason = { $rank }. { $reason }：{ $count }
admin-stats-reasons-none = 失败原因：无
admin-stats-queues = 未关闭的工单：{ $tickets } · 待复核：{ $reviews }
admin-chart-title = 申请，{ $period }
admin-chart-states = 按状态
admin-chart-reasons = 失败原因
admin-chart-none = 没有失败

admin-role-agent = 客服
admin-role-admin = 管理员
admin-agents-title = 👥 <b>工作人员</b>
admin-agents-config = • <code>{ $id }</code> · 管理员（ADMIN_IDS 设置）
admin-agents-row = • <code>{ $id }</code> · { $role } · { $name } · 添加于 { $date }
admin-agents-none = 还没有客服：用 /agent_add 用户ID 添加。
admin-target-usage = 请给出用户ID（例如 /{ $command } 123456789），或用 /{ $command } 回复一条该用户的转发消息。
admin-agent-role-usage = 用户ID后面的角色只能是 agent（默认）或 admin：/agent_add 123456789 admin。
admin-target-hidden = 该用户在转发消息中隐藏了账号：请直接给出其用户ID。
admin-agent-added = ✅ { $id } 现在是{ $role }。
admin-agent-unchanged = { $id } 已经是{ $role }，没有改动。
admin-agent-removed = ✅ { $id } 已不再是工作人员。
admin-agent-not-staff = { $id } 不是工作人员，没有改动。
admin-agent-config = { $id } 是通过 ADMIN_IDS 设置的管理员：请在那里修改。

admin-banned = 🚫 已封禁 { $id }：对方会收到一次通知，之后其消息将被忽略。
admin-ban-already = { $id } 已被封禁。
admin-ban-staff = { $id } 是工作人员：请先用 /agent_remove 移除。
admin-unbanned = ✅ 已解除对 { $id } 的封禁。
admin-unban-not-banned = { $id } 没有被封禁，没有改动。
admin-banned-notice = 您已无法继续使用本机器人。如认为有误，请联系您的社会保障经办机构。

admin-broadcast-ask = 📣 请发送要群发的消息（文字，保留格式），或发送 /cancel。
admin-broadcast-need-text = 请以文字形式发送消息，或发送 /cancel。
admin-broadcast-language = 发给哪些人？
admin-broadcast-all = 所有人
admin-broadcast-preview = ☝️ 消息将如上所示。收件人：{ $count }（{ $language }）。确认发送吗？
admin-broadcast-send = 📣 发送
admin-broadcast-cancel = ✖️ 取消
admin-broadcast-cancelled = 群发已取消：没有发送任何消息。
admin-broadcast-nobody = 没有符合条件的收件人：没有发送任何消息。
admin-broadcast-sending = 📣 正在发送给 { $count } 位收件人…
admin-broadcast-report = 📣 群发完成：送达 { $delivered }，已屏蔽机器人 { $blocked }，失败 { $failed }。
admin-broadcast-stale = 此按钮已失效。

admin-export-caption = 申请：{ $count } 件（仅含脱敏的身份证号）。

admin-threshold-show = 人脸距离阈值（越小越相似）：通过 ≤ { $pass }，复核 ≤ { $review }（{ $source }）。
admin-threshold-source-settings = 来自设置
admin-threshold-source-admin = 由管理员设定
admin-threshold-usage = 用 /threshold 通过 复核 修改，例如 /threshold 0.42 0.55：取 0 到 1 之间的数，通过阈值不大于复核阈值。
admin-threshold-set = ✅ 阈值已修改：通过 ≤ { $pass }，复核 ≤ { $review }。
admin-threshold-error-format = 未作改动：请给出两个数，即通过阈值和复核阈值。
admin-threshold-error-range = 未作改动：两个阈值都必须大于 0 且小于 1。
admin-threshold-error-order = 未作改动：通过阈值不能大于复核阈值。

admin-purge-done = 🧹 数据保留清理（{ $days } 天）：已删除 { $frames } 个关键帧文件夹和 { $references } 张参考照片。

admin-audit-usage = 用法：/audit，或 /audit n 查看最近 n 行（1 到 100）。
admin-audit-empty = 审计日志为空。
admin-audit-title = 🧾 <b>审计日志</b>，最近 { $count } 行（UTC）
admin-audit-line = <code>{ $line }</code>
