"""The JSON API at /api/v1/ (django-ninja): Bearer tokens from `create_api_token`."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer

from accounts.services import api_token_authenticate
from publishing.services import InvalidTransition
from socialdist.api_types import validation_detail
from socialdist.middleware import reject_unstorable_text


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        api_token = api_token_authenticate(raw=token)
        if api_token is None:
            return None
        request.account = api_token.account
        return api_token


api = NinjaAPI(
    title="socialdist API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    docs_url="/docs",
)
# NUL characters and lone surrogates: a 400 naming the field, not a 500 from PostgreSQL.
api.add_decorator(reject_unstorable_text)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=400)


@api.exception_handler(SchemaValidationError)
def schema_validation_error(request, exc: SchemaValidationError):
    """Input that does not fit the schema: 422 with {field: [messages]}, like our own 400s."""
    return api.create_response(request, {"detail": validation_detail(exc.errors)}, status=422)


@api.exception_handler(InvalidTransition)
def invalid_transition(request, exc: InvalidTransition):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc)}, status=403)


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    return api.create_response(
        request,
        {"detail": "Send 'Authorization: Bearer <token>' with a token from create_api_token."},
        status=401,
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)


api.add_router("/", "channels.api.router")
api.add_router("/", "publishing.api.router")
api.add_router("/", "library.api.router")
api.add_router("/", "scheduling.api.router")
api.add_router("/", "analytics.api.router")
