"""Local wall time → UTC, DST-correct."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def _exists(naive: datetime, tz: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """09:00 local stays 09:00 local across DST changes.

    A time that does not exist (clocks spring forward) moves to the next valid minute; an
    ambiguous one (clocks fall back) takes the first occurrence.
    """
    naive = datetime.combine(day, at)
    for _ in range(24 * 60):  # gaps are at most a few hours
        if _exists(naive, tz):
            return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
        naive += timedelta(minutes=1)
    raise ValueError(f"No valid local time after {day} {at} in {tz}.")
