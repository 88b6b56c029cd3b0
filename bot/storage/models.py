"""Tortoise ORM models.

Sensitive values are never stored in clear: ID numbers and phone numbers are kept encrypted
(`*_enc`, Fernet tokens) with a keyed hash (`*_hash`, HMAC-SHA256 hex) for look-ups, and a
masked form (`*_masked`) for display.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Relationship(StrEnum):
    SPOUSE = "spouse"
    FATHER = "father"
    MOTHER = "mother"
    SON = "son"
    DAUGHTER = "daughter"
    GRANDPARENT = "grandparent"
    GRANDCHILD = "grandchild"
    OTHER = "other"


class MemberStatus(StrEnum):
    NOT_VERIFIED = "not_verified"
    PENDING_REVIEW = "pending_review"
    VERIFIED = "verified"
    REJECTED = "rejected"
    LOCKED = "locked"


class ApplicationKind(StrEnum):
    VIDEO = "video"
    PHOTO = "photo"


class ApplicationState(StrEnum):
    SUBMITTED = "submitted"
    CHECKING = "checking"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self in {
            ApplicationState.APPROVED,
            ApplicationState.REJECTED,
            ApplicationState.EXPIRED,
        }


class Citizen(Model):
    """A platform account: the card holder who signs in with their phone number."""

    id = fields.IntField(primary_key=True)
    telegram_user_id = fields.BigIntField(unique=True, null=True)
    phone_hash = fields.CharField(max_length=64, unique=True)
    phone_enc = fields.TextField()
    phone_masked = fields.CharField(max_length=32)
    full_name = fields.CharField(max_length=64)
    id_hash = fields.CharField(max_length=64, unique=True)
    id_enc = fields.TextField()
    id_masked = fields.CharField(max_length=24)
    birth_date = fields.DateField()
    language = fields.CharField(max_length=8, default="en")
    privacy_accepted_at = fields.DatetimeField(null=True)
    biometric_consent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_sign_in_at = fields.DatetimeField(null=True)

    members: fields.ReverseRelation[FamilyMember]
    applications: fields.ReverseRelation[Application]

    class Meta:
        table = "citizen"


class FamilyMember(Model):
    """A family member added by a citizen, to be authenticated."""

    id = fields.IntField(primary_key=True)
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "models.Citizen", related_name="members", on_delete=fields.CASCADE
    )
    full_name = fields.CharField(max_length=64)
    id_hash = fields.CharField(max_length=64, db_index=True)
    id_enc = fields.TextField()
    id_masked = fields.CharField(max_length=24)
    birth_date = fields.DateField()
    relationship = fields.CharEnumField(Relationship, max_length=16)
    status = fields.CharEnumField(MemberStatus, max_length=16, default=MemberStatus.NOT_VERIFIED)
    failed_attempts = fields.IntField(default=0)
    attempts_day = fields.DateField(null=True)
    locked_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    verified_at = fields.DatetimeField(null=True)
    consent_at = fields.DatetimeField(null=True)
    """When the member (a child's parent or guardian) agreed to the biometric check; what was
    agreed and by whom is in the audit log."""

    applications: fields.ReverseRelation[Application]

    class Meta:
        table = "family_member"
        unique_together = (("citizen", "id_hash"),)


class Application(Model):
    """One authentication request for one family member, with its state history."""

    id = fields.IntField(primary_key=True)
    citizen: fields.ForeignKeyRelation[Citizen] = fields.ForeignKeyField(
        "models.Citizen", related_name="applications", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation[FamilyMember] = fields.ForeignKeyField(
        "models.FamilyMember", related_name="applications", on_delete=fields.CASCADE
    )
    citizen_id: int
    member_id: int
    kind = fields.CharEnumField(ApplicationKind, max_length=8)
    state = fields.CharEnumField(
        ApplicationState, max_length=16, default=ApplicationState.SUBMITTED
    )
    attempts = fields.IntField(default=0)
    challenge = fields.CharField(max_length=64, default="")
    reasons: list[str] = fields.JSONField(default=list)
    scores: dict[str, object] = fields.JSONField(default=dict)
    media_dir = fields.CharField(max_length=255, default="")
    reference_path = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    expires_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    events: fields.ReverseRelation[ApplicationEvent]

    class Meta:
        table = "application"


class ApplicationEvent(Model):
    """A state change or notable step of an application: what, who or what made it, when."""

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="events", on_delete=fields.CASCADE
    )
    state = fields.CharEnumField(ApplicationState, max_length=16)
    actor = fields.CharField(max_length=64)
    note = fields.CharField(max_length=255, default="")
    details: dict[str, object] = fields.JSONField(default=dict)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "application_event"
        ordering = ("at", "id")


class AuditLog(Model):
    """A non-identifying record of what happened: actors and targets are pseudonymous."""

    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor = fields.CharField(max_length=64)
    action = fields.CharField(max_length=64, db_index=True)
    target = fields.CharField(max_length=64, default="")
    details: dict[str, object] = fields.JSONField(default=dict)

    class Meta:
        table = "audit_log"
        ordering = ("id",)


class StaffRole(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


class Staff(Model):
    """A support agent or an admin (admins from ADMIN_IDS need no row)."""

    id = fields.IntField(primary_key=True)
    telegram_user_id = fields.BigIntField(unique=True)
    role = fields.CharEnumField(StaffRole, max_length=8)
    name = fields.CharField(max_length=64, default="")
    added_by = fields.BigIntField(null=True)
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff"


class Ban(Model):
    """A Telegram user the bot no longer serves."""

    id = fields.IntField(primary_key=True)
    telegram_user_id = fields.BigIntField(unique=True)
    reason = fields.CharField(max_length=255, default="")
    banned_by = fields.BigIntField(null=True)
    banned_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ban"


class ReviewStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DECIDED = "decided"


class Review(Model):
    """An application waiting for (or decided by) a support agent."""

    id = fields.IntField(primary_key=True)
    application: fields.OneToOneRelation[Application] = fields.OneToOneField(
        "models.Application", related_name="review", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(ReviewStatus, max_length=8, default=ReviewStatus.OPEN)
    card_message_id = fields.IntField(null=True)
    claimed_by = fields.BigIntField(null=True)
    claimed_at = fields.DatetimeField(null=True)
    decided_by = fields.BigIntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decision = fields.CharField(max_length=16, default="")
    reason_code = fields.CharField(max_length=32, default="")
    note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    announced_at = fields.DatetimeField(null=True)
    card_step = fields.CharField(max_length=48, null=True)
    """Where the card's buttons are: None (the decision buttons), "reasons", or a pending
    confirmation ("confirm:approve", "confirm:reject:<reason>", "confirm:retry")."""
    media_message_ids: list[int] | None = fields.JSONField(null=True)
    """The agents' group messages that show the member's face (key frames, the reference),
    deleted when the citizen deletes their data."""

    class Meta:
        table = "review"


class ReferencePhoto(Model):
    """A reference face for an ID number (the local stand-in for the photo registry).
    The image file is encrypted at rest; `id_hash` is the keyed hash of the ID number."""

    id = fields.IntField(primary_key=True)
    id_hash = fields.CharField(max_length=64, unique=True)
    path = fields.CharField(max_length=255)
    source = fields.CharField(max_length=16, default="registry")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reference_photo"


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    BLOCKED = "blocked"


class Ticket(Model):
    """A conversation handed from the bot to the agents, in its own forum topic."""

    id = fields.IntField(primary_key=True)
    telegram_user_id = fields.BigIntField(db_index=True)
    citizen: fields.ForeignKeyNullableRelation[Citizen] = fields.ForeignKeyField(
        "models.Citizen", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    citizen_id: int | None
    topic_id = fields.IntField(null=True)
    status = fields.CharEnumField(TicketStatus, max_length=8, default=TicketStatus.OPEN)
    opened_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)
    closed_by = fields.BigIntField(null=True)
    context_message_id = fields.BigIntField(null=True)
    """The context card posted at the top of the topic."""
    agent_joined_at = fields.DatetimeField(null=True)
    """When an agent first replied (until then the citizen is told they are waiting)."""

    messages: fields.ReverseRelation[TicketMessage]

    class Meta:
        table = "ticket"


class TicketMessage(Model):
    """One line of a ticket's transcript: `direction` in (citizen), out (agent) or note."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="messages", on_delete=fields.CASCADE
    )
    direction = fields.CharField(max_length=8)
    sender = fields.BigIntField()
    kind = fields.CharField(max_length=16, default="text")
    text = fields.TextField(default="")
    at = fields.DatetimeField(auto_now_add=True)
    message_id = fields.BigIntField(null=True)
    """The message in the agents' group: the copy of the citizen's, or the agent's own."""

    class Meta:
        table = "ticket_message"
        ordering = ("id",)


class RevokedEcard(Model):
    """E-cards revoked when their member was deleted: every token of the member issued up
    to `revoked_at` is refused. `member_key` is a keyed hash of the member's ID hash, so the
    list cannot be joined with anything else without the keys."""

    id = fields.IntField(primary_key=True)
    member_key = fields.CharField(max_length=64, unique=True)
    revoked_at = fields.DatetimeField()

    class Meta:
        table = "revoked_ecard"


class ErasedApplication(Model):
    """What statistics need of an application whose citizen deleted their data: no link to
    any person, only its kind, state, engine reasons and times."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(ApplicationKind, max_length=8)
    state = fields.CharEnumField(ApplicationState, max_length=16)
    reasons: list[str] = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    decision_seconds = fields.FloatField(null=True)
    """From the first check to the final state, as `collect_stats` measures it."""
    erased_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "erased_application"


class KeyValue(Model):
    """Small pieces of bot state shared by all processes (e.g. the Reviews topic id)."""

    key = fields.CharField(max_length=64, primary_key=True)
    value: dict[str, object] = fields.JSONField(default=dict)

    class Meta:
        table = "key_value"


MODELS_MODULE = __name__
