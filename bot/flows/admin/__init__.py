"""The admins' dialogue in the private chat: the one-shot commands (/admin /stats /agents
/agent_add /agent_remove /ban /unban /export /threshold /purge /audit) and the broadcast
(text -> language -> preview -> confirm -> paced delivery -> report).

The state machine is the table `TRANSITIONS` (`table.py`), built from the rows of each
section: `commands`, `broadcast`; each section's diagram (`<section>.mmd` beside its module)
draws its rows, and a test keeps the two equal. Step functions are pure: they read the
dialogue and an `AdminContext` and return an `Outcome` (new dialogue, replies, commands of the
closed set in `effects.py`). `bot/flows/admin_runner.py` carries them out.
"""

from bot.flows.admin.state import (
    AdminCommand,
    AdminContext,
    AdminEvent,
    AdminPressed,
    AdminText,
    Dialogue,
    Forwarded,
    Outcome,
    Step,
    Tap,
    Transition,
)
from bot.flows.admin.table import SECTIONS, TRANSITIONS, TransitionError, find_transition, step

__all__ = [
    "SECTIONS",
    "TRANSITIONS",
    "AdminCommand",
    "AdminContext",
    "AdminEvent",
    "AdminPressed",
    "AdminText",
    "Dialogue",
    "Forwarded",
    "Outcome",
    "Step",
    "Tap",
    "Transition",
    "TransitionError",
    "find_transition",
    "step",
]
