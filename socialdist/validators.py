"""Input checks shared by the API, the forms and the services."""

from datetime import date
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

HTTP_SCHEMES = ("http", "https")
# Scheduling is about the near future; a year outside this is a typo, and 9999-12-31 would
# overflow as soon as the code adds a day to it.
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_ID = 2**63 - 1  # a bigint primary key; SQLite cannot even compare a larger number


def parse_id(value: object) -> int | None:
    """A primary key from a form or query value, or None (not digits, 0, or out of range)."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_ids(values) -> list[int]:
    """The valid primary keys among `values`, in order (the others are dropped)."""
    return [n for n in (parse_id(v) for v in values) if n is not None]


_http_url = URLValidator(schemes=list(HTTP_SCHEMES))


def validate_http_url(value: str, *, field: str = "url", max_length: int = 2000) -> None:
    """Only absolute http:// or https:// URLs with a host: never javascript:, data:, ftp: or //x.

    Raises ValidationError keyed by `field`, so callers can report it as-is.
    """
    if len(value) > max_length:
        raise ValidationError({field: [f"Use a URL of at most {max_length} characters."]})
    try:
        _http_url(value)
    except ValidationError:
        raise ValidationError({field: ["Use an http:// or https:// URL."]}) from None


def is_http_url(value: object) -> bool:
    """For rendering: is this safe to put in an href (http(s) with a host)?

    Looser than the input check on purpose: our own media URLs may use a bare host such as
    http://app:8000, which is harmless; only the scheme decides whether a click runs code.
    """
    if not isinstance(value, str) or not value or value != value.strip():
        return False
    if any(ord(ch) < 32 for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in HTTP_SCHEMES and bool(parts.hostname)


def text_problem(value: str) -> str | None:
    """Why PostgreSQL could not store this text (NUL, lone surrogate), or None if it can."""
    if "\x00" in value:
        return "contains a NUL character; remove it."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an invalid character (a lone surrogate); send valid UTF-8 text."
    return None


def validate_year(value: date, *, field: str) -> None:
    """Dates and times we schedule or report on must fall in MIN_YEAR–MAX_YEAR."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError({field: [f"Pick a date between {MIN_YEAR} and {MAX_YEAR}."]})
