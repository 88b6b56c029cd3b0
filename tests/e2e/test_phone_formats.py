"""The citizen's journey with the videos real phones and the web recorder produce: a portrait
video, one stored with a rotation flag, a WebM from the browser's MediaRecorder and a round
video note, each analysed by the real engine and approved against the ID card's face."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.emulator import Emulator
from bot.jobs.local import LocalJobQueue
from bot.storage.models import Application, ApplicationState
from tests.e2e.harness import Citizen as Person
from tests.e2e.harness import make_settings, running, send_id_card
from tests.ids import rid
from tests.vision.formats import catalogue

pytestmark = pytest.mark.slow


OWN_ID = rid("44030419850612001")
FATHER_ID = rid("44030419560203001")

# (clip of tests/vision/formats.py, how it is sent, mime type)
FORMATS = {
    "portrait": ("portrait_480x640", "video", "video/mp4"),
    "rotation_flag": ("rotation_90", "video", "video/mp4"),
    "web_recorder_webm": ("webm_vp8_640x480", "video", "video/webm"),
    "round_note": ("round_note_384", "video_note", "video/mp4"),
}


@pytest.mark.parametrize("kind", list(FORMATS))
async def test_a_phone_video_is_analysed_and_approved(
    emulator: Emulator, tmp_path: Path, kind: str
) -> None:
    clip, sent_as, mime = FORMATS[kind]
    data = catalogue()[clip].build().read_bytes()
    queue = LocalJobQueue(1, timeout_s=120)
    try:
        async with running(emulator, make_settings(tmp_path / "data"), queue=queue):
            user = emulator.user(561, "Zhou", language_code="en", phone_number="+8613800138061")
            p = Person(user, "en")
            await p.say("/start")
            await p.tap("btn-accept")
            await p.share_phone()
            await p.say("Zhou Xun")
            await p.say(OWN_ID)
            assert p.saw("reg-done"), p.texts
            await p.tap("btn-family")
            await p.tap("btn-add-member")
            await p.say("Zhou Laoda")
            await p.say(FATHER_ID)
            await p.tap("rel-father")
            await p.tap("btn-confirm")
            await p.tap("btn-verify")
            await p.tap("btn-bio-agree", name="Zhou Laoda")
            await send_id_card(p)
            await p.tap("btn-start-video")
            if sent_as == "video_note":
                await p.act(p.user.send_video_note(data, duration=5, length=384))
            else:
                await p.act(p.user.send_video(data, duration=5, mime_type=mime))
            assert p.saw("checking"), p.texts
            approved = p.text_of("result-approved")
            message = await p.user.wait_for(
                lambda m: approved in (m.text or "") or "❌" in (m.text or ""), timeout=120
            )
            assert approved in (message.text or ""), message.text
            app = await Application.get(citizen__telegram_user_id=561)
            assert app.state is ApplicationState.APPROVED, (app.reasons, app.scores)
    finally:
        await queue.close()
