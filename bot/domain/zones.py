"""Time zones offered as buttons: a neutral place name and the offset, never an IANA name.

Older people know "北京时间" or "伦敦", not ``Asia/Shanghai``; the buttons show the place and
the offset from UTC (computed by the caller for today, so summer time shows as it is). One
place per offset; the names are template labels (``zone_<key>``). Pure: no clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    key: str  # the button's value and the label's name (``zone_<key>``)
    iana: str


ZONE_CHOICES: tuple[ZoneChoice, ...] = (
    ZoneChoice("beijing", "Asia/Shanghai"),  # first: most people who use the bot
    ZoneChoice("sydney", "Australia/Sydney"),
    ZoneChoice("tokyo", "Asia/Tokyo"),
    ZoneChoice("bangkok", "Asia/Bangkok"),
    ZoneChoice("dubai", "Asia/Dubai"),
    ZoneChoice("moscow", "Europe/Moscow"),
    ZoneChoice("paris", "Europe/Paris"),
    ZoneChoice("london", "Europe/London"),
    ZoneChoice("new_york", "America/New_York"),
    ZoneChoice("los_angeles", "America/Los_Angeles"),
)
ZONE_KEYS: tuple[str, ...] = tuple(z.key for z in ZONE_CHOICES)
_BY_KEY = {z.key: z for z in ZONE_CHOICES}
_BY_IANA = {z.iana.lower(): z for z in ZONE_CHOICES}


def zone_choice(key: str) -> ZoneChoice | None:
    return _BY_KEY.get(key)


def choice_for(iana: str) -> ZoneChoice | None:
    """The offered place for a zone name, if it is one of them."""
    return _BY_IANA.get(iana.lower())


def offset_label(offset: timedelta) -> str:
    """``UTC+8``, ``UTC-5``, ``UTC+5:30``, ``UTC+0``: how phones show an offset."""
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
