"""One error envelope for every API error.

    {"error": {"status": 404, "code": "not_found", "message": "Not found."}}

422 answers add "details": one entry per invalid field. Handlers cover ninja's ValidationError,
HttpError (401, 403, 429 and any we raise), Django's Http404, a body over
DATA_UPLOAD_MAX_MEMORY_SIZE (413) and other requests Django finds suspicious (400), and anything
else as a 500 that says nothing about the failure. Some errors never reach ninja's handlers — a
method the path does not take (ninja answers 405 in plain text), a path no route matches
(Django's HTML 404) — so `RareMapAPI.urls` wraps every route and ends with a catch-all, and
raremap.urls sends every other path under /api/ to `not_found` and the site's error handlers
to the ones here (`handler400`…), which answer in the envelope under /api/.

Input with control characters (NUL, ESC, line breaks…; a JSON body's texts may have tabs and
line breaks) or unpaired surrogates is refused with 422 before the operation runs, in the
query, the path and a JSON body alike: no database stores NUL, and the forms refuse it too.
"""

import json
import unicodedata
from collections.abc import Callable, Iterator
from functools import partial, wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.utils.log import log_response
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import bad_request
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled, ValidationError

from raremap.core.views import page_not_found, server_error

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "throttled",
    500: "server_error",
}


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    message: str,
    *,
    details: list[dict[str, str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "status": status,
        "code": CODES.get(status, "error"),
        "message": message,
    }
    if details is not None:
        body["details"] = details
    return api.create_response(request, {"error": body}, status=status)


def _validation_error(api: NinjaAPI, request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {
            "location": str(error["loc"][0]) if error.get("loc") else "",
            "field": ".".join(str(part) for part in error.get("loc", ())[1:]),
            "message": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    return error_response(
        api, request, 422, "The request is not valid: see details.", details=details
    )


def _http_error(api: NinjaAPI, request: HttpRequest, exc: HttpError) -> HttpResponse:
    # HttpError messages are our own (or ninja's auth and throttle texts): safe to show.
    response = error_response(api, request, exc.status_code, str(exc))
    if isinstance(exc, Throttled) and exc.wait:
        response["Retry-After"] = str(exc.wait)
    return response


def _not_found(api: NinjaAPI, request: HttpRequest, exc: Http404) -> HttpResponse:
    # Never the exception's text: it can name models or lookups.
    return error_response(api, request, 404, "Not found.")


def _too_large(api: NinjaAPI, request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(
        api, request, 413, f"The request body is too large: at most {limit} bytes."
    )


def _bad_request(api: NinjaAPI, request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return error_response(api, request, 400, "Bad request.")


def _server_error(api: NinjaAPI, request: HttpRequest, exc: Exception) -> HttpResponse:
    # Reported as Django reports an uncaught exception (signal for error trackers, the
    # django.request log with the traceback), but nothing of it goes to the client.
    got_request_exception.send(sender=None, request=request)
    response = error_response(api, request, 500, "Internal server error.")
    log_response(
        "%s: %s",
        "Internal Server Error",
        request.path,
        response=response,
        request=request,
        exception=exc,
    )
    return response


def _method_not_allowed(
    api: NinjaAPI, request: HttpRequest, allowed: HttpResponseNotAllowed
) -> HttpResponse:
    methods = allowed["Allow"]
    response = error_response(api, request, 405, f"Method not allowed; use {methods}.")
    response["Allow"] = methods
    return response


# --- control characters ------------------------------------------------------------------------

_ALLOWED_CONTROLS = frozenset("\t\n\r")
CONTROL_MESSAGE = "Control characters are not allowed."


def _refused(text: str, allowed: frozenset[str] = frozenset()) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cs") and char not in allowed for char in text)


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a parsed JSON value (keys too), with where it is ("answer.body")."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key)
            yield from _strings(item, where)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _strings(item, f"{path}.{number}" if path else str(number))


def _controls(request: HttpRequest, kwargs: dict[str, Any]) -> list[dict[str, str]]:
    """One 422 detail for each query parameter, path parameter and JSON body string with a
    character that no field accepts."""
    found = [
        ("query", key)
        for key, values in request.GET.lists()
        if _refused(key) or any(_refused(value) for value in values)
    ]
    found += [
        ("path", name)
        for name, value in kwargs.items()
        if isinstance(value, str) and _refused(value)
    ]
    if request.content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:  # ninja answers 400 for a body that is not JSON
            body = None
        found += [
            ("body", where)
            for where, text in _strings(body)
            if _refused(text, _ALLOWED_CONTROLS)  # a text may have lines and tabs
        ]
    return [_control_detail(location, field) for location, field in found]


def _control_detail(location: str, field: str) -> dict[str, str]:
    return {
        "location": location,
        "field": field,
        "message": CONTROL_MESSAGE,
        "type": "control_character",
    }


def _enveloped(api: NinjaAPI, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn what a route answers outside ninja's handlers into the envelope, and refuse input
    with control characters before the operation sees it."""

    @wraps(view)  # keeps csrf_exempt, which ninja sets on its views
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            details = _controls(request, kwargs)
            if details:
                return error_response(
                    api, request, 422, "The request is not valid: see details.", details=details
                )
            response = view(request, *args, **kwargs)
        except (Http404, SuspiciousOperation) as exc:  # ninja's api-root view; a huge body
            return api.on_exception(request, exc)
        if isinstance(response, HttpResponseNotAllowed):
            return _method_not_allowed(api, request, response)
        return response

    return wrapper


class RareMapAPI(NinjaAPI):
    """A NinjaAPI whose every error, from any route or none, answers in the envelope."""

    def set_default_exception_handlers(self) -> None:
        handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
            (ValidationError, _validation_error),
            (HttpError, _http_error),
            (Http404, _not_found),
            (RequestDataTooBig, _too_large),
            (SuspiciousOperation, _bad_request),
            (Exception, _server_error),
        ]
        for exc_class, handler in handlers:
            self.add_exception_handler(exc_class, partial(handler, self))

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _enveloped(self, pattern.callback)

        @csrf_exempt  # like ninja's routes: a POST to a wrong path is a 404, not a CSRF failure
        def no_route(request: HttpRequest) -> HttpResponse:
            if _refused(request.path_info):  # no route takes them, but the input is the fault
                details = [_control_detail("path", "")]
                return error_response(
                    self, request, 422, "The request is not valid: see details.", details=details
                )
            return error_response(self, request, 404, "Not found.")

        # [\s\S], not ".": a path may hold a line break
        patterns.append(re_path(r"^[\s\S]*\Z", no_route, name="not-found"))
        return patterns, app_name, namespace

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """The document, with the errors every operation may answer: 422 (any input may hold
        a control character) and, where there is a body, 413."""
        schema = super().get_openapi_schema(**kwargs)
        error = {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.setdefault(422, {"description": "The request is not valid.", **error})
                if "requestBody" in operation:
                    responses.setdefault(413, {"description": "The body is too large.", **error})
        return schema


# --- outside the API's routes: every other path under /api/, and the site's error handlers ---


def _is_api(request: HttpRequest) -> bool:
    return request.path_info == "/api" or request.path_info.startswith("/api/")


def _outside(status: int, message: str) -> HttpResponse:
    """The envelope, answered outside the API's routes (as ninja's JSON renderer writes it)."""
    body = {"error": {"status": status, "code": CODES.get(status, "error"), "message": message}}
    return HttpResponse(
        json.dumps(body), status=status, content_type="application/json; charset=utf-8"
    )


@csrf_exempt  # a POST to a wrong path is a 404, not a CSRF failure
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """A path under /api/ that is not the API's (another version, a typo)."""
    return _outside(404, "Not found.")


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _outside(400, "Bad request.")
    return bad_request(request, exception)  # type: ignore[arg-type]


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _outside(404, "Not found.")
    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _outside(500, "Internal server error.")
    return server_error(request)
