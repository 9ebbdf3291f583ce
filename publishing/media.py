"""Uploaded media helpers now live in library/media.py (the media library sits below publishing);
these names stay importable from here."""

from library.media import (  # noqa: F401  (re-exported)
    ACCEPTED,
    IMAGE_TYPES,
    MEDIA_TYPES,
    SIGNING_SALT,
    VIDEO_TYPES,
    MediaRejected,
    SniffedMedia,
    media_signature_valid,
    media_signed_path,
    media_signed_url,
    media_sniff,
)
