from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from channels import crypto
from channels.models import ChannelConnection
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def raw_token(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM channels_channelconnection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_tokens_are_stored_encrypted_and_read_back_plain():
    conn = ConnectionFactory(access_token="EAAsecret", refresh_token="")
    stored = raw_token(conn.pk)
    assert "EAAsecret" not in stored
    assert ChannelConnection.objects.get(pk=conn.pk).access_token == "EAAsecret"
    assert ChannelConnection.objects.get(pk=conn.pk).refresh_token == ""


def test_wrong_key_raises_never_returns_ciphertext(settings):
    conn = ConnectionFactory(access_token="EAAsecret")
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.TokenDecryptionError):
        ChannelConnection.objects.get(pk=conn.pk)


def test_rotate_token_keys_moves_every_token_to_the_new_primary_key(settings):
    old_key = settings.TOKEN_ENCRYPTION_KEYS[0]
    conn = ConnectionFactory(access_token="EAAsecret", refresh_token="refresh-me")
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_token_keys", stdout=out)
    assert "rotated" in out.getvalue()

    settings.TOKEN_ENCRYPTION_KEYS = [new_key]  # the old key can now be removed
    conn = ChannelConnection.objects.get(pk=conn.pk)
    assert (conn.access_token, conn.refresh_token) == ("EAAsecret", "refresh-me")
    assert Fernet(new_key.encode()).decrypt(raw_token(conn.pk).encode()) == b"EAAsecret"


def test_rotate_token_keys_with_a_missing_key_changes_nothing(settings):
    conn = ConnectionFactory(access_token="EAAsecret")
    before = raw_token(conn.pk)
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_token_keys")
    assert raw_token(conn.pk) == before
