## Greeting, privacy and sign-in

welcome-title = 👋 <b>Welcome to the social security card family service.</b>
    Here you can add family members to your electronic social security card and verify them.
privacy-notice = <b>Privacy notice</b>
    To provide this service we process your phone number, your name and ID number, and those of the family members you add. ID numbers are stored encrypted and are only ever shown masked.
    Face verification needs a short video, which is biometric data: we will ask for your separate consent before it is used.
    You can delete all your data at any time from the menu.
    Do you accept?
btn-accept = ✅ Accept
btn-decline = ✖️ Decline
privacy-declined = Understood. Nothing about you has been stored. Send /start if you change your mind.
privacy-hint = Please read the privacy notice above, then tap <b>✅ Accept</b> to continue or <b>✖️ Decline</b>.
sign-in-prompt = Please sign in: tap <b>Share my phone number</b> below.
btn-share-phone = 📱 Share my phone number
contact-not-own = That is someone else's contact. Please share <b>your own</b> number with the button below.
contact-typed = For your security, a typed number cannot be accepted: it must come from your Telegram account. Tap the button below.
contact-invalid = This phone number cannot be used. Please check your Telegram account's number.
signed-in = ✅ You are signed in.
reg-new-account = This number has no account yet. Let's create one.
reg-name-prompt = Please enter your <b>full name</b> as it appears on your ID card.
reg-id-prompt = Please enter <b>your own</b> 18-digit ID number.
reg-done = ✅ Your account has been created.
reg-refused-id-taken = This ID number is already registered to another account. If this is a mistake, please contact support.
reg-refused-phone-taken = This phone number is already registered. Please send /start to sign in.
session-expired = Your session ended after a period of inactivity. Please sign in again.
logged-out = You have been signed out.

## Menu and navigation

menu-title = <b>Main menu</b>
    Signed in as { $name }.
btn-family = 👨‍👩‍👧 Family Services
btn-applications = 📋 My applications
btn-support = 💬 Talk to a person
btn-language = 🌐 Language
btn-delete-data = 🗑 Delete my data
btn-logout = 🚪 Log out
btn-back = ◀️ Back
btn-cancel = ✖️ Cancel
btn-menu = 🏠 Main menu
btn-confirm = ✅ Confirm
cancelled = Cancelled.
unexpected = Sorry, I did not expect that here.
throttled = You are sending messages too fast. Please wait a moment.
error-generic = Sorry, something went wrong on our side. Please try again, or send /menu.
button-stale = This button is from an older message. Please use the latest one.
help-text = ℹ️ This bot helps you add family members to your electronic social security card and verify them by face. Commands: /start, /menu, /cancel, /language, /logout, /help.
support-unavailable = Support agents are not configured for this service yet.
support-waiting = 💬 Your request has been passed to the support agents. Please wait: we will tell you here as soon as an agent answers. You can already write your messages; photos and videos are welcome too. Tap the button below or send /cancel to go back to the bot.
support-agent-joined = 👤 You are now talking to { $agent }, a support agent.
support-agent-says = 👤 <b>{ $agent }</b> (support agent):
support-agent-role = Support agent
btn-end-talk = 🤖 Back to the bot
support-failed = Sorry, we could not reach the support agents right now. Please try again later.
support-ended = You left the conversation with the support agent.
support-closed = The support agent ended the conversation. You are back with the bot.
decision-approved = ✅ The verification of { $name } was approved by a reviewer. The family member has been added to your electronic social security card.
decision-retry = 🔁 A reviewer asks you to record the video for { $name } again. Open Family Services and tap Verify.
decision-retry-photo = 🔁 A reviewer asks you to send a new photo of { $name }. Open Family Services and tap Verify.
decision-rejected = ❌ The verification of { $name } was not approved by a reviewer.
decision-may-retry = You can try again: open Family Services and tap Verify.
decision-final = This decision is final. If you think it is wrong, tap "Talk to a person" in the menu.
reject-not-same-person = The person in the video is not the family member whose ID number was entered.
reject-poor-quality = The images were not clear enough to decide.
reject-action-incomplete = The requested actions were not completed.
reject-not-live = The video did not show a real, present person.
reject-document-mismatch = The ID card photo does not match the details entered.
language-prompt = Choose your language:
language-set = ✅ Language changed.
language-name-en = English
language-name-es = Español
language-name-zh-CN = 简体中文

## Family Services

family-title = <b>Family members</b> ({ $count }/{ $max })
family-empty = You have not added any family members yet.
family-full = You have reached the maximum of { $max } family members.
member-button = { $name } · { $status }
btn-add-member = ➕ Add member
member-title = <b>{ $name }</b>
member-name = Name: { $name }
member-id = ID number: <code>{ $id }</code>
member-birth = Date of birth: { $date }
member-age = Age: { $age }
member-relationship = Relationship: { $relationship }
member-status = Status: { $status }
btn-ecard = 💳 E-card
ecard-title = <b>💳 Family member e-card</b>
ecard-valid-until = Valid until: { $date }
ecard-note = A verifier can scan the QR code to check this card. It holds no ID number or name.
btn-verify = 🎥 Verify
btn-reverify = 🔁 Verify again
btn-remove-member = 🗑 Remove
remove-confirm = Remove <b>{ $name }</b> from your family? Their applications will be deleted.
btn-remove-confirm = 🗑 Yes, remove
member-removed = Member removed.
member-gone = That family member no longer exists.
member-added = ✅ Family member added.
member-in-review = This member's verification is being reviewed. You will be notified.
member-refused-duplicate = This person is already in your family.
member-refused-limit = You have reached the maximum of { $max } family members.
member-refused-is-self = You cannot add yourself as a family member.
status-not-verified = not verified
status-pending-review = pending review
status-verified = verified
status-rejected = rejected
status-locked = locked until tomorrow

## Adding a member

add-name-prompt = Enter the family member's <b>full name</b> (2 to 40 letters).
add-id-prompt = Enter the family member's <b>18-digit ID number</b>.
add-relation-prompt = What is this person to you?
add-confirm-title = <b>Please check the details</b>
btn-edit-name = ✏️ Name
btn-edit-id = ✏️ ID number
btn-edit-relation = ✏️ Relationship
rel-spouse = Spouse
rel-father = Father
rel-mother = Mother
rel-son = Son
rel-daughter = Daughter
rel-grandparent = Grandparent
rel-grandchild = Grandchild
rel-other = Other
name-error-too-short = The name is too short: please enter at least 2 letters.
name-error-too-long = The name is too long: at most 40 characters.
name-error-invalid-characters = The name may only contain Chinese or Latin letters, spaces and the middle dot (·). No digits, emoji or symbols.
id-error-empty = Please enter the ID number.
id-error-length = An ID number has 18 characters (or 15 digits for the old card). Please check and try again.
id-error-characters = An ID number contains only digits, and possibly an X at the end.
id-error-province = The first two digits are not a valid province code.
id-error-birth-date = The date of birth in this ID number (digits 7 to 14) is not a real date.
id-error-future-birth-date = The date of birth in this ID number is in the future.
id-error-checksum = The last character does not match: there is probably a typo. Please check the number.
id-converted = This is an old 15-digit number. It was converted to the 18-digit form { $id }.
id-message-removed = 🔒 Your message with the ID number was removed from the chat; the number is kept encrypted and shown only masked: { $id }.
id-message-removed-unsaved = 🔒 Your message with the number was removed from the chat; nothing was saved.
member-is-self = That is your own ID number. Please enter your family member's number.
member-duplicate = This person is already in your family.
relation-too-young = That relationship does not match the dates of birth: a parent or grandparent must be clearly older than you.
relation-too-old = That relationship does not match the dates of birth: a child or grandchild must be clearly younger than you.
relation-spouse-minor = That relationship does not match the date of birth: a spouse must be an adult (18 or older).
relation-sex-male = That relationship does not match the ID number, which belongs to a woman.
relation-sex-female = That relationship does not match the ID number, which belongs to a man.

## Face verification

bio-consent = <b>Consent of { $name }</b>
    { $name }, the next step films you: a short video of your face (a blink and head turns) is compared with your ID photo. Please read this yourself, or have it read to you.
    The video is deleted right after the analysis; a few still frames are kept for review for { $days } days, then deleted. You can withdraw at any time with "Delete my data".
    { $name }, do you agree?
btn-bio-agree = ✅ I am { $name } and I agree
bio-consent-child = <b>Consent for { $name }</b>
    { $name } is verified with a photo of their face, which a person checks. As { $name }'s parent or guardian, you decide for them.
    The photo is kept only for the review, for at most { $days } days, then deleted. You can withdraw at any time with "Delete my data".
    Do you agree, as { $name }'s parent or guardian?
btn-bio-agree-child = ✅ I agree, as { $name }'s parent or guardian
btn-bio-decline = Not now
application-refused-in-review = This member already has an application under review.
application-refused-locked = No attempts are left today.
liveness-ready = <b>Get ready</b>
    Hold the phone at eye level in good light, with only the family member's face in view. In a round video message of a few seconds:
challenge-step = { $n }. { $action }
action-blink = blink once
action-turn_left = ⬅️ turn your head towards your left shoulder, then back
action-turn_right = ➡️ turn your head towards your right shoulder, then back
action-shake = ⬅️➡️ turn your head towards one shoulder, then the other
liveness-tips = Do the actions in this order. You can first do a practice run: it is checked and gives tips, but does not count.
btn-start-video = 🎥 I'm ready
btn-practice = 🧪 Practice first
video-prompt = Record a <b>round video message</b> (hold the microphone button and switch to the camera) or send a video of up to { $seconds } seconds. Do, in this order:
video-prompt-practice = <b>Practice run.</b> Record a round video message or send a video of up to { $seconds } seconds. Do, in this order:
video-wrong-kind = Please send a video (a round video message is best), not a photo, sticker, text or file.
video-too-big = This video is too large (more than { $mb } MB). Please record a shorter one.
video-too-long = This video is too long. Please record at most { $seconds } seconds.
video-too-short = This video is too short. Please record at least { $seconds } seconds.
child-photo-intro = Family members under { $age } are verified with a photo of their face, which a person reviews.
id-photo-prompt = No reference photo of this family member is on file. Please send a clear, well-lit photo of the <b>portrait side of their ID card</b>: its face is what the video will be compared with.
id-photo-checking = ⏳ Checking the photo…
id-photo-accepted = ✅ The ID card photo can be used.
id-photo-error-not-an-image = That file is not a usable photo. Please send a JPEG or PNG photo.
id-photo-error-too-large = That photo is too large.
id-photo-error-no-face = No face could be found on that photo. Please photograph the portrait side of the ID card, flat and well lit.
id-photo-error-multiple-faces = More than one face is on that photo. Please photograph only the ID card.
id-photo-error-invalid-id = The member's ID number cannot be used for this.
photo-prompt = Send a clear, well-lit <b>frontal photo</b> of the child's face.
photo-wrong-kind = Please send a photo (JPEG or PNG).
photo-too-big = This photo is too large (more than { $mb } MB).
checking = ⏳ Checking your video…
checking-photo = ⏳ Checking the photo…
checking-practice = ⏳ Checking your practice video…
checking-wait = ⏳ Your video is still being checked. Please wait a moment.
checking-wait-photo = ⏳ The photo is still being checked. Please wait a moment.
practice-ok = 👍 Practice run: everything looked good. Now record the real one.
practice-failed = 🧪 Practice run. { $reason }
practice-next = Practise again, or tap "I'm ready" for the real one.
result-approved = ✅ Verified! The family member has been added to your electronic social security card.
result-in-review = 📨 Your video passed the checks and was sent for review. We will let you know the result here.
result-photo-in-review = 📨 The photo is clear and shows one face. A person will now compare it with the ID details; we will tell you the result here.
result-rejected = ❌ The verification was not approved.
result-failed = ❌ { $reason }
result-retry = ❌ The verification did not pass.
retry-next = Attempts left today: { $n }. Tap "I'm ready" to record again.
photo-retry = ❌ The photo could not be used.
photo-again = Please send a new photo of { $name }.
result-unreadable = We could not read that file. Please record the video again.
result-unreadable-photo = We could not read that photo. Please send it again.
locked-offer = No attempts are left today for this family member: you can try again tomorrow, or ask a person to review your attempts now.
btn-human-review = 🙋 Ask for a human review
human-review-requested = 📨 A person will review the attempts. We will let you know the result here.
reason-no_face = No face was seen.
reason-multiple_faces = More than one face was in view.
reason-face_too_small = The face was too small or too far away.
reason-too_dark = The video was too dark.
reason-too_blurry = The video was too blurry.
reason-too_short = The video was too short.
reason-too_long = The video was too long.
reason-no_blink = No blink was seen.
reason-no_turn_left = The head was not turned towards the left shoulder.
reason-no_turn_right = The head was not turned towards the right shoulder.
reason-wrong_order = The actions were not done in the requested order.
reason-flat_image = The video looked like a photo or a screen, not a real person.
reason-eyes_closed = The eyes stayed closed for the whole video.
reason-match_low = The face does not look similar enough to the ID photo.
reason-match_borderline = The face could not be matched with certainty.
reason-hard_to_match = The face was hard to compare.
reason-child = Children are always reviewed by a person.
reason-no_reference = No reference photo is available yet.
reason-photo-no_face = No face was found in the photo.
reason-photo-multiple_faces = More than one face is in the photo.
reason-photo-face_too_small = The face is too small in the photo.
reason-photo-too_dark = The photo is too dark.
reason-photo-too_blurry = The photo is too blurry.
tip-no_face = Keep the whole face in the circle, facing the camera.
tip-multiple_faces = Make sure only the family member is in view.
tip-face_too_small = Hold the phone closer, at about arm's length.
tip-too_dark = Face a window or a lamp; avoid light behind the head.
tip-too_blurry = Hold the phone steady and clean the lens.
tip-too_short = Record a little longer: a few seconds.
tip-too_long = Keep it short: just the actions, a few seconds.
tip-no_blink = Blink clearly once, slowly.
tip-no_turn_left = ⬅️ Turn the head clearly towards the left shoulder, then back to the centre.
tip-no_turn_right = ➡️ Turn the head clearly towards the right shoulder, then back to the centre.
tip-wrong_order = Follow the order shown in the instructions.
tip-flat_image = The real person must be in front of the camera.
tip-eyes_closed = Keep your eyes open, look at the screen, and blink once.
tip-match_low = Make sure the person in the video is the family member whose ID number you entered.
tip-match_borderline = Use good, even light and look straight at the camera.
tip-hard_to_match = Use good, even light, remove glasses and hats.
tip-child = A person will look at the photo.
tip-no_reference = A person will check the video.
tip-photo-no_face = Photograph the child's whole face, looking at the camera.
tip-photo-multiple_faces = Only the child should be in the photo.
tip-photo-face_too_small = Come closer: the face should fill most of the photo.
tip-photo-too_dark = Take it facing a window or a lamp, with no light behind the head.
tip-photo-too_blurry = Hold the phone steady and tap the face on the screen to focus before taking it.

## Applications

applications-title = <b>My applications</b>
applications-empty = You have no applications yet.
application-button = #{ $id } { $name } · { $state }
application-title = <b>Application #{ $id }</b> · { $name }
timeline-entry = { $at } — { $state }
state-submitted = submitted
state-checking = checking
state-in_review = in review
state-approved = approved
state-rejected = rejected
state-expired = expired

## Deleting data

delete-confirm = <b>Delete all your data?</b>
    Your account, family members, applications and stored images will be erased. This cannot be undone.
btn-delete-confirm = 🗑 Delete everything
delete-done = All your data has been deleted. Send /start to begin again.

## Bot commands (menu)

cmd-start = Start or show the menu
cmd-menu = Main menu
cmd-cancel = Cancel the current step
cmd-language = Change language
cmd-logout = Sign out
cmd-help = Help
