"""Fuzz every JSON API operation from its own OpenAPI schema: no 5xx, no undocumented status.

Schemathesis generates valid and invalid requests (wrong types, huge integers, odd dates, extra
fields) for each operation and runs all its checks on every response. On top of that, the test
puts the inputs an outside sweep found 500s with (NUL bytes, lone surrogates, 9999-12-31, offsets
of ±16 h and more, 100k-character strings) into one string of most requests, and points ids at
real rows. It talks to the WSGI app in-process, inside the pytest-django test database.
"""

import random

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts.services import api_token_create
from publishing.models import PostingMode, PostStatus, TargetStatus
from socialdist.wsgi import application
from tests.factories import AccountFactory, MediaFactory, PostFactory, ProfileFactory, TargetFactory

MAX_EXAMPLES = 40  # per operation and phase: bounded so the whole file runs in well under 2 min

# What broke the API before: PostgreSQL refuses NUL and lone surrogates, bigint and varchar
# overflow, dates that overflow when a day is added, UTC offsets it cannot store.
NASTY = [
    "a\x00b",
    "\ud800",
    "x" * 100_000,
    "https://example.com/" + "a" * 3000,
    "javascript:alert(1)",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00-15:00",
    "2030-01-01T09:00:00+23:59",
    "2030-01-01T09:00:00",
    str(2**70),
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# The test sends its own token; generating (or omitting) Authorization would fight with it.
schema.config.generation.update(
    deterministic=True, max_examples=MAX_EXAMPLES, with_security_parameters=False
)
schema.config.checks.update(included_check_names=["all"])
# Schema-valid input may still break a business rule ("no profile 7 in this account", an unknown
# status filter, a date outside 2000–2100, a NUL character): a 400/422 naming the field, by design.
schema.config.checks.positive_data_acceptance.expected_statuses = [
    *schema.config.checks.positive_data_acceptance.expected_statuses,
    "400",
    "422",
]


def _string_paths(value, path=()):
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_paths(item, (*path, index))


def _set(container, path, new) -> None:
    for step in path[:-1]:
        container = container[step]
    container[path[-1]] = new


@pytest.fixture
def existing(db) -> dict:
    """An account with publishing on, profiles, posts and targets, so some ids exist."""
    account = AccountFactory(publishing_enabled=True)
    profile = ProfileFactory(connection__account=account)
    post = PostFactory(account=account)
    MediaFactory(post=post)
    waiting = PostFactory(account=account, status=PostStatus.AWAITING_APPROVAL)
    # Facebook takes text-only posts: generated posts aimed at it get past the platform rules.
    facebook = ProfileFactory(connection__account=account, platform="facebook")
    failed = TargetFactory(post=post, profile=profile, status=TargetStatus.FAILED)
    manual = TargetFactory(
        post=waiting, profile=facebook, status=TargetStatus.MANUAL, posting_mode=PostingMode.MANUAL
    )
    # Like django.test.Client: keep the test transaction's connection open between requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {
        "token": api_token_create(account=account, role="admin")[1],
        "post_id": [post.pk, waiting.pk],
        "target_id": [failed.pk, manual.pk],
        "profile_id": [facebook.pk],
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _existing(ids: list[int], value):
    """Random ids almost never exist: point every even one at a real row instead."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0 and value % 2 == 0:
        return ids[value // 2 % len(ids)]
    return value


def _perturb(case, existing: dict) -> None:
    """Edit the generated request in place; the choices are seeded by the request itself, so a
    run is reproducible. Ids are only swapped for other valid ids; the rest only touches
    schema-valid requests, so a request generated to be invalid stays invalid (its checks
    expect a refusal), while a valid one may now be refused with a 4xx, which is allowed."""
    rng = random.Random(repr((case.path_parameters, case.query, case.body)))
    for name, value in (case.path_parameters or {}).items():
        if name in existing:
            case.path_parameters[name] = _existing(existing[name], value)
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("targets"), list):
        body["targets"] = [_existing(existing["profile_id"], v) for v in body["targets"]]
    if not (case.meta and case.meta.generation.mode.is_positive):
        return
    if isinstance(body, dict) and isinstance(body.get("targets"), list):
        # Target a real profile, and sometimes drop what random data rarely gets right (a time
        # in 2000–2100, http URLs), so the strings reach the database.
        choice = rng.randrange(3)
        if choice < 2:
            body["targets"] = existing["profile_id"]
        if choice < 1:
            body.update(scheduled_at=None, link="", media=[])
    # One string of the body or query becomes a NASTY one (no lone surrogate in a URL or a
    # multipart form: neither can even be encoded).
    encodable = [n for n in NASTY if n != "\ud800"]
    multipart = (case.media_type or "").startswith("multipart/")
    for container, nasty in ((body, encodable if multipart else NASTY), (case.query, encodable)):
        paths = [p for p in _string_paths(container) if p] if container else []
        if paths and rng.random() < 0.6:
            _set(container, rng.choice(paths), rng.choice(nasty))


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case, existing):
    """All checks: not_a_server_error, status_code_conformance (no undocumented status),
    response_schema_conformance, negative_data_rejection, ignored_auth, …"""
    _perturb(case, existing)
    case.call_and_validate(headers={"Authorization": f"Bearer {existing['token']}"})
