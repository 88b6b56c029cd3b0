"""A review card as agents see it, in their language: its text and the buttons of each of
its states. No raw codes: relationships, evidence, engine reasons, key frames and the
history's states are all labelled."""

from __future__ import annotations

from bot.flows.agents.base import DeskBase
from bot.flows.agents.table import CONFIRM_PREFIX, CardState, CardTap
from bot.flows.callbacks import ReviewTap
from bot.flows.core import t
from bot.flows.ports import InlineButton, InlineMarkup
from bot.services.reviews import RejectReason, ReviewCard

_DECISION_NOTES = {"approve": "agent-history-approved", "retry": "agent-history-retry"}


class CardView(DeskBase):
    def reason_label(self, code: str, kind: str) -> str | None:
        """An engine reason (or an agent's, `agent:<code>`) in words; None if unknown."""
        if code.startswith("agent:"):
            key = "agent-reason-" + code.removeprefix("agent:").replace("_", "-")
            return self.label(key) if self.has(key) else None
        for key in (f"reason-photo-{code}", f"reason-{code}"):
            if (kind == "photo" or "photo-" not in key) and self.has(key):
                return self.label(key)
        return None

    def note_label(self, note: str, kind: str) -> str:
        """An application event's note in words ("" when there is nothing to say)."""
        if not note:
            return ""
        head, _, tail = note.partition(":")
        if head == "reject":
            reason = self.reason_label(f"agent:{tail}", kind)
            return self.label("agent-history-rejected", reason=reason or "")
        if head in _DECISION_NOTES and not tail:
            return self.label(_DECISION_NOTES[head])
        key = "agent-note-" + note.replace("_", "-")
        if self.has(key):
            return self.label(key)
        words = [self.reason_label(code, kind) for code in note.split(",")]
        return "; ".join(w for w in words if w)

    def frame_label(self, name: str) -> str:
        """`2_turn_left.jpg` -> "Attempt 2 · head turned left" (in the agents' language)."""
        stem = name.rsplit(".", 1)[0]
        attempt, _, what = stem.partition("_")
        key = "agent-frame-" + what.replace("_", "-")
        shown = self.label(key) if self.has(key) else self.label("agent-frame-other")
        return self.label("agent-frame", attempt=attempt if attempt.isdigit() else "?", what=shown)

    def text(
        self, card: ReviewCard, *, reminder: bool = False, footer: str = "", reference: str = ""
    ) -> str:
        lines = [self.say("agent-reminder")] if reminder else []
        lines += [
            self.say(
                "agent-card-title", review=str(card.review_id), application=str(card.application_id)
            ),
            self.say(
                "agent-card-member",
                name=card.member_name,
                relationship=t(f"rel-{card.relationship}"),
                age=card.age,
            ),
            self.say("agent-card-id", id=card.id_masked),
            self.say("agent-card-kind", kind=t(f"agent-kind-{card.kind}"), attempts=card.attempts),
        ]
        reasons = [self.reason_label(code, card.kind) for code in card.reasons]
        if any(reasons):
            lines.append(self.say("agent-card-reasons", reasons="; ".join(r for r in reasons if r)))
        if "distance" in card.scores:
            lines.append(self.say("agent-card-distance", distance=str(card.scores["distance"])))
        photos = [self.label(f"agent-reference-{reference}")] if reference else []
        photos += [self.frame_label(p.name) for p in card.key_frames[-9:]]
        if photos:
            lines.append(self.say("agent-card-photos", photos="; ".join(photos)))
        steps = []
        for state, note in card.history:
            said = self.note_label(note, card.kind)
            steps.append(self.label(f"state-{state}") + (f" ({said})" if said else ""))
        lines.append(self.say("agent-card-history", history=" → ".join(steps)))
        if footer:
            lines.append(footer)
        return "\n".join(lines)

    def footer(self, card: ReviewCard, state: CardState, agent_name: str) -> str:
        """What the card says under its facts in this state."""
        taken = self.say("agent-taken-by", agent=agent_name)
        match state:
            case CardState.OPEN | CardState.DECIDED:
                return ""
            case CardState.TAKEN:
                return taken
            case CardState.REASONS:
                return taken + "\n" + self.say("agent-choose-reason")
            case CardState.CONFIRMING:
                return taken + "\n" + self.confirm_question(card.card_step or "")

    def confirm_question(self, step: str) -> str:
        code = step.removeprefix(CONFIRM_PREFIX)
        if code == CardTap.APPROVE.value:
            return self.say("agent-confirm-approve")
        if code == CardTap.RETRY.value:
            return self.say("agent-confirm-retry")
        reason = self.reason_label(f"agent:{code}", "") or ""
        return self.say("agent-confirm-reject", reason=reason)

    def _button(self, key: str, tap: CardTap, review_id: int, code: str = "") -> InlineButton:
        return InlineButton(self.label(key), ReviewTap(tap.value, review_id, code).pack())

    def keyboard(self, card: ReviewCard, state: CardState) -> InlineMarkup | None:
        """The buttons of a card in this state ("Take" only while nobody has it)."""
        rid = card.review_id
        decide = (
            (
                self._button("agent-btn-approve", CardTap.APPROVE, rid),
                self._button("agent-btn-reject", CardTap.WHY, rid),
            ),
            (self._button("agent-btn-retry", CardTap.RETRY, rid),),
        )
        match state:
            case CardState.OPEN:
                return InlineMarkup(((self._button("agent-btn-take", CardTap.TAKE, rid),), *decide))
            case CardState.TAKEN:
                release = self._button("agent-btn-release", CardTap.RELEASE, rid)
                return InlineMarkup((*decide, (release,)))
            case CardState.REASONS:
                return self.reasons_keyboard(rid)
            case CardState.CONFIRMING:
                code = (card.card_step or "").removeprefix(CONFIRM_PREFIX)
                key = {"ok": "agent-btn-confirm-approve", "rr": "agent-btn-confirm-retry"}
                return InlineMarkup(
                    (
                        (
                            self._button(
                                key.get(code, "agent-btn-confirm-reject"),
                                CardTap.CONFIRM,
                                rid,
                                code,
                            ),
                        ),
                        (self._button("agent-btn-back", CardTap.BACK, rid),),
                    )
                )
            case CardState.DECIDED:
                return None

    def reasons_keyboard(self, review_id: int) -> InlineMarkup:
        rows = [
            (
                InlineButton(
                    self.label(f"agent-reason-{reason.value.replace('_', '-')}")
                    + (" ↺" if reason.may_retry else ""),
                    ReviewTap(CardTap.REJECT.value, review_id, reason.value).pack(),
                ),
            )
            for reason in RejectReason
        ]
        rows.append((self._button("agent-btn-back", CardTap.BACK, review_id),))
        return InlineMarkup(tuple(rows))
