"""Claims and leases: one conditional UPDATE decides which worker owns a row.

Every periodic job that several processes may run at once (the dispatcher, metric collection,
webhook delivery, draft polls, the content-needed sweep) takes its rows the same way: it reads
candidates, then takes each (or a whole batch) with an UPDATE that only matches while the row still
looks the way it was read. Exactly one worker's UPDATE matches; the others change nothing and skip
the row. This module knows no app: it works on any queryset.
"""

import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

Values = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def new_token() -> str:
    """A claim token no other worker holds."""
    return uuid.uuid4().hex


def locked(queryset: QuerySet) -> QuerySet:
    """The rows locked until the transaction ends, where the database can (not SQLite: it has
    one writer at a time anyway). Call inside `transaction.atomic()`."""
    if connection.features.has_select_for_update:
        return queryset.select_for_update(of=("self",))
    return queryset


def skip_locked(queryset: QuerySet) -> QuerySet:
    """Like `locked`, but rows another transaction holds are skipped instead of waited for, so
    concurrent workers read disjoint batches. Call inside `transaction.atomic()`."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def row_claim(
    queryset: QuerySet, *, pk: Any, write: Values, seen: Mapping[str, Any] | None = None
) -> bool:
    """Take one row of `queryset` if it still matches (and still shows `seen`): True for the one
    worker whose UPDATE matched, False (nothing written) for everyone else."""
    values = write() if callable(write) else write
    return queryset.filter(pk=pk, **(seen or {})).update(**values) > 0


def rows_claim_each(
    queryset: QuerySet, *, seen_field: str, write: Values, limit: int
) -> Iterator[int]:
    """Up to `limit` rows of `queryset`, each taken before it is yielded.

    A row is taken only while `seen_field` still holds the value read with it (e.g. the
    `next_attempt_at` the sweep saw), so two sweeps never handle the same row. `write` (a mapping,
    or a callable giving fresh values per row) must change the row, typically moving its next time
    on (a lease: if the worker dies, the row comes back when that time passes).
    """
    for pk, seen in list(queryset.values_list("pk", seen_field)[:limit]):
        if row_claim(queryset, pk=pk, seen={seen_field: seen}, write=write):
            yield pk


def rows_claim_batch(
    queryset: QuerySet,
    *,
    token_field: str,
    limit: int,
    write: Mapping[str, Any] | None = None,
    token: str | None = None,
) -> tuple[str, list[int]]:
    """Take up to `limit` rows of `queryset` (in its order) at once: one UPDATE stamps `token` (and
    `write`) on the rows that still match, so whatever another worker took first no longer does.

    Returns the token and the ids this worker holds. Where the database can, the candidates are read
    with FOR UPDATE SKIP LOCKED, so concurrent workers take disjoint batches instead of racing.
    """
    token = token or new_token()
    with transaction.atomic():
        ids = list(skip_locked(queryset).values_list("pk", flat=True)[:limit])
        if ids:
            queryset.filter(pk__in=ids).update(**{token_field: token}, **(write or {}))
    if not ids:
        return token, []
    model = queryset.model
    return token, list(
        model._default_manager.filter(**{token_field: token}).values_list("pk", flat=True)
    )
