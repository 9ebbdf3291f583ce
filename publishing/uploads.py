"""The streaming upload limits now live in library/uploads.py; these names stay importable."""

from library.uploads import BoundedUploadHandler, upload_errors  # noqa: F401  (re-exported)
