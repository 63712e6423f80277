"""One error envelope for every API error.

    {"error": {"status": 404, "code": "not_found", "message": "Not found."}}

422 answers add "details": one entry per invalid field. Handlers cover ninja's ValidationError,
HttpError (401, 403, 429 and any we raise), Django's Http404, and anything else as a 500 that
says nothing about the failure. Two errors never reach ninja's handlers — a method the path does
not take (ninja answers 405 in plain text) and a path no route matches (Django's HTML 404) —
so `RareMapAPI.urls` wraps every route and ends with a catch-all.
"""

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.utils.log import log_response
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled, ValidationError

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


def _enveloped(api: NinjaAPI, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn what a route answers outside ninja's handlers into the envelope."""

    @wraps(view)  # keeps csrf_exempt, which ninja sets on its views
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404 as exc:  # ninja's own api-root view raises it
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
            return error_response(self, request, 404, "Not found.")

        patterns.append(re_path(r"^.*$", no_route, name="not-found"))
        return patterns, app_name, namespace
