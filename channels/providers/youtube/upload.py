"""YouTube's resumable upload protocol (PLATFORMS.md §7.2, steps 1–3).

The session URL is checkpointed before any byte is sent. Bytes go in chunks of a multiple of
256 KiB; after a 5xx, a dropped connection or a lost worker we never start a second video: we ask
the session how far it got (`Content-Range: bytes */total`) and go on from the confirmed byte.
Only a session YouTube says is gone (404/410) is replaced, and only while no video id exists.
"""

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from django.core.files.storage import default_storage

from channels.http import PERMANENT, TRANSIENT, PlatformError, PlatformHTTP
from channels.providers.base import MediaItem

QUANTUM = 256 * 1024  # chunks are multiples of this, except the last
CHUNK = 32 * QUANTUM  # 8 MiB, as maintained clients use
RESUMES_PER_TICK = 3  # probes after failed chunks before handing over to the retry policy


class SessionGone(Exception):
    """YouTube answered 404/410 for the session: it expired, nothing of it can be resumed."""


@contextmanager
def media_source(http: PlatformHTTP, item: MediaItem) -> Iterator[tuple[IO[bytes], int]]:
    """(file, size): a file we hold, opened through the default storage (any backend), or an
    external URL streamed into a temporary file (never whole in memory)."""
    if item.hosted:
        if not item.storage_name or not default_storage.exists(item.storage_name):
            raise PlatformError(
                PERMANENT,
                "media_missing",
                "The uploaded video is no longer in storage; upload it again and retry.",
            )
        with default_storage.open(item.storage_name, "rb") as handle:
            yield handle, default_storage.size(item.storage_name)
        return
    with tempfile.TemporaryFile() as spool:
        try:
            response = http.request("GET", item.url, expect_json=False, stream=True)
        except PlatformError as exc:
            if exc.kind == PERMANENT or exc.kind == "auth":
                raise PlatformError(
                    PERMANENT,
                    "media_unreachable",
                    f"The video at {item.url} could not be downloaded for YouTube "
                    f"(HTTP {exc.http_status or exc.code}); check that the link works, or upload "
                    "the file instead.",
                ) from exc
            raise
        with response:
            for block in response.iter_content(1024 * 1024):
                spool.write(block)
        size = spool.tell()
        if size == 0:
            raise PlatformError(
                PERMANENT, "media_empty", f"The video at {item.url} is empty; check the link."
            )
        spool.seek(0)
        yield spool, size


def probe(http: PlatformHTTP, session_url: str, total: int, headers: dict) -> int | dict:
    """Ask the session how far it got: the next byte to send, or the video once complete."""
    try:
        response = http.request(
            "PUT", session_url, expect_json=False, allow_redirects=False, data=b"",
            headers={**headers, "Content-Length": "0", "Content-Range": f"bytes */{total}"},
        )  # fmt: skip
    except PlatformError as exc:
        if exc.http_status in (404, 410):
            raise SessionGone() from exc
        raise
    return _progress(response)


def _progress(response) -> int | dict:
    """308 → the next byte (from `Range: bytes=0-N`, absent when nothing is stored); 200/201 →
    the video resource."""
    if response.status_code in (200, 201):
        try:
            return response.json()
        except ValueError as exc:
            raise PlatformError(
                TRANSIENT, "bad_response", "YouTube's answer to the upload was unreadable.",
                maybe_delivered=True,
            ) from exc  # fmt: skip
    if response.status_code == 308:
        confirmed = response.headers.get("Range", "")
        if not confirmed.startswith("bytes=0-"):
            return 0
        return int(confirmed.split("-", 1)[1]) + 1
    raise PlatformError(
        TRANSIENT,
        "upload_unexpected_status",
        f"YouTube answered HTTP {response.status_code} to the video upload.",
        http_status=response.status_code,
        maybe_delivered=True,
    )


def send(
    http: PlatformHTTP,
    session_url: str,
    source: IO[bytes],
    total: int,
    start: int,
    headers: dict,
    keep_alive: Callable[[], None],
    chunk: int = CHUNK,
) -> dict:
    """Send bytes from `start` to the end; return the video resource YouTube answers with.

    A failed chunk (5xx, timeout, dropped connection) is followed by a probe and the upload goes
    on from the byte YouTube confirms, a few times per tick; then the error goes to the retry
    policy (whose reconcile probes again)."""
    assert chunk % QUANTUM == 0, "YouTube takes chunks in multiples of 256 KiB"
    offset, resumes = start, 0
    while True:
        keep_alive()  # renews the claim; a large file takes longer than the publish lease
        if offset >= total:  # every byte confirmed, yet no video in the answer: ask once more
            progress = probe(http, session_url, total, headers)
            if isinstance(progress, dict):
                return progress
            raise PlatformError(
                TRANSIENT, "upload_unfinished", "YouTube has every byte of the video but has "
                "not confirmed the upload yet.", maybe_delivered=True,
            )  # fmt: skip
        source.seek(offset)
        body = _read(source, min(chunk, total - offset))
        last = offset + len(body) - 1
        failed = False
        try:
            response = http.request(
                "PUT", session_url, expect_json=False, allow_redirects=False, data=body,
                headers={**headers, "Content-Length": str(len(body)),
                         "Content-Range": f"bytes {offset}-{last}/{total}"},
            )  # fmt: skip
            progress = _progress(response)
        except PlatformError as exc:
            if exc.kind != TRANSIENT or resumes >= RESUMES_PER_TICK:
                raise
            resumes, failed = resumes + 1, True
            progress = probe(http, session_url, total, headers)
        if isinstance(progress, dict):
            return progress
        if progress <= offset and not failed:  # YouTube kept nothing of a chunk it accepted
            resumes += 1
            if resumes > RESUMES_PER_TICK:
                raise PlatformError(
                    TRANSIENT, "upload_stalled",
                    f"YouTube stopped taking the video at byte {progress} of {total}; the upload "
                    "resumes from there on the next try.", maybe_delivered=True,
                )  # fmt: skip
        offset = progress


def _read(source: IO[bytes], length: int) -> bytes:
    parts, missing = [], length
    while missing:
        part = source.read(missing)
        if not part:
            raise PlatformError(
                TRANSIENT, "media_changed", "The video got shorter while it was being uploaded."
            )
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)
