"""socialdist/retries.py: the waits after each failure, and when to stop."""

from datetime import timedelta

import pytest

from socialdist.retries import RetrySchedule

MIN = timedelta(minutes=1)


def test_a_table_then_give_up():
    schedule = RetrySchedule.of(1 * MIN, 5 * MIN, 25 * MIN)
    assert len(schedule) == 3
    assert [schedule.wait(n) for n in (1, 2, 3, 4)] == [1 * MIN, 5 * MIN, 25 * MIN, None]
    assert [schedule.exhausted(n) for n in (1, 3, 4, 9)] == [False, False, True, True]


def test_a_table_then_keep_polling():
    schedule = RetrySchedule.of(30 * timedelta(seconds=1), 1 * MIN, then=60 * MIN)
    assert [schedule.wait(n) for n in (1, 2, 3, 50)] == [
        timedelta(seconds=30),
        MIN,
        60 * MIN,
        60 * MIN,
    ]
    assert not schedule.exhausted(1000)


def test_failures_count_from_one():
    with pytest.raises(ValueError):
        RetrySchedule.of(MIN).wait(0)


def test_the_project_tables_keep_their_waits():
    from analytics.services import RETRY_WAITS
    from publishing.dispatch import ID_FOLLOW_DELAYS, RETRY_DELAYS
    from publishing.events import DELIVERY_RETRIES

    assert RETRY_DELAYS.waits == (1 * MIN, 5 * MIN, 25 * MIN) and RETRY_DELAYS.then is None
    assert DELIVERY_RETRIES.waits == (MIN, 5 * MIN, 25 * MIN, 120 * MIN, 720 * MIN)
    assert RETRY_WAITS.waits == (5 * MIN, 30 * MIN, 120 * MIN, 360 * MIN, 1440 * MIN)
    assert ID_FOLLOW_DELAYS.wait(7) == ID_FOLLOW_DELAYS.then == 60 * MIN
