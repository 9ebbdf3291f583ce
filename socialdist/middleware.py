"""Refuse text PostgreSQL cannot store before any view sees it.

A NUL character (PostgreSQL text cannot hold one) or a lone surrogate (not valid UTF-8) in the
path, the query string, a form field or a JSON string would otherwise fail deep inside a query
with a 500. One check covers every HTML view and callback (the middleware) and every API
operation (the django-ninja decorator), with a 400 that names the field.
"""

import json
from collections.abc import Callable, Iterator
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError

from socialdist.validators import text_problem

API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _json_strings(value, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, string) for every key and string value of a parsed JSON document."""
    if isinstance(value, str):
        yield path or "body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            yield from _json_strings(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{path}[{index}]")


def _request_strings(request: HttpRequest) -> Iterator[tuple[str, str]]:
    yield "path", request.path
    for key, values in request.GET.lists():
        yield key, key
        for value in values:
            yield key, value
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in FORM_TYPES:
        for key, values in request.POST.lists():
            yield key, key
            for value in values:
                yield key, value
        for key, files in request.FILES.lists():
            for upload in files:
                yield key, upload.name or ""
    elif content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body)
        except ValueError:
            return  # not JSON at all: the view answers that itself
        yield from _json_strings(document)


def _printable(name: str) -> str:
    """A field name safe to echo back, even when the name itself is the problem."""
    return name.encode("utf-8", "replace").decode().replace("\x00", "?")


def unstorable_text(request: HttpRequest) -> str | None:
    """The first field of the request PostgreSQL could not store, as a message naming it."""
    try:
        for field, value in _request_strings(request):
            problem = text_problem(value)
            if problem:
                return f"{_printable(field[:100])}: {problem}"
    except MultiPartParserError:
        return "The form data is malformed; send the form again."
    return None


class RejectUnstorableTextMiddleware:
    """For the HTML views; the JSON API runs the same check itself (socialdist/api.py), after
    its routing and auth, so an unknown method still gets 405 and a missing token 401."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            problem = unstorable_text(request)
            if problem:
                return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def reject_unstorable_text(view):
    """A django-ninja operation decorator: 400 {"detail": "<field>: …"} before the view runs."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        problem = unstorable_text(request)
        if problem:
            return JsonResponse({"detail": problem}, status=400)
        return view(request, *args, **kwargs)

    return checked
