"""publishing/transitions.py, the bulk variant (claims, slot attach), and the rule that every
Post/PostTarget status write goes through the transition module.

(The single-target table test may live in tests/publishing/test_transitions.py.)
"""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from publishing.models import AuditEntry, PostTarget, TargetStatus
from publishing.transitions import (
    TARGET_TRANSITIONS,
    Actor,
    InvalidTransition,
    targets_transition_bulk,
)
from tests.factories import PostFactory, TargetFactory

T = TargetStatus
ROBOT = Actor(label="robot")
PAIRS = [(frm, to) for frm in T.values for to in T.values]


@pytest.mark.django_db
@pytest.mark.parametrize(("frm", "to"), PAIRS)
def test_every_pair_of_the_table_moves_or_raises(frm, to):
    target = TargetFactory(status=frm)
    if to in TARGET_TRANSITIONS[frm]:
        assert targets_transition_bulk(target_ids=[target.pk], frm=frm, to=to, actor=ROBOT) == [
            target.pk
        ]
        target.refresh_from_db()
        assert target.status == to
        entry = AuditEntry.objects.get(target=target)
        assert (entry.from_status, entry.to_status, entry.actor_label) == (frm, to, "robot")
    else:
        with pytest.raises(InvalidTransition):
            targets_transition_bulk(target_ids=[target.pk], frm=frm, to=to, actor=ROBOT)
        target.refresh_from_db()
        assert target.status == frm
        assert not AuditEntry.objects.filter(target=target).exists()


def test_a_cancelled_target_can_only_be_restored_to_pending():
    # Restore (publishing/lifecycle.py) is the one way out of cancelled; the scheduler then
    # attaches the pending target as usual. Pinned here too so the bulk variant allows it.
    assert TARGET_TRANSITIONS[T.CANCELLED] == {T.PENDING}


@pytest.mark.django_db
def test_one_audit_row_per_target_moved_and_none_for_targets_moved_meanwhile():
    post = PostFactory()
    moving = [TargetFactory(post=post, status=T.SCHEDULED) for _ in range(3)]
    elsewhere = TargetFactory(post=post, status=T.PUBLISHING)  # another worker got there first
    moved = targets_transition_bulk(
        target_ids=[t.pk for t in [*moving, elsewhere]],
        frm=T.SCHEDULED,
        to=T.PUBLISHING,
        actor=ROBOT,
        reason="claimed",
        claim_token="x" * 32,
    )
    assert sorted(moved) == sorted(t.pk for t in moving)
    assert set(PostTarget.objects.filter(claim_token="x" * 32).values_list("pk", flat=True)) == {
        t.pk for t in moving
    }
    audit = AuditEntry.objects.filter(target__isnull=False)
    assert sorted(audit.values_list("target_id", flat=True)) == sorted(t.pk for t in moving)
    assert set(audit.values_list("from_status", "to_status", "reason")) == {
        (T.SCHEDULED, T.PUBLISHING, "claimed")
    }
    assert (
        targets_transition_bulk(target_ids=[], frm=T.SCHEDULED, to=T.PUBLISHING, actor=ROBOT) == []
    )


@pytest.mark.django_db
def test_per_target_values_and_reasons():
    now = timezone.now()
    a, b = TargetFactory(status=T.PENDING), TargetFactory(status=T.PENDING, error_code="no_slot")
    when = {a.pk: now + timedelta(hours=1), b.pk: now + timedelta(hours=2)}
    targets_transition_bulk(
        target_ids=[a.pk, b.pk],
        frm=T.PENDING,
        to=T.SCHEDULED,
        actor=ROBOT,
        per_target={pk: {"scheduled_at": at} for pk, at in when.items()},
        reasons={a.pk: "slot one", b.pk: "slot two"},
        error_code="",
    )
    for target in (a, b):
        target.refresh_from_db()
        assert (target.status, target.scheduled_at, target.error_code) == (
            T.SCHEDULED,
            when[target.pk],
            "",
        )
    assert dict(AuditEntry.objects.values_list("target_id", "reason")) == {
        a.pk: "slot one",
        b.pk: "slot two",
    }


# Nothing outside the transition module writes a Post/PostTarget status --------------------------

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "channels", "publishing", "analytics", "scheduling", "socialdist"]
OWNER = ROOT / "publishing" / "transitions.py"
STATUS_NAMES = {"T", "TargetStatus", "PostStatus"}  # how the code names post/target statuses


def _names_status(node: ast.AST) -> bool:
    """The expression is a Post/PostTarget status (T.X, TargetStatus.X, PostStatus.X)."""
    return any(
        isinstance(n, ast.Attribute)
        and isinstance(n.value, ast.Name)
        and n.value.id in STATUS_NAMES
        for n in ast.walk(node)
    )


def _status_writes(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in ("update", "update_or_create", "bulk_update"):
                for kw in node.keywords:
                    if kw.arg == "status" and _names_status(kw.value):
                        lines.append(node.lineno)
                if method == "bulk_update" and any(
                    isinstance(c, ast.Constant) and c.value == "status"
                    for arg in node.args[1:]
                    for c in ast.walk(arg)
                ):
                    lines.append(node.lineno)
        if isinstance(node, ast.Assign) and _names_status(node.value):
            for target in node.targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr == "status":
                        lines.append(node.lineno)
    return sorted(set(lines))


def _app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts and path != OWNER:
                yield path


def test_the_guard_sees_a_status_write():
    code = (
        "PostTarget.objects.filter(pk=1).update(status=T.PUBLISHING)\n"
        "target.status = TargetStatus.SCHEDULED\n"
        "PostTarget.objects.bulk_update(rows, ['status', 'scheduled_at'])\n"
    )
    assert _status_writes(ast.parse(code)) == [1, 2, 3]


def test_no_status_is_written_outside_the_transition_module():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _app_modules()
        for line in _status_writes(ast.parse(path.read_text(), filename=str(path)))
    ]
    assert found == [], "status written outside publishing/transitions.py: " + ", ".join(found)
