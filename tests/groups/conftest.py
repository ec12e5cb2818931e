"""Group tests use the event fixtures (event-sized banks, a group with an admin and players) and
the lessons' bot (small lesson files)."""

from tests.events.conftest import bot_group, ebot, event_settings, group
from tests.lessons.conftest import lbot

__all__ = ["bot_group", "ebot", "event_settings", "group", "lbot"]
