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

    def _rotate(self, model, columns: list[str], chunk: int = 500) -> int:
        # Reading decrypts with any configured key; writing encrypts with the primary key.
        manager = model._base_manager
        pks = list(manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), chunk):
            rows = manager.filter(pk__in=pks[start : start + chunk]).values_list("pk", *columns)
            for pk, *values in rows:
                manager.filter(pk=pk).update(**dict(zip(columns, values, strict=True)))
        return len(pks)
