"""Retry schedules: how long to wait after each failure, and when to stop (or keep polling)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetrySchedule:
    """Waits after the 1st, 2nd, … failure; after the last one either give up (`then` is None) or
    keep trying every `then`."""

    waits: tuple[timedelta, ...]
    then: timedelta | None = None

    @classmethod
    def of(cls, *waits: timedelta, then: timedelta | None = None) -> "RetrySchedule":
        return cls(tuple(waits), then)

    def __len__(self) -> int:
        """How many retries the table itself holds."""
        return len(self.waits)

    def wait(self, failures: int) -> timedelta | None:
        """The wait after the `failures`-th failure (1-based); None when it is time to give up."""
        if failures < 1:
            raise ValueError("failures counts from 1")
        if failures <= len(self.waits):
            return self.waits[failures - 1]
        return self.then

    def exhausted(self, failures: int) -> bool:
        """True once `failures` failures leave no retry (never, with a `then`)."""
        return self.wait(failures) is None
