"""Token encryption with MultiFernet: the first key encrypts, every key decrypts (rotation)."""

from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenDecryptionError(Exception):
    """Stored ciphertext does not open with any configured key."""


def dev_key(path: Path) -> str:
    """A per-checkout key for DEBUG runs, created once under var/ and reused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes)."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        # Never fall back to returning ciphertext: a wrong key is an operator error to surface.
        raise TokenDecryptionError(
            "A stored token could not be decrypted with TOKEN_ENCRYPTION_KEYS; "
            "was a key removed before rotate_token_keys ran?"
        ) from exc


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the primary key, keeping the original timestamp."""
    try:
        return fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise TokenDecryptionError("A stored token could not be decrypted for rotation.") from exc
