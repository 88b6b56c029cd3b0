"""Simulated people and groups: they send updates to the bot and observe what it does."""

from bot.emulator.actors.base import command_entities
from bot.emulator.actors.cast import DEFAULT_AGENT_ID, Cast
from bot.emulator.actors.group import Supergroup
from bot.emulator.actors.person import SimulatedUser

__all__ = ["DEFAULT_AGENT_ID", "Cast", "SimulatedUser", "Supergroup", "command_entities"]
