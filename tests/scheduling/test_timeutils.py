"""DST: 09:00 stays 09:00 local; missing times move to the next valid minute; ambiguous ones
take the first occurrence (Europe/London, America/New_York, Australia/Sydney)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduling.timeutils import local_to_utc

LONDON, NEW_YORK, SYDNEY = (
    ZoneInfo(z) for z in ("Europe/London", "America/New_York", "Australia/Sydney")
)


@pytest.mark.parametrize(
    ("tz", "day", "at", "expected_utc"),
    [
        # 09:00 local on both sides of a change
        (LONDON, date(2027, 3, 27), time(9), datetime(2027, 3, 27, 9, tzinfo=UTC)),
        (LONDON, date(2027, 3, 29), time(9), datetime(2027, 3, 29, 8, tzinfo=UTC)),
        (NEW_YORK, date(2027, 3, 13), time(9), datetime(2027, 3, 13, 14, tzinfo=UTC)),
        (NEW_YORK, date(2027, 3, 15), time(9), datetime(2027, 3, 15, 13, tzinfo=UTC)),
        (SYDNEY, date(2027, 4, 3), time(9), datetime(2027, 4, 2, 22, tzinfo=UTC)),
        (SYDNEY, date(2027, 4, 5), time(9), datetime(2027, 4, 4, 23, tzinfo=UTC)),
        # spring forward: the missing time moves to the next valid minute
        (LONDON, date(2027, 3, 28), time(1, 30), datetime(2027, 3, 28, 1, tzinfo=UTC)),
        (NEW_YORK, date(2027, 3, 14), time(2, 30), datetime(2027, 3, 14, 7, tzinfo=UTC)),
        (SYDNEY, date(2026, 10, 4), time(2, 30), datetime(2026, 10, 3, 16, tzinfo=UTC)),
        # fall back: the ambiguous time takes its first occurrence
        (LONDON, date(2026, 10, 25), time(1, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (NEW_YORK, date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        (SYDNEY, date(2027, 4, 4), time(2, 30), datetime(2027, 4, 3, 15, 30, tzinfo=UTC)),
    ],
)
def test_local_to_utc(tz, day, at, expected_utc):
    assert local_to_utc(day, at, tz) == expected_utc
