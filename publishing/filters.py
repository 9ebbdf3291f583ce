import django_filters
from django import forms

from channels.models import Profile
from channels.providers import platform_choices
from publishing.models import PostTarget, TargetStatus

STATUS_CHOICES = [*TargetStatus.choices, ("awaiting_approval", "Awaiting approval")]


class TargetFilter(django_filters.FilterSet):
    """The queue's filters; every choice is limited to the account's own data."""

    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status")
    platform = django_filters.ChoiceFilter(field_name="profile__platform", choices=platform_choices)
    profile = django_filters.ModelChoiceFilter(queryset=Profile.objects.none())
    bucket = django_filters.CharFilter(field_name="post__bucket", label="Content bucket")
    start = django_filters.DateFilter(
        field_name="scheduled_at", lookup_expr="date__gte", label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    end = django_filters.DateFilter(
        field_name="scheduled_at", lookup_expr="date__lte", label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip

    class Meta:
        model = PostTarget
        fields = ["status", "platform", "profile", "bucket", "start", "end"]

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["profile"].queryset = Profile.objects.filter(account=account)

    def filter_status(self, queryset, name, value):
        if value == "awaiting_approval":
            return queryset.filter(post__status="awaiting_approval")
        return queryset.filter(status=value)
