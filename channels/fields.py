from django.db import models

from channels import crypto


class EncryptedTextField(models.TextField):
    """A TextField stored as a Fernet token; Python code only ever sees plaintext.

    Empty strings stay empty (no ciphertext for "no token"), so `refresh_token=""` is cheap to test.
    """

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(value)
