"""The PostTarget transition table, pinned pair by pair (DESIGN.md "Post lifecycle").

The expected table is written out here on purpose, not read from TARGET_TRANSITIONS: adding or
dropping a pair in publishing/services.py must turn this test red.
"""

import itertools

import pytest

from publishing.models import AuditEntry, PostTarget, TargetStatus
from publishing.services import Actor, InvalidTransition, target_transition
from tests.factories import TargetFactory

T = TargetStatus

ALLOWED: dict[str, set[str]] = {
    T.PENDING: {T.SCHEDULED, T.MANUAL, T.CANCELLED},
    # scheduled → scheduled: a person picks another time for a scheduled target.
    T.SCHEDULED: {T.PUBLISHING, T.PENDING, T.CANCELLED, T.SCHEDULED},
    T.PUBLISHING: {T.PUBLISHED, T.FAILED, T.SCHEDULED, T.PENDING, T.MANUAL, T.SENT_TO_DRAFTS},
    # failed → published: only a person settling an `unconfirmed` target.
    T.FAILED: {T.SCHEDULED, T.PENDING, T.CANCELLED, T.PUBLISHED},
    T.MANUAL: {T.PUBLISHED, T.CANCELLED},
    T.SENT_TO_DRAFTS: {T.PUBLISHED, T.FAILED, T.CANCELLED},
    T.PUBLISHED: set(),  # final: nothing moves a published target
    T.CANCELLED: {T.PENDING},  # a person restores it; the scheduler then attaches it
}

ALL_PAIRS = list(itertools.product(T.values, T.values))
ALLOWED_PAIRS = [(frm, to) for frm, to in ALL_PAIRS if to in ALLOWED[frm]]
REFUSED_PAIRS = [(frm, to) for frm, to in ALL_PAIRS if to not in ALLOWED[frm]]


def test_the_table_covers_every_status():
    assert set(ALLOWED) == set(T.values)
    assert len(ALLOWED_PAIRS) + len(REFUSED_PAIRS) == len(T.values) ** 2


@pytest.mark.django_db
@pytest.mark.parametrize(("frm", "to"), ALLOWED_PAIRS, ids=[f"{f}->{t}" for f, t in ALLOWED_PAIRS])
def test_an_allowed_transition_moves_the_target_and_writes_an_audit_row(frm, to):
    target = TargetFactory(status=frm)
    actor = Actor(label="table test")

    assert target_transition(target=target, to=to, actor=actor, reason="pinned") is True

    assert target.status == to
    assert PostTarget.objects.get(pk=target.pk).status == to
    row = AuditEntry.objects.get(target=target)
    assert (row.from_status, row.to_status) == (frm, to)
    assert (row.actor_label, row.reason, row.post_id) == ("table test", "pinned", target.post_id)


@pytest.mark.django_db
@pytest.mark.parametrize(("frm", "to"), REFUSED_PAIRS, ids=[f"{f}->{t}" for f, t in REFUSED_PAIRS])
def test_every_other_transition_raises_and_changes_nothing(frm, to):
    target = TargetFactory(status=frm)

    with pytest.raises(InvalidTransition, match=f"A {frm} target cannot become {to}"):
        target_transition(target=target, to=to, actor=Actor(label="table test"))

    assert target.status == frm
    assert PostTarget.objects.get(pk=target.pk).status == frm
    assert not AuditEntry.objects.filter(target=target).exists()
