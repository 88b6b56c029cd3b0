"""The agents' desk: review cards and support tickets in the agents' supergroup."""

from bot.flows.agents.base import Agent
from bot.flows.agents.desk import AgentDesk
from bot.flows.agents.table import CARD_TABLE, TICKET_TABLE, CardState, CardTap, TicketState
from bot.flows.agents.tickets import TOPIC_COMMANDS

__all__ = [
    "CARD_TABLE",
    "TICKET_TABLE",
    "TOPIC_COMMANDS",
    "Agent",
    "AgentDesk",
    "CardState",
    "CardTap",
    "TicketState",
]
