## 欢迎、隐私与登录

welcome-title = 👋 <b>欢迎使用社保卡家庭服务。</b>
    您可以在此为电子社保卡添加家庭成员并进行认证。
privacy-notice = <b>隐私说明</b>
    为提供本服务，我们将处理您的手机号码、姓名和身份证号码，以及您所添加家庭成员的相关信息。身份证号码加密存储，仅以脱敏形式显示。
    人脸识别认证需要录制一段短视频，属于生物识别信息：使用前我们将另行征求您的同意。
    您可随时通过菜单删除您的全部数据。
    是否同意？
btn-accept = ✅ 同意
btn-decline = ✖️ 不同意
privacy-declined = 好的，未保存您的任何信息。如改变主意，请发送 /start。
privacy-hint = 请阅读上方的隐私说明，然后点击<b>✅ 同意</b>继续，或点击<b>✖️ 不同意</b>。
sign-in-prompt = 请登录：点击下方<b>分享我的手机号码</b>。
btn-share-phone = 📱 分享我的手机号码
contact-not-own = 这是他人的联系人。请通过下方按钮分享<b>您本人</b>的手机号码。
contact-typed = 为保障您的安全，不接受手动输入的号码，号码须来自您的 Telegram 账号。请点击下方按钮。
contact-invalid = 该手机号码无法使用，请检查您 Telegram 账号绑定的号码。
signed-in = ✅ 登录成功。
reg-new-account = 该号码尚未注册账号，现在为您创建。
reg-name-prompt = 请输入与身份证一致的<b>姓名</b>。
reg-id-prompt = 请输入<b>您本人</b>的18位身份证号码。
reg-done = ✅ 账号创建成功。
reg-refused-id-taken = 该身份证号码已被其他账号注册。如有疑问，请联系客服。
reg-refused-phone-taken = 该手机号码已注册，请发送 /start 登录。
session-expired = 由于长时间未操作，您的会话已结束，请重新登录。
logged-out = 您已退出登录。

## 菜单与导航

menu-title = <b>主菜单</b>
    当前登录用户：{ $name }
btn-family = 👨‍👩‍👧 家庭服务
btn-applications = 📋 我的申请
btn-support = 💬 人工客服
btn-language = 🌐 语言
btn-delete-data = 🗑 删除我的数据
btn-logout = 🚪 退出登录
btn-back = ◀️ 返回
btn-cancel = ✖️ 取消
btn-menu = 🏠 主菜单
btn-confirm = ✅ 确认
cancelled = 已取消。
unexpected = 抱歉，当前步骤无法处理该内容。
throttled = 您发送消息过于频繁，请稍候再试。
error-generic = 抱歉，系统出现问题，请重试，或发送 /menu 返回主菜单。
button-stale = 该按钮来自较早的消息，请使用最新消息中的按钮。
help-text = ℹ️ 本机器人可帮助您为电子社保卡添加家庭成员，并通过人脸识别认证。命令：/start、/menu、/cancel、/language、/logout、/help。
support-unavailable = 本服务暂未配置人工客服。
support-waiting = 💬 您的请求已转给人工客服，请稍候：客服回复后我们会在这里通知您。您现在就可以发送消息，也可以发送照片和视频。点击下方按钮或发送 /cancel 返回机器人。
support-agent-joined = 👤 客服 { $agent } 已接入，您现在正在与人工客服对话。
support-agent-says = 👤 <b>{ $agent }</b>（人工客服）：
support-agent-role = 人工客服
btn-end-talk = 🤖 返回机器人
support-failed = 抱歉，暂时无法连接人工客服，请稍后再试。
support-ended = 您已结束与人工客服的对话。
support-closed = 客服已结束对话，您已返回机器人服务。
decision-approved = ✅ { $name } 的认证已通过人工审核，该家庭成员已添加到您的电子社保卡。
decision-retry = 🔁 审核人员请您为 { $name } 重新录制视频。请打开“家庭服务”并点击“认证”。
decision-retry-photo = 🔁 审核人员请您重新发送一张 { $name } 的照片。请打开“家庭服务”并点击“认证”。
decision-rejected = ❌ { $name } 的认证未通过人工审核。
decision-may-retry = 您可以重新尝试：打开“家庭服务”并点击“认证”。
decision-final = 此结果为最终决定。如有异议，请在菜单中点击“人工客服”。
reject-not-same-person = 视频中的人员与所填身份证号码对应的家庭成员不符。
reject-poor-quality = 图像不够清晰，无法判断。
reject-action-incomplete = 未完成要求的动作。
reject-not-live = 视频未显示真实在场的人员。
reject-document-mismatch = 身份证照片与所填信息不符。
language-prompt = 请选择语言：
language-set = ✅ 语言已切换。
language-name-en = English
language-name-es = Español
language-name-zh-CN = 简体中文

## 家庭服务

family-title = <b>家庭成员</b>（{ $count }/{ $max }）
family-empty = 您尚未添加家庭成员。
family-full = 家庭成员已达上限（{ $max } 人）。
member-button = { $name } · { $status }
btn-add-member = ➕ 添加成员
member-title = <b>{ $name }</b>
member-name = 姓名：{ $name }
member-id = 身份证号码：<code>{ $id }</code>
member-birth = 出生日期：{ $date }
member-age = 年龄：{ $age }
member-relationship = 关系：{ $relationship }
member-status = 状态：{ $status }
btn-ecard = 💳 电子卡
ecard-title = <b>💳 家庭成员电子卡</b>
ecard-valid-until = 有效期至：{ $date }
ecard-note = 核验人员可扫描二维码核验此卡。二维码中不含身份证号码和姓名。
btn-verify = 🎥 认证
btn-reverify = 🔁 重新认证
btn-remove-member = 🗑 删除
remove-confirm = 确定将<b>{ $name }</b>从家庭成员中删除吗？其相关申请将一并删除。
btn-remove-confirm = 🗑 确定删除
member-removed = 成员已删除。
member-gone = 该家庭成员已不存在。
member-added = ✅ 家庭成员添加成功。
member-in-review = 该成员的认证正在人工审核中，结果将另行通知。
member-refused-duplicate = 该人员已在您的家庭成员中。
member-refused-limit = 家庭成员已达上限（{ $max } 人）。
member-refused-is-self = 不能将本人添加为家庭成员。
status-not-verified = 未认证
status-pending-review = 待审核
status-verified = 已认证
status-rejected = 未通过
status-locked = 已锁定，明日可再试

## 添加成员

add-name-prompt = 请输入家庭成员的<b>姓名</b>（2至40个字符）。
add-id-prompt = 请输入家庭成员的<b>18位身份证号码</b>。
add-relation-prompt = 该成员与您的关系是？
add-confirm-title = <b>请核对信息</b>
btn-edit-name = ✏️ 姓名
btn-edit-id = ✏️ 身份证号码
btn-edit-relation = ✏️ 关系
rel-spouse = 配偶
rel-father = 父亲
rel-mother = 母亲
rel-son = 儿子
rel-daughter = 女儿
rel-grandparent = 祖父母/外祖父母
rel-grandchild = 孙辈
rel-other = 其他
name-error-too-short = 姓名过短，请至少输入2个字。
name-error-too-long = 姓名过长，最多40个字符。
name-error-invalid-characters = 姓名只能包含汉字、拉丁字母、空格和间隔号（·），不能包含数字、表情或符号。
id-error-empty = 请输入身份证号码。
id-error-length = 身份证号码为18位（旧版身份证为15位数字），请核对后重新输入。
id-error-characters = 身份证号码只能由数字组成，最后一位可以是X。
id-error-province = 前两位不是有效的省份代码。
id-error-birth-date = 该身份证号码中的出生日期（第7至14位）不是有效日期。
id-error-future-birth-date = 该身份证号码中的出生日期晚于今天。
id-error-checksum = 最后一位校验码不符，可能存在输入错误，请核对号码。
id-converted = 这是旧版15位号码，已转换为18位号码 { $id }。
id-message-removed = 🔒 含有身份证号码的消息已从聊天中删除；号码已加密保存，仅以脱敏形式显示：{ $id }。
id-message-removed-unsaved = 🔒 含有号码的消息已从聊天中删除，未保存任何内容。
member-is-self = 这是您本人的身份证号码，请输入家庭成员的号码。
member-duplicate = 该人员已在您的家庭成员中。
relation-too-young = 所选关系与出生日期不符：父母或祖辈的年龄应明显大于您。
relation-too-old = 所选关系与出生日期不符：子女或孙辈的年龄应明显小于您。
relation-spouse-minor = 所选关系与出生日期不符：配偶须为成年人（18 岁及以上）。
relation-sex-male = 所选关系与身份证号码不符，该号码属于女性。
relation-sex-female = 所选关系与身份证号码不符，该号码属于男性。

## 人脸识别认证

bio-consent = <b>{ $name } 本人授权</b>
    { $name }，下一步将拍摄您本人：录制一段您面部的短视频（眨眼和转头），并与您的身份证照片进行比对。请您本人阅读，或请他人为您朗读。
    视频在分析完成后立即删除；少量截图将保留 { $days } 天用于人工审核，之后删除。您可随时通过“删除我的数据”撤回授权。
    { $name }，您是否同意？
btn-bio-agree = ✅ 我是{ $name }，我同意
bio-consent-child = <b>为 { $name } 授权</b>
    { $name } 将通过一张面部照片进行认证，并由工作人员人工审核。作为 { $name } 的父母或监护人，由您代为决定。
    照片仅用于审核，最多保留 { $days } 天，之后删除。您可随时通过“删除我的数据”撤回授权。
    作为 { $name } 的父母或监护人，您是否同意？
btn-bio-agree-child = ✅ 我作为{ $name }的父母或监护人同意
btn-bio-decline = 暂不
application-refused-in-review = 该成员已有申请正在审核中。
application-refused-locked = 今日认证次数已用完。
liveness-ready = <b>准备开始</b>
    请在光线充足处将手机举至与眼睛平齐，画面中仅保留该家庭成员的面部。请录制一段几秒钟的圆形视频消息，并依次完成：
challenge-step = { $n }. { $action }
action-blink = 眨眼一次
action-turn_left = ⬅️ 把头转向您的左肩，再转回正面
action-turn_right = ➡️ 把头转向您的右肩，再转回正面
action-shake = ⬅️➡️ 把头先转向一侧肩膀，再转向另一侧
liveness-tips = 请按上述顺序完成动作。您可以先进行练习：系统会检测并给出提示，但不计入认证次数。
btn-start-video = 🎥 我已准备好
btn-practice = 🧪 先练习
video-prompt = 请录制<b>圆形视频消息</b>（按住麦克风按钮并切换到摄像头），或发送不超过 { $seconds } 秒的视频，并依次完成：
video-prompt-practice = <b>练习模式。</b>请录制圆形视频消息，或发送不超过 { $seconds } 秒的视频，并依次完成：
video-wrong-kind = 请发送视频（最好是圆形视频消息），不要发送照片、贴纸、文字或文件。
video-too-big = 视频过大（超过 { $mb } MB），请录制更短的视频。
video-too-long = 视频过长，最多录制 { $seconds } 秒。
video-too-short = 视频过短，至少录制 { $seconds } 秒。
child-photo-intro = 未满 { $age } 周岁的家庭成员使用面部照片认证，并由工作人员人工审核。
id-photo-prompt = 暂无该家庭成员的参考照片。请发送一张清晰、光线充足的<b>身份证人像面</b>照片，视频将与其中的人脸进行比对。
id-photo-checking = ⏳ 正在检查照片…
id-photo-accepted = ✅ 身份证照片可以使用。
id-photo-error-not-an-image = 该文件不是可用的照片，请发送 JPEG 或 PNG 格式的照片。
id-photo-error-too-large = 照片文件过大。
id-photo-error-no-face = 照片中未检测到人脸。请平放身份证人像面，在光线充足处拍摄。
id-photo-error-multiple-faces = 照片中有多张人脸，请只拍摄身份证。
id-photo-error-invalid-id = 该成员的身份证号码无法用于此操作。
photo-prompt = 请发送一张清晰、光线充足的儿童<b>正面照片</b>。
photo-wrong-kind = 请发送照片（JPEG 或 PNG 格式）。
photo-too-big = 照片过大（超过 { $mb } MB）。
checking = ⏳ 正在检测您的视频…
checking-photo = ⏳ 正在检查照片…
checking-practice = ⏳ 正在检测您的练习视频…
checking-wait = ⏳ 您的视频仍在检测中，请稍候。
checking-wait-photo = ⏳ 照片仍在检查中，请稍候。
practice-ok = 👍 练习完成，一切正常。现在请正式录制。
practice-failed = 🧪 练习结果：{ $reason }
practice-next = 可以再练习一次，或点击“我已准备好”正式录制。
result-approved = ✅ 认证成功！该家庭成员已添加到您的电子社保卡。
result-in-review = 📨 您的视频已通过检测，已提交人工审核。审核结果将在此通知您。
result-photo-in-review = 📨 照片清晰，且只有一张人脸。接下来将由工作人员与身份证信息进行核对，结果将在此通知您。
result-rejected = ❌ 认证未通过。
result-failed = ❌ { $reason }
result-retry = ❌ 认证未通过。
retry-next = 今日剩余次数：{ $n }。点击“我已准备好”重新录制。
photo-retry = ❌ 该照片无法使用。
photo-again = 请重新发送一张 { $name } 的照片。
result-unreadable = 无法读取该文件，请重新录制视频。
result-unreadable-photo = 无法读取该照片，请重新发送。
locked-offer = 该家庭成员今日认证次数已用完：您可以明天再试，或立即申请人工审核。
btn-human-review = 🙋 申请人工审核
human-review-requested = 📨 工作人员将对认证记录进行人工审核，结果将在此通知您。
reason-no_face = 未检测到人脸。
reason-multiple_faces = 画面中出现多张人脸。
reason-face_too_small = 人脸过小或距离过远。
reason-too_dark = 视频光线过暗。
reason-too_blurry = 视频过于模糊。
reason-too_short = 视频过短。
reason-too_long = 视频过长。
reason-no_blink = 未检测到眨眼。
reason-no_turn_left = 未检测到向左肩转头。
reason-no_turn_right = 未检测到向右肩转头。
reason-wrong_order = 未按要求的顺序完成动作。
reason-flat_image = 视频疑似照片或屏幕翻拍，而非真人。
reason-eyes_closed = 整段视频中眼睛一直闭着。
reason-match_low = 人脸与身份证照片相似度不足。
reason-match_borderline = 无法确定人脸是否匹配。
reason-hard_to_match = 人脸难以比对。
reason-child = 儿童认证均需人工审核。
reason-no_reference = 暂无可用的参考照片。
reason-photo-no_face = 照片中未检测到人脸。
reason-photo-multiple_faces = 照片中有多张人脸。
reason-photo-face_too_small = 照片中的人脸过小。
reason-photo-too_dark = 照片光线过暗。
reason-photo-too_blurry = 照片过于模糊。
tip-no_face = 请将整张脸保持在圆框内，正对镜头。
tip-multiple_faces = 请确保画面中只有该家庭成员。
tip-face_too_small = 请将手机靠近一些，约一臂距离。
tip-too_dark = 请面向窗户或灯光，避免背光。
tip-too_blurry = 请拿稳手机，并擦拭镜头。
tip-too_short = 请稍微多录几秒。
tip-too_long = 请简短录制，只需完成动作，几秒即可。
tip-no_blink = 请缓慢、清晰地眨眼一次。
tip-no_turn_left = ⬅️ 请明显地把头转向左肩，再转回正面。
tip-no_turn_right = ➡️ 请明显地把头转向右肩，再转回正面。
tip-wrong_order = 请按说明中的顺序完成动作。
tip-flat_image = 须由家庭成员本人真人面对镜头。
tip-eyes_closed = 请睁开眼睛看向屏幕，然后眨眼一次。
tip-match_low = 请确认视频中的人员与所填身份证号码的家庭成员一致。
tip-match_borderline = 请在光线充足均匀处正视镜头。
tip-hard_to_match = 请在光线充足均匀处录制，并摘下眼镜和帽子。
tip-child = 工作人员将人工审核照片。
tip-no_reference = 工作人员将人工审核视频。
tip-photo-no_face = 请拍摄儿童完整的面部，并让其看向镜头。
tip-photo-multiple_faces = 照片中只能有该儿童一人。
tip-photo-face_too_small = 请靠近一些，让面部占据照片的大部分。
tip-photo-too_dark = 请面向窗户或灯光拍摄，避免背光。
tip-photo-too_blurry = 请拿稳手机，拍摄前点击屏幕上的面部对焦。

## 申请

applications-title = <b>我的申请</b>
applications-empty = 您暂无申请记录。
application-button = #{ $id } { $name } · { $state }
application-title = <b>申请 #{ $id }</b> · { $name }
timeline-entry = { $at } — { $state }
state-submitted = 已提交
state-checking = 检测中
state-in_review = 人工审核中
state-approved = 已通过
state-rejected = 未通过
state-expired = 已过期

## 删除数据

delete-confirm = <b>确定删除您的全部数据吗？</b>
    您的账号、家庭成员、申请记录和已保存的图像将被清除，且无法恢复。
btn-delete-confirm = 🗑 全部删除
delete-done = 您的全部数据已删除。发送 /start 可重新开始。

## 机器人命令（菜单）

cmd-start = 开始或显示菜单
cmd-menu = 主菜单
cmd-cancel = 取消当前操作
cmd-language = 切换语言
cmd-logout = 退出登录
cmd-help = 帮助
