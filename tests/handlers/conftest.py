"""Handler tests may use the event fixtures (event-sized banks) as well as the shared ``bot``."""

from tests.events.conftest import event_settings

__all__ = ["event_settings"]
