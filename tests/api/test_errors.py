"""Every API error answers in one envelope: {"error": {"status", "code", "message", "details"?}}."""

import json
import logging

import pytest
from django.http import Http404
from django.test import Client, RequestFactory
from ninja.errors import AuthenticationError, HttpError, Throttled

from raremap.api.urls import api

SEARCH_URL = "/api/v1/diseases/search"
DFSP_URL = "/api/v1/diseases/dermatofibrosarcoma-protuberans"
NOT_FOUND = {"error": {"status": 404, "code": "not_found", "message": "Not found."}}


def invalid(*details: tuple[str, str, str]) -> dict:
    return {
        "error": {
            "status": 422,
            "code": "invalid",
            "message": "The request is not valid: see details.",
            "details": [
                {"location": "query", "field": field, "message": message, "type": kind}
                for field, message, kind in details
            ],
        }
    }


# --- 422 ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["", "   "])
def test_empty_query_is_invalid(client: Client, q: str) -> None:
    response = client.get(SEARCH_URL, {"q": q})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == invalid(
        ("q", "String should have at least 1 character", "string_too_short")
    )


@pytest.mark.django_db
def test_missing_query_is_invalid(client: Client) -> None:
    response = client.get(SEARCH_URL)

    assert response.status_code == 422
    assert response.json() == invalid(("q", "Field required", "missing"))


@pytest.mark.django_db
def test_too_long_query_is_invalid(client: Client) -> None:
    response = client.get(SEARCH_URL, {"q": "a" * 201})

    assert response.status_code == 422
    assert response.json() == invalid(
        ("q", "String should have at most 200 characters", "string_too_long")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "detail"),
    [
        (
            {"limit": "0"},
            ("limit", "Input should be greater than or equal to 1", "greater_than_equal"),
        ),
        ({"limit": "51"}, ("limit", "Input should be less than or equal to 50", "less_than_equal")),
        (
            {"limit": "ten"},
            (
                "limit",
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            ),
        ),
        (
            {"offset": "-1"},
            ("offset", "Input should be greater than or equal to 0", "greater_than_equal"),
        ),
        (
            {"offset": "10001"},
            ("offset", "Input should be less than or equal to 10000", "less_than_equal"),
        ),
    ],
)
def test_paging_out_of_range_is_invalid(
    client: Client, params: dict[str, str], detail: tuple[str, str, str]
) -> None:
    response = client.get(SEARCH_URL, {"q": "dfsp", **params})

    assert response.status_code == 422
    assert response.json() == invalid(detail)


@pytest.mark.django_db
def test_every_invalid_field_is_listed(client: Client) -> None:
    response = client.get(SEARCH_URL, {"q": "", "limit": "99"})

    assert response.json() == invalid(
        ("q", "String should have at least 1 character", "string_too_short"),
        ("limit", "Input should be less than or equal to 50", "less_than_equal"),
    )


@pytest.mark.django_db
def test_errors_are_not_cached(client: Client) -> None:
    response = client.get(SEARCH_URL, {"q": ""})

    assert not response.has_header("Cache-Control")
    assert not getattr(response, "cache_for_anonymous", False)


# --- 404 ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/diseases/no-such-disease",
        "/api/v1/diseases/not a slug",
        "/api/v1/diseases/",
        "/api/v1/no/such/route",
        "/api/v1/",
    ],
)
def test_unknown_resource_is_404(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == NOT_FOUND


@pytest.mark.django_db
def test_post_to_unknown_route_is_404_not_a_csrf_failure() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/api/v1/no/such/route", {"a": "b"})

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.django_db
def test_docs_page_loads_only_our_own_files(client: Client) -> None:
    response = client.get("/api/v1/docs")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "validatorUrl" in html


# --- 405 ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "head"])
@pytest.mark.parametrize("path", [SEARCH_URL, DFSP_URL])
def test_unlisted_method_is_405(client: Client, method: str, path: str) -> None:
    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    if method != "head":  # a HEAD answer has no body
        assert response.json() == {
            "error": {
                "status": 405,
                "code": "method_not_allowed",
                "message": "Method not allowed; use GET.",
            }
        }


@pytest.mark.django_db
def test_post_with_csrf_checks_is_still_405() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(SEARCH_URL, {"q": "dfsp"})

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


# --- handlers for errors no read endpoint raises yet ------------------------------------------


@pytest.fixture
def api_request(rf: RequestFactory):  # type: ignore[no-untyped-def]
    return rf.get(SEARCH_URL)


def test_throttled_is_429_with_retry_after(api_request) -> None:  # type: ignore[no-untyped-def]
    response = api.on_exception(api_request, Throttled(wait=30))

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert json.loads(response.content) == {
        "error": {"status": 429, "code": "throttled", "message": "Too many requests."}
    }


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (AuthenticationError(), (401, "unauthorized", "Unauthorized")),
        (
            HttpError(403, "Only moderators may do this."),
            (403, "forbidden", "Only moderators may do this."),
        ),
        (HttpError(409, "Already voted."), (409, "conflict", "Already voted.")),
        (HttpError(418, "Teapot."), (418, "error", "Teapot.")),
    ],
)
def test_http_errors_keep_their_status_and_message(
    api_request, exc: HttpError, expected: tuple[int, str, str]
) -> None:  # type: ignore[no-untyped-def]
    response = api.on_exception(api_request, exc)

    status, code, message = expected
    assert response.status_code == status
    assert json.loads(response.content) == {
        "error": {"status": status, "code": code, "message": message}
    }


def test_http404_text_is_not_shown(api_request) -> None:  # type: ignore[no-untyped-def]
    response = api.on_exception(api_request, Http404("No Disease matches the given query."))

    assert (response.status_code, json.loads(response.content)) == (404, NOT_FOUND)


def test_unexpected_error_is_500_without_internals(
    api_request, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.ERROR, logger="django.request"):
        try:
            raise RuntimeError("connection to db.internal:5432 failed, password=hunter2")
        except RuntimeError as exc:
            response = api.on_exception(api_request, exc)

    assert response.status_code == 500
    assert json.loads(response.content) == {
        "error": {"status": 500, "code": "server_error", "message": "Internal server error."}
    }
    assert b"hunter2" not in response.content
    assert b"RuntimeError" not in response.content
    # Reported to the server log with its traceback, once.
    [record] = caplog.records
    assert record.getMessage() == f"Internal Server Error: {SEARCH_URL}"
    assert record.exc_info is not None
    assert response._has_been_logged  # type: ignore[attr-defined]


# --- errors outside the operations: a huge body, a path beside the API, control characters --


@pytest.fixture
def bearer(db: None) -> dict[str, str]:
    from raremap.accounts.services import token_create
    from tests.factories import UserFactory

    _token, secret = token_create(user=UserFactory(), name="tests")
    return {"Authorization": f"Bearer {secret}"}


def invalid_controls(*where: tuple[str, str]) -> dict:
    return {
        "error": {
            "status": 422,
            "code": "invalid",
            "message": "The request is not valid: see details.",
            "details": [
                {
                    "location": location,
                    "field": field,
                    "message": "Control characters are not allowed.",
                    "type": "control_character",
                }
                for location, field in where
            ],
        }
    }


def test_a_body_over_the_limit_is_413(client: Client, bearer: dict[str, str], settings) -> None:  # type: ignore[no-untyped-def]
    body = '{"value": 1, "padding": "' + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}'

    response = client.post(
        "/api/v1/answers/1/vote", body, content_type="application/json", headers=bearer
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "error": {
            "status": 413,
            "code": "too_large",
            "message": "The request body is too large: at most 1048576 bytes.",
        }
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api", "/api/", "/api/v2/diseases", "/api/v1x/", "/api/docs"])
def test_a_path_beside_the_api_is_a_json_404(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == NOT_FOUND


@pytest.mark.django_db
def test_a_post_beside_the_api_is_404_not_a_csrf_failure() -> None:
    response = Client(enforce_csrf_checks=True).post("/api/v2/answers", {"a": "b"})

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.django_db
@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_the_query_are_422(client: Client, char: str) -> None:
    response = client.get(SEARCH_URL, {"q": f"dfsp{char}"})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == invalid_controls(("query", "q"))


@pytest.mark.django_db
def test_a_control_character_in_the_path_is_422(client: Client) -> None:
    slug = client.get("/api/v1/diseases/dfsp%00")  # no route takes it: the path as a whole
    named = client.get("/api/v1/conversations/abc%1b/messages")  # takes any character

    assert slug.json() == invalid_controls(("path", ""))
    assert named.json() == invalid_controls(("path", "public_id"))


def test_control_characters_in_a_json_body_are_422(client: Client, bearer: dict[str, str]) -> None:
    body = (
        '{"reason": "spam\\u0000", "note": "line one\\nline two\\ttab", "answer_id": 1,'
        ' "x\\u0007": 2}'
    )

    response = client.post("/api/v1/reports", body, content_type="application/json", headers=bearer)

    assert response.json() == invalid_controls(("body", "reason"), ("body", "x\x07"))


def test_an_unpaired_surrogate_in_a_json_body_is_422(
    client: Client, bearer: dict[str, str]
) -> None:
    body = '{"value": 1, "note": "\\ud800"}'

    response = client.post(
        "/api/v1/answers/1/vote", body, content_type="application/json", headers=bearer
    )

    assert response.json() == invalid_controls(("body", "note"))


def test_site_error_handlers_answer_json_under_api(rf: RequestFactory) -> None:
    from raremap.api import errors

    bad = errors.handler400(rf.get("/api/v1/diseases/search"), None)
    failed = errors.handler500(rf.get("/api/v1/diseases/search"))
    page = errors.handler500(rf.get("/about/"))

    assert (bad.status_code, json.loads(bad.content)["error"]["code"]) == (400, "bad_request")
    assert (failed.status_code, json.loads(failed.content)["error"]["code"]) == (
        500,
        "server_error",
    )
    assert (page.status_code, page["Content-Type"]) == (500, "text/html; charset=utf-8")


@pytest.mark.django_db
def test_every_operation_documents_422_and_every_body_413(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()

    operations = [op for ops in document["paths"].values() for op in ops.values()]
    assert all("422" in op["responses"] for op in operations)
    assert all("413" in op["responses"] for op in operations if "requestBody" in op)
    assert any("requestBody" in op for op in operations)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/diseases/a%0Ab/questions", 422),  # a line break in a path parameter
        ("/api/v1/no%0Asuch/route", 422),
        ("/api/v2/no%0Asuch/route", 404),
    ],
)
def test_a_line_break_in_the_path_answers_json(client: Client, path: str, status: int) -> None:
    """Found by schemathesis: "." in a URL pattern does not match a line break, so such paths
    fell through to the site's HTML 404 page."""
    response = client.get(path)

    assert (response.status_code, response["Content-Type"]) == (
        status,
        "application/json; charset=utf-8",
    )


def test_a_line_break_in_a_json_text_is_fine_but_not_in_the_query(
    client: Client, bearer: dict[str, str]
) -> None:
    body = '{"value": 1, "note": "line one\\nline two"}'
    in_body = client.post(
        "/api/v1/answers/1/vote", body, content_type="application/json", headers=bearer
    )
    in_query = client.get(SEARCH_URL, {"q": "dfsp\nx"})

    assert in_body.status_code == 404  # no such answer: the body itself was accepted
    assert in_query.json() == invalid_controls(("query", "q"))
