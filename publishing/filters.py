import django_filters
from django import forms
from django.db.models import F

from channels.models import Profile
from channels.providers import platform_choices
from publishing.models import PostStatus, PostTarget, TargetStatus

STATUS_CHOICES = [
    ("draft", "Draft"),
    ("awaiting_approval", "Awaiting approval"),
    *TargetStatus.choices,
]
POST_STATUSES = ("draft", "awaiting_approval")  # the post's own status, not its targets'
SORT_CHOICES = [("latest", "Latest first")]  # the default (no choice) is oldest due first


class TargetFilter(django_filters.FilterSet):
    """The queue's filters; every choice is limited to the account's own data."""

    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", empty_label="Any status"
    )
    platform = django_filters.ChoiceFilter(
        field_name="profile__platform", choices=platform_choices, label="Channel",
        empty_label="Any channel",
    )  # fmt: skip
    profile = django_filters.ModelChoiceFilter(
        queryset=Profile.objects.none(), empty_label="Any profile"
    )
    bucket = django_filters.CharFilter(field_name="post__bucket", label="Content bucket")
    start = django_filters.DateFilter(
        field_name="scheduled_at", lookup_expr="date__gte", label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    end = django_filters.DateFilter(
        field_name="scheduled_at", lookup_expr="date__lte", label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="sort_by", label="Order", empty_label="Oldest due first"
    )

    class Meta:
        model = PostTarget
        fields = ["status", "platform", "profile", "bucket", "start", "end", "sort"]

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["profile"].queryset = Profile.objects.filter(account=account)

    def filter_status(self, queryset, name, value):
        if value in POST_STATUSES:
            return queryset.filter(post__status=value)
        if value == TargetStatus.PENDING:  # as the rows say: a draft's targets are drafts
            return queryset.filter(status=value, post__status=PostStatus.APPROVED)
        return queryset.filter(status=value)

    def sort_by(self, queryset, name, value):
        if value == "latest":  # the latest time first, those without a time still last
            return queryset.order_by(F("scheduled_at").desc(nulls_last=True), "-pk")
        return queryset
