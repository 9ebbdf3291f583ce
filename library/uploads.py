"""Upload limits enforced while the body streams in, not after it has all arrived.

Django buffers uploaded files to memory or disk before a view sees them; this handler sits first in
FILE_UPLOAD_HANDLERS and stops a file (or the whole request) as soon as it passes its limit, so an
oversized upload never fills the disk. The view reads `upload_errors(request)` and shows them on the
form, naming the file and the limit.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat


def _mb(size: int) -> str:
    return str(filesizeformat(size)).replace("\xa0", " ")


def upload_errors(request: HttpRequest) -> list[str]:
    return list(getattr(request, "_upload_errors", []))


class BoundedUploadHandler(FileUploadHandler):
    """Per-file and per-request caps (UPLOAD_MAX_FILE_BYTES, UPLOAD_MAX_REQUEST_BYTES)."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.max_file = settings.UPLOAD_MAX_FILE_BYTES
        self.max_request = settings.UPLOAD_MAX_REQUEST_BYTES
        self.request_bytes = 0
        self.file_bytes = 0
        self.declared_too_big = False

    def _error(self, message: str) -> None:
        if self.request is not None:
            errors = getattr(self.request, "_upload_errors", [])
            errors.append(message)
            self.request._upload_errors = errors

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.declared_too_big = bool(content_length and content_length > self.max_request)
        if self.declared_too_big:
            self._error(
                f"The upload is {_mb(content_length)}; at most {_mb(self.max_request)} "
                "can be sent at once. Upload fewer or smaller files."
            )
        return None

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.declared_too_big:
            raise StopUpload(connection_reset=True)  # read no more of a body declared too big
        self.file_bytes += len(raw_data)
        self.request_bytes += len(raw_data)
        if self.request_bytes > self.max_request:
            self._error(
                f"The upload passed {_mb(self.max_request)} at {self.file_name}; at most "
                f"{_mb(self.max_request)} can be sent at once. Upload fewer or smaller files."
            )
            raise StopUpload(connection_reset=False)
        if self.file_bytes > self.max_file:
            self._error(
                f"{self.file_name} is larger than {_mb(self.max_file)}, the limit per file."
            )
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file
