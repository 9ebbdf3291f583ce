from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from channels import crypto
from channels.fields import EncryptedTextField


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored token under the first TOKEN_ENCRYPTION_KEYS key. Put the new key "
        "first, run this, then the old key can be removed."
    )

    def handle(self, *args, **options):
        total = 0
        try:
            with transaction.atomic():
                for model in apps.get_models():
                    columns = [
                        f.attname for f in model._meta.fields if isinstance(f, EncryptedTextField)
                    ]
                    if columns:
                        total += self._rotate(model, columns)
        except crypto.TokenDecryptionError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from exc
        self.stdout.write(f"rotated {total} rows")

    def _rotate(self, model, columns: list[str]) -> int:
        # Reading decrypts with any configured key; writing encrypts with the primary key.
        count = 0
        rows = model._base_manager.values_list("pk", *columns).order_by("pk")
        for pk, *values in rows.iterator(chunk_size=500):
            model._base_manager.filter(pk=pk).update(**dict(zip(columns, values, strict=True)))
            count += 1
        return count
