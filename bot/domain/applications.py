"""What counts as an application the citizen sent.

An application opens when the citizen agrees to the biometric consent (it holds the
attempt's challenge and, when asked for, the ID card photo), but until a video or a photo
goes to be checked nothing was submitted: such an application, still waiting or expired
since, is not shown in My applications, nor counted by /stats, nor listed on a ticket's
card. Verifying the member again reuses it while it is open.

One rule for the flow's snapshot (`bot.flows.citizen.screens`) and the services' rows
(`bot.services.admin.stats`, `bot.services.erasure`, `bot.services.tickets`); states by
their stored value.
"""

from __future__ import annotations

WAITING_STATES = frozenset({"submitted", "expired"})
"""States an application may be in without anything ever sent."""


def was_sent(state: str, ever_checked: bool) -> bool:
    """Whether evidence was ever sent: a check started (`ever_checked`: it has a `checking`
    event), or it moved past waiting (in review, decided)."""
    return ever_checked or state not in WAITING_STATES
