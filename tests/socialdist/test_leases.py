"""socialdist/leases.py: one conditional UPDATE decides which worker owns a row."""

from datetime import timedelta

import pytest
from django.utils import timezone

from publishing.models import PostTarget, TargetStatus
from socialdist.leases import new_token, row_claim, rows_claim_batch, rows_claim_each
from tests.factories import TargetFactory

pytestmark = pytest.mark.django_db


def test_row_claim_is_won_once_and_only_while_the_row_still_matches():
    target = TargetFactory()
    due = PostTarget.objects.filter(next_attempt_at__isnull=True)
    later = timezone.now() + timedelta(minutes=10)
    assert row_claim(due, pk=target.pk, write={"next_attempt_at": later}) is True
    assert row_claim(due, pk=target.pk, write={"next_attempt_at": later}) is False  # taken
    target.refresh_from_db()
    assert target.next_attempt_at == later


def test_row_claim_checks_what_the_caller_saw():
    target = TargetFactory(attempts=2)
    rows = PostTarget.objects.all()
    assert not row_claim(rows, pk=target.pk, seen={"attempts": 1}, write={"attempts": 9})
    assert row_claim(rows, pk=target.pk, seen={"attempts": 2}, write={"attempts": 3})
    target.refresh_from_db()
    assert target.attempts == 3


def test_rows_claim_each_skips_rows_another_sweep_moved_first():
    now = timezone.now()
    first, second = TargetFactory(next_attempt_at=now), TargetFactory(next_attempt_at=now)
    due = PostTarget.objects.filter(next_attempt_at__lte=now)
    taken = []
    for pk in rows_claim_each(
        due, seen_field="next_attempt_at", write={"next_attempt_at": now + timedelta(hours=1)},
        limit=10,
    ):  # fmt: skip
        taken.append(pk)
        if pk == first.pk:  # meanwhile another sweep leases the second row
            PostTarget.objects.filter(pk=second.pk).update(next_attempt_at=now - timedelta(1))
    assert taken == [first.pk]
    assert list(rows_claim_each(due, seen_field="next_attempt_at", write={}, limit=0)) == []


def test_rows_claim_each_takes_fresh_values_per_row():
    now = timezone.now()
    rows = [TargetFactory(claimed_at=now) for _ in range(2)]
    tokens = iter(["a" * 32, "b" * 32])
    taken = list(
        rows_claim_each(
            PostTarget.objects.all(), seen_field="claimed_at", limit=5,
            write=lambda: {"claim_token": next(tokens)},
        )
    )  # fmt: skip
    assert sorted(taken) == sorted(t.pk for t in rows)
    assert set(PostTarget.objects.values_list("claim_token", flat=True)) == {"a" * 32, "b" * 32}


def test_rows_claim_batch_takes_disjoint_batches_in_order():
    now = timezone.now()
    rows = [TargetFactory(next_attempt_at=now - timedelta(minutes=m)) for m in (1, 3, 2)]
    due = PostTarget.objects.filter(claim_token="").order_by("next_attempt_at")
    token, first = rows_claim_batch(due, token_field="claim_token", limit=2)
    assert set(first) == {rows[1].pk, rows[2].pk}  # the two oldest
    other, second = rows_claim_batch(
        due, token_field="claim_token", limit=5, write={"status": TargetStatus.SCHEDULED}
    )
    assert second == [rows[0].pk] and other != token
    assert rows_claim_batch(due, token_field="claim_token", limit=5)[1] == []


def test_new_tokens_differ():
    assert len({new_token() for _ in range(50)}) == 50
