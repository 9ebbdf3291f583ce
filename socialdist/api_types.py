"""Types shared by the API routers: the error body, bounded ids, datetimes and pagination.

Bounds live in the schema, so bad input is refused with a 422 naming the field (and the OpenAPI
document says so) instead of reaching PostgreSQL and failing there with a 500.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator

from socialdist.validators import MAX_ID, MAX_YEAR, MIN_YEAR

MAX_LIMIT = 100
MAX_OFFSET = 2**31 - 1
MAX_UTC_OFFSET = timedelta(hours=16)  # PostgreSQL refuses ±16:00 and beyond


class ErrorOut(Schema):
    """Every error: `detail` is a sentence, or {field: [sentences]} for invalid input."""

    detail: str | dict[str, list[str]]


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """The documented error responses of an operation: bad input and auth, plus `codes`."""
    return dict.fromkeys(sorted({400, 401, 422, *codes}), ErrorOut)


def _check_datetime(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("Add a UTC offset, e.g. 2030-01-31T09:00:00+01:00.")
    if abs(offset) >= MAX_UTC_OFFSET:
        raise ValueError("Use a UTC offset between -15:59 and +15:59.")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"Pick a date between {MIN_YEAR} and {MAX_YEAR}.")
    return value


ApiDateTime = Annotated[datetime, AfterValidator(_check_datetime)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """limit 1–100 and an offset PostgreSQL can take."""

    class Input(Schema):
        limit: int = Field(MAX_LIMIT, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


def validation_detail(errors_: list[dict[str, Any]]) -> dict[str, list[str]]:
    """ninja's pydantic errors as {"media[0].url": ["…"]}, the shape our own 400s use."""
    detail: dict[str, list[str]] = {}
    for error in errors_:
        loc = list(error.get("loc", ()))
        if loc[:1] == ["body"]:
            loc = loc[2:]  # drop "body" and the view's parameter name
        elif loc:
            loc = loc[1:]  # drop "query" / "path"
        field = ""
        for part in loc:
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if error.get("type") == "string_unicode":  # pydantic's words for a lone surrogate
            message = "Contains an invalid character (a lone surrogate); send valid UTF-8 text."
        detail.setdefault(field or "body", []).append(message)
    return detail
