"""Accounts, family members and applications as the citizen conversation sees them.

The service owns every write; flows only ask (commands) and read snapshots (`load_context`).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.domain.idnumber import mask_id, parse_resident_id
from bot.domain.phones import mask_phone
from bot.flows import effects as fx
from bot.flows.citizen_ports import Actor
from bot.flows.core import (
    Context,
    FlowConfig,
)
from bot.security import Vault
from bot.services import citizen_context, erasure
from bot.services.audit import Audit
from bot.services.ecard import issue_token, render_qr_png
from bot.services.erasure import GroupTraces
from bot.services.references import ReferenceRegistry
from bot.storage.models import (
    Application,
    ApplicationEvent,
    ApplicationKind,
    ApplicationState,
    Citizen,
    FamilyMember,
    MemberStatus,
    Relationship,
)

log = logging.getLogger(__name__)

_OPEN_STATES = (ApplicationState.SUBMITTED, ApplicationState.CHECKING)


def utcnow() -> datetime:
    return datetime.now(UTC)


class CitizenService:
    def __init__(
        self,
        vault: Vault,
        audit: Audit,
        config: FlowConfig,
        *,
        media_dir: Path,
        application_expiry: timedelta,
        references: ReferenceRegistry | None = None,
        context_versions: citizen_context.RedisContextVersions | None = None,
    ) -> None:
        self.vault = vault
        self.audit = audit
        self.config = config
        self.media_dir = media_dir
        self.application_expiry = application_expiry
        self.references: ReferenceRegistry | None = references
        # told of every write below; context_versions: the processes share PostgreSQL
        self.contexts = citizen_context.ContextCache(versions=context_versions)

    # ---------------------------------------------------------------------------------------
    # Snapshot for the flow
    # ---------------------------------------------------------------------------------------

    async def load_context(self, citizen_id: int | None, *, now: datetime, entropy: int) -> Context:
        """The citizen, members and recent applications as the flow sees them, on every
        update (`bot.services.citizen_context`)."""
        return await citizen_context.load_context(
            self.config, self.vault, citizen_id, now=now, entropy=entropy, cache=self.contexts
        )

    async def expire_stale(self, *, now: datetime, citizen_id: int | None = None) -> int:
        """Unfinished applications past their expiry become expired."""
        return await citizen_context.expire_stale(
            now=now, citizen_id=citizen_id, changes=self.contexts
        )

    # ---------------------------------------------------------------------------------------
    # Commands
    # ---------------------------------------------------------------------------------------

    async def record_privacy(self, actor: Actor, accepted: bool) -> None:
        action = "privacy_accepted" if accepted else "privacy_declined"
        await self.audit.record(self.audit.pseudonym("tg", actor.telegram_user_id), action)

    async def lookup_phone(self, phone: str) -> fx.PhoneLookedUp:
        citizen = await Citizen.get_or_none(phone_hash=self.vault.keyed_hash(phone))
        return fx.PhoneLookedUp(citizen.id if citizen else None)

    async def sign_in(self, actor: Actor, citizen_id: int) -> fx.SignedIn:
        citizen = await Citizen.get(id=citizen_id)
        async with in_transaction():
            # the phone proves the account: move the Telegram link to this user
            await (
                Citizen.filter(telegram_user_id=actor.telegram_user_id)
                .exclude(id=citizen_id)
                .update(telegram_user_id=None)
            )
            citizen.telegram_user_id = actor.telegram_user_id
            citizen.last_sign_in_at = utcnow()
            await citizen.save(update_fields=["telegram_user_id", "last_sign_in_at"])
        await self.contexts.changed(citizen_id)
        await self.audit.record(
            self.audit.pseudonym("tg", actor.telegram_user_id), "sign_in", f"citizen:{citizen_id}"
        )
        return fx.SignedIn(citizen_id)

    async def sign_out(self, actor: Actor, reason: str) -> None:
        await self.audit.record(
            self.audit.pseudonym("tg", actor.telegram_user_id), "sign_out", details_reason=reason
        )

    async def register(
        self, actor: Actor, cmd: fx.RegisterCitizen
    ) -> fx.Registered | fx.RegistrationRefused:
        rid = parse_resident_id(cmd.id_number, today=utcnow().date())
        id_hash = self.vault.keyed_hash(rid.number)
        phone_hash = self.vault.keyed_hash(cmd.phone)
        if await Citizen.exists(id_hash=id_hash):
            return fx.RegistrationRefused("id_taken")
        if await Citizen.exists(phone_hash=phone_hash):
            return fx.RegistrationRefused("phone_taken")
        try:
            async with in_transaction():
                await Citizen.filter(telegram_user_id=actor.telegram_user_id).update(
                    telegram_user_id=None
                )
                citizen = await Citizen.create(
                    telegram_user_id=actor.telegram_user_id,
                    phone_hash=phone_hash,
                    phone_enc=self.vault.encrypt(cmd.phone),
                    phone_masked=mask_phone(cmd.phone),
                    full_name=cmd.name,
                    id_hash=id_hash,
                    id_enc=self.vault.encrypt(rid.number),
                    id_masked=mask_id(rid.number),
                    birth_date=rid.birth_date,
                    language=actor.language,
                    privacy_accepted_at=utcnow(),
                )
        except IntegrityError:
            return fx.RegistrationRefused("id_taken")
        await self.contexts.changed(citizen.id)
        await self.audit.record(
            self.audit.pseudonym("tg", actor.telegram_user_id), "register", f"citizen:{citizen.id}"
        )
        return fx.Registered(citizen.id)

    async def set_language(self, citizen_id: int, language: str) -> None:
        await Citizen.filter(id=citizen_id).update(language=language)
        await self.contexts.changed(citizen_id)

    async def add_member(
        self, citizen_id: int, cmd: fx.AddMember
    ) -> fx.MemberAdded | fx.MemberRefused:
        rid = parse_resident_id(cmd.id_number, today=utcnow().date())
        id_hash = self.vault.keyed_hash(rid.number)
        citizen = await Citizen.get(id=citizen_id)
        if id_hash == citizen.id_hash:
            return fx.MemberRefused("is_self")
        try:
            async with in_transaction():
                count = await FamilyMember.filter(citizen_id=citizen_id).count()
                if count >= self.config.max_members:
                    return fx.MemberRefused("limit")
                if await FamilyMember.exists(citizen_id=citizen_id, id_hash=id_hash):
                    return fx.MemberRefused("duplicate")
                member = await FamilyMember.create(
                    citizen_id=citizen_id,
                    full_name=cmd.name,
                    id_hash=id_hash,
                    id_enc=self.vault.encrypt(rid.number),
                    id_masked=mask_id(rid.number),
                    birth_date=rid.birth_date,
                    relationship=Relationship(cmd.relationship),
                )
        except IntegrityError:
            return fx.MemberRefused("duplicate")
        await self.contexts.changed(citizen_id)
        await self.audit.record(f"citizen:{citizen_id}", "member_added", f"member:{member.id}")
        return fx.MemberAdded(member.id)

    async def remove_member(self, citizen_id: int, member_id: int) -> None:
        member = await FamilyMember.get_or_none(id=member_id, citizen_id=citizen_id)
        if member is None:
            return
        apps = await Application.filter(member_id=member_id)
        async with in_transaction():
            await erasure.keep_statistics(citizen_id, member_id)
            await erasure.revoke_ecards(self.vault, citizen_id, member_id)
            await member.delete()
        await self.contexts.changed(citizen_id)
        for app in apps:
            self._remove_media(app.media_dir)
        await self.audit.record(f"citizen:{citizen_id}", "member_removed", f"member:{member_id}")

    async def give_biometric_consent(self, citizen_id: int, cmd: fx.GiveBiometricConsent) -> None:
        """Consent from the member who will be filmed (a child's parent or guardian), asked in
        the account holder's chat: kept on the member; what was agreed, by whom, in which
        language and when goes to the audit log."""
        now = utcnow()
        given = await FamilyMember.filter(id=cmd.member_id, citizen_id=citizen_id).update(
            consent_at=now
        )
        if not given:
            return
        await Citizen.filter(id=citizen_id).update(biometric_consent_at=now)
        await self.contexts.changed(citizen_id)
        await self.audit.record(
            f"citizen:{citizen_id}",
            "biometric_consent",
            f"member:{cmd.member_id}",
            text=cmd.text,
            language=cmd.language,
            retention_days=cmd.retention_days,
            agreed_by="guardian" if cmd.text == "bio-consent-child" else "member",
            agreed_at=now.isoformat(),
        )

    async def start_application(
        self, citizen_id: int, cmd: fx.StartApplication
    ) -> fx.ApplicationStarted | fx.ApplicationRefused:
        member = await FamilyMember.get_or_none(id=cmd.member_id, citizen_id=citizen_id)
        if member is None:
            return fx.ApplicationRefused("gone")
        now = utcnow()
        if member.locked_until is not None and member.locked_until > now:
            return fx.ApplicationRefused("locked")
        if await Application.exists(member_id=member.id, state=ApplicationState.IN_REVIEW):
            return fx.ApplicationRefused("in_review")
        kind = ApplicationKind(cmd.kind)
        existing = (
            await Application.filter(
                member_id=member.id, kind=kind, state__in=_OPEN_STATES, expires_at__gt=now
            )
            .order_by("-id")
            .first()
        )
        if existing is not None:
            return fx.ApplicationStarted(existing.id, await self._needs_reference(existing, member))
        app = await Application.create(
            citizen_id=citizen_id,
            member=member,
            kind=kind,
            expires_at=now + self.application_expiry,
        )
        await ApplicationEvent.create(
            application=app, state=app.state, actor=f"citizen:{citizen_id}"
        )
        await self.contexts.changed(citizen_id)
        await self.audit.record(
            f"citizen:{citizen_id}", "application_started", f"application:{app.id}"
        )
        return fx.ApplicationStarted(app.id, await self._needs_reference(app, member))

    async def _needs_reference(self, app: Application, member: FamilyMember) -> bool:
        """A video is matched against a reference face: the registry's, or an ID card photo
        the citizen sends for this application. Children's photos go to a person anyway."""
        if app.kind is not ApplicationKind.VIDEO or app.reference_path or self.references is None:
            return False
        return await self.references.get(self.vault.decrypt(member.id_enc)) is None

    async def ecard(self, citizen_id: int, member_id: int) -> fx.EcardReady | None:
        """A signed token for a verified member, as a QR code image (rendered off the loop)."""
        member = await FamilyMember.get_or_none(id=member_id, citizen_id=citizen_id)
        if member is None or member.status is not MemberStatus.VERIFIED:
            return None
        now = utcnow()
        token = issue_token(
            self.vault,
            member_id_hash=member.id_hash,
            relationship=member.relationship.value,
            approved_on=(member.verified_at or now).date(),
            issued_at=now,
        )
        png = await asyncio.to_thread(render_qr_png, token)
        await self.audit.record(f"citizen:{citizen_id}", "ecard_shown", f"member:{member_id}")
        valid_until = (now + timedelta(days=self.config.ecard_valid_days)).date()
        return fx.EcardReady(member_id, png, valid_until=valid_until)

    async def telegram_user_of(self, citizen_id: int) -> int | None:
        """The Telegram user a citizen signed in from, for messages that reach them later."""
        citizen = await Citizen.get_or_none(id=citizen_id).only("id", "telegram_user_id")
        return citizen.telegram_user_id if citizen is not None else None

    async def member_traces(self, citizen_id: int, member_id: int) -> GroupTraces:
        """The review cards of a member about to be removed."""
        return GroupTraces(cards=await erasure.card_traces(citizen_id, member_id))

    async def group_traces(self, actor: Actor, citizen_id: int) -> GroupTraces:
        """What the agents' group holds of this citizen, to neutralise before deleting."""
        return await erasure.group_traces(citizen_id, actor.telegram_user_id)

    async def delete_account(self, actor: Actor, citizen_id: int) -> None:
        """Deletes the citizen, their members, applications (with key frames and ID-card
        photos), reviews and tickets with their transcripts; revokes their members'
        e-cards; statistics keep anonymous copies of the applications' figures."""
        apps = await Application.filter(citizen_id=citizen_id)
        async with in_transaction():
            await erasure.keep_statistics(citizen_id)
            await erasure.revoke_ecards(self.vault, citizen_id)
            await erasure.forget_tickets(citizen_id, actor.telegram_user_id)
            await Citizen.filter(id=citizen_id).delete()
        await self.contexts.changed(citizen_id)
        for app in apps:
            self._remove_media(app.media_dir)
        await self.audit.record(
            self.audit.pseudonym("tg", actor.telegram_user_id), "account_deleted"
        )

    def _remove_media(self, media_dir: str) -> None:
        if not media_dir:
            return
        path = (self.media_dir / media_dir).resolve()
        if self.media_dir.resolve() in path.parents:
            shutil.rmtree(path, ignore_errors=True)


__all__ = ["Actor", "CitizenService", "MemberStatus", "utcnow"]
