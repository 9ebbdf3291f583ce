"""No token or signing secret is shown or editable in the Django admin."""

import pytest
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.test import Client, RequestFactory
from django.urls import reverse

from channels.fields import EncryptedTextField
from channels.models import OAuthState
from publishing.events import event_emit
from publishing.models import WebhookEndpoint
from tests.factories import ConnectionFactory, ProfileFactory, TargetFactory, UserFactory

pytestmark = pytest.mark.django_db

PLAINTEXTS = {
    "connection access": "conn-access-PLAINTEXT-1111",
    "connection refresh": "conn-refresh-PLAINTEXT-2222",
    "page token": "page-token-PLAINTEXT-3333",
    "webhook secret": "whsec_PLAINTEXT-4444",
    "pkce verifier": "pkce-verifier-PLAINTEXT-5555",
}


def encrypted_fields(model) -> set[str]:
    return {f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)}


def reaches_encrypted(model, path: str) -> bool:
    """Whether an admin option such as "connection__access_token" names an encrypted field."""
    for name in path.lstrip("^=@").split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False  # a method or a lookup such as __icontains
        if isinstance(field, EncryptedTextField):
            return True
        model = field.related_model
        if model is None:
            return False
    return False


@pytest.fixture
def superuser_client() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def secrets_everywhere(account):
    connection = ConnectionFactory(
        account=account,
        access_token=PLAINTEXTS["connection access"],
        refresh_token=PLAINTEXTS["connection refresh"],
    )
    profile = ProfileFactory(connection=connection, access_token=PLAINTEXTS["page token"])
    TargetFactory(post__account=account, profile=profile)
    WebhookEndpoint.objects.create(
        account=account, url="https://hooks.example/s", secret=PLAINTEXTS["webhook secret"]
    )
    event_emit(account=account, event="target.published", payload={"target_id": 1})
    OAuthState.objects.create(
        state="s" * 32,
        account=account,
        platform="tiktok",
        code_verifier=PLAINTEXTS["pkce verifier"],
        redirect_uri="https://app.example/channels/callback/tiktok/",
        expires_at="2030-01-01T00:00:00Z",
    )


def test_every_admin_page_hides_tokens_and_secrets(superuser_client, secrets_everywhere):
    with_secrets = [m for m in admin.site._registry if encrypted_fields(m)]
    assert {m.__name__ for m in with_secrets} >= {"ChannelConnection", "Profile", "WebhookEndpoint"}
    pages = 0
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}"
        urls = [reverse(f"admin:{prefix}_change", args=[o.pk]) for o in model.objects.all()[:3]]
        urls += [reverse(f"admin:{prefix}_changelist"), reverse(f"admin:{prefix}_add")]
        for url in urls:
            response = superuser_client.get(url)
            if model in with_secrets and "/add/" not in url:
                assert response.status_code == 200, url
            html = response.content.decode()
            for what, plaintext in PLAINTEXTS.items():
                assert plaintext not in html, f"the {what} is shown on {url}"
            for name in encrypted_fields(model):
                assert f'name="{name}"' not in html, f"{name} is a form field on {url}"
            pages += 1
    assert pages > 20


def test_no_admin_or_inline_exposes_an_encrypted_field(secrets_everywhere):
    """Covers admins added later: forms, lists, search, filters and read-only fields."""
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    exposed = []
    for model, model_admin in admin.site._registry.items():
        obj = model.objects.first()
        for options in [model_admin, *model_admin.get_inline_instances(request, obj)]:
            if options is model_admin:
                forms = [model_admin.get_form(request), model_admin.get_form(request, obj)]
                names = [
                    *options.get_list_display(request),
                    *options.get_search_fields(request),
                    *[f for f in options.get_list_filter(request) if isinstance(f, str)],
                ]
            else:
                forms = [options.get_formset(request, obj).form]
                names = []
            names += [*options.get_readonly_fields(request, obj), *options.get_fields(request, obj)]
            for form in forms:
                names += list(form.base_fields)
            label = f"{type(options).__name__} ({options.model.__name__})"
            exposed += [
                f"{label}: {name}"
                for name in names
                if isinstance(name, str) and reaches_encrypted(options.model, name)
            ]
    assert exposed == []
