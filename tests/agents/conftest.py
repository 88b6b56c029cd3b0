"""The agents' desk without Telegram: real services on a temporary SQLite database, the
`Messenger` a recording fake."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.flows import effects as fx
from bot.flows.agents import Agent, AgentDesk
from bot.flows.core import FlowConfig
from bot.i18n import Translator
from bot.security import Vault, generate_key
from bot.services.audit import Audit
from bot.services.citizens import Actor, CitizenService
from bot.services.references import seal_image, write_private
from bot.services.reviews import ReviewService
from bot.services.staff import StaffService
from bot.services.tickets import TicketService
from bot.storage.models import Application, ApplicationEvent, ApplicationState
from tests.fakes import RecordingNotifier
from tests.ids import rid
from tests.messenger import RecordingMessenger
from tests.storage.conftest import sqlite_db, sqlite_db_url

__all__ = ["sqlite_db", "sqlite_db_url"]

GROUP = -100777
AGENT_A = Agent(501, "Agent A")
AGENT_B = Agent(502, "Agent B")
OUTSIDER = Agent(503, "Visitor")
TRANSLATOR = Translator()


def jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (shade, 120, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class World:
    vault: Vault
    messenger: RecordingMessenger
    notifier: RecordingNotifier
    citizens: CitizenService
    reviews: ReviewService
    desk: AgentDesk
    media: Path

    def label(self, key: str, **params: str) -> str:
        from bot.flows.core import T

        return TRANSLATOR.render("en", T(key, params), for_html=False)

    async def opened_application(self, citizen_id: int, member: fx.AddMember) -> int:
        """Adds the member and opens a video application for them (as the consent does,
        nothing sent yet); the application's id."""
        added = await self.citizens.add_member(citizen_id, member)
        assert isinstance(added, fx.MemberAdded)
        started = await self.citizens.start_application(
            citizen_id, fx.StartApplication(added.member_id, "video")
        )
        assert isinstance(started, fx.ApplicationStarted)
        return started.application_id

    async def citizen_in_review(self, user_id: int = 9001) -> tuple[int, int]:
        """A registered citizen whose father's video (with an ID card photo) is in review;
        (citizen id, application id)."""
        actor = Actor(telegram_user_id=user_id, language="en")
        registered = await self.citizens.register(
            actor, fx.RegisterCitizen("+8613800138000", "Wang Xiaoming", rid("11010519850612001"))
        )
        assert isinstance(registered, fx.Registered)
        cid = registered.citizen_id
        started = await self.opened_application(
            cid, fx.AddMember("Wang Dagang", rid("11010519560203001"), "father")
        )
        app = await Application.get(id=started)
        folder = self.media / f"app_{app.id}"
        folder.mkdir(parents=True)
        (folder / "1_frontal.jpg").write_bytes(jpeg(40))
        (folder / "1_turn_left.jpg").write_bytes(jpeg(200))
        write_private(folder / "reference.bin", seal_image(self.vault, jpeg(90)))
        app.media_dir, app.reference_path = folder.name, f"{folder.name}/reference.bin"
        app.state, app.attempts = ApplicationState.IN_REVIEW, 1
        app.reasons = ["match_borderline"]
        await app.save()
        await ApplicationEvent.create(
            application=app,
            state=ApplicationState.IN_REVIEW,
            actor="engine",
            note="match_borderline",
        )
        return cid, app.id


@pytest.fixture
async def world(sqlite_db: str, tmp_path: Path) -> World:
    vault = Vault([generate_key()], generate_key())
    audit = Audit(vault)
    media = tmp_path / "media"
    citizens = CitizenService(
        vault, audit, FlowConfig(), media_dir=media, application_expiry=timedelta(hours=1)
    )
    reviews = ReviewService(audit, media_dir=media, vault=vault)
    staff = StaffService([AGENT_A.user_id, AGENT_B.user_id])
    messenger, notifier = RecordingMessenger(), RecordingNotifier()
    desk = AgentDesk(messenger, GROUP, staff, reviews, TicketService(audit), TRANSLATOR, notifier)
    return World(vault, messenger, notifier, citizens, reviews, desk, media)
