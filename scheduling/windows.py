"""Best-practice posting windows per platform, as data.

Each entry lists local times in order of preference for weekdays and for weekends; a profile with
N slots a day takes the first N that keep MIN_GAP apart. The times follow the 2025 editions of the
two most cited studies of when engagement peaks (Sprout Social's "Best times to post on social
media", Hootsuite's "Best time to post"), rounded to the hour: Instagram late morning and mid
afternoon, Facebook mornings, LinkedIn weekday mornings (commute and lunch), TikTok evenings,
X mornings and lunch, YouTube afternoons before the evening viewing peak, Pinterest evenings, and
blogs early on weekdays for email/search pick-up.
"""

from datetime import time, timedelta

MIN_GAP = timedelta(hours=2)

WEEKDAY, WEEKEND = "weekday", "weekend"

WINDOWS: dict[str, dict[str, list[str]]] = {
    "instagram": {WEEKDAY: ["11:00", "15:00", "19:00"], WEEKEND: ["10:00", "14:00", "19:00"]},
    "facebook": {WEEKDAY: ["09:00", "13:00", "16:00"], WEEKEND: ["10:00", "13:00", "17:00"]},
    "linkedin": {WEEKDAY: ["08:00", "12:00", "10:00"], WEEKEND: ["10:00", "13:00", "16:00"]},
    "tiktok": {WEEKDAY: ["19:00", "21:00", "16:00"], WEEKEND: ["18:00", "21:00", "12:00"]},
    "x": {WEEKDAY: ["09:00", "12:00", "17:00"], WEEKEND: ["10:00", "13:00", "17:00"]},
    "youtube": {WEEKDAY: ["15:00", "18:00", "12:00"], WEEKEND: ["11:00", "15:00", "18:00"]},
    "pinterest": {WEEKDAY: ["20:00", "14:00", "11:00"], WEEKEND: ["20:00", "15:00", "11:00"]},
}
BLOG = {WEEKDAY: ["09:00", "14:00", "17:00"], WEEKEND: ["10:00", "15:00", "18:00"]}


def parse_hhmm(value: str) -> time:
    """'09:30' → time(9, 30); ValueError with the fix otherwise."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        raise ValueError(f"{value!r} is not a time; use HH:MM, e.g. 09:30.") from None


def best_times(platform: str, weekday: int, count: int) -> list[time]:
    """The first `count` preferred times of that day that keep MIN_GAP apart, in time order."""
    table = WINDOWS.get(platform, BLOG)[WEEKEND if weekday >= 5 else WEEKDAY]
    chosen: list[time] = []
    for value in table:
        candidate = parse_hhmm(value)
        minutes = candidate.hour * 60 + candidate.minute
        if all(abs(minutes - (t.hour * 60 + t.minute)) >= MIN_GAP.seconds // 60 for t in chosen):
            chosen.append(candidate)
        if len(chosen) == count:
            break
    return sorted(chosen)
