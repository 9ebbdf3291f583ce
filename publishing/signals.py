from django.dispatch import Signal

# Sent with `target=` once a target is published (by the dispatcher or marked posted by hand).
target_published = Signal()
