"""How the library asks the apps above it about an asset (library imports none of them).

`asset_delete_check` is sent with `asset=` before an asset is deleted; a receiver answers a
sentence saying why it may not be deleted (a post still to go out uses it), or None.

`asset_file_kept` is sent with `asset=` while deleting; a receiver answers True when something it
holds (a published post's media row) still points at the stored original, which is then kept.
"""

from django.dispatch import Signal

asset_delete_check = Signal()
asset_file_kept = Signal()
