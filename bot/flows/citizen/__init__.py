"""The citizen conversation: sign-in, Family Services, adding a member, the liveness step,
applications, talking to a person, language and data deletion.

The whole state machine is the table `TRANSITIONS` (`table.py`), built from the rows of each
section: `account`, `family`, `liveness`, `results`, `support`. Each section's diagram
(`<section>.mmd` beside its module) draws its rows, and a test keeps the two equal. Step
functions are pure: they read the conversation and a `Context` snapshot and return an
`Outcome` (new conversation, replies, commands).
"""

from bot.flows.citizen.screens import prompt
from bot.flows.citizen.state import (
    LANGUAGES,
    RELATIONSHIPS,
    SIGNED_OUT_STEPS,
    Conversation,
    Draft,
    Event,
    Step,
    Transition,
    Trigger,
)
from bot.flows.citizen.table import SECTIONS, TRANSITIONS, TransitionError, find_transition, step

__all__ = [
    "LANGUAGES",
    "RELATIONSHIPS",
    "SECTIONS",
    "SIGNED_OUT_STEPS",
    "TRANSITIONS",
    "Conversation",
    "Draft",
    "Event",
    "Step",
    "Transition",
    "TransitionError",
    "Trigger",
    "find_transition",
    "prompt",
    "step",
]
