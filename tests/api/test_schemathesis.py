"""Schemathesis against the OpenAPI document: generated requests to every operation, with a
token, answer as the document says — no 5xx, a documented status, the documented content type
and a body that matches its schema (errors included).

The requests go through the WSGI application in this process (no server), against the test
database with the real catalog, a disease with a question and an answer, and a member with a
token. The number of examples per operation is bounded so that the run takes well under a
minute; `derandomize` makes it the same run every time.
"""

import json
from collections.abc import Callable, Iterable

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from raremap.accounts.models import User
from raremap.accounts.services import token_create
from raremap.catalog.models import Disease
from raremap.questions.services import answer_create, question_ensure
from tests.factories import MembershipFactory

EXAMPLES = 25  # per operation (26 operations): about 11 s of calls in all
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def bearer(dfsp: Disease, member: User, other_member: User) -> dict[str, str]:
    MembershipFactory(user=member, disease=dfsp)
    MembershipFactory(user=other_member, disease=dfsp)
    question = question_ensure(disease=dfsp, slug="best-treatments")
    answer_create(user=other_member, question=question, body="Mohs surgery worked for me.")
    _token, secret = token_create(user=member, name="schemathesis")
    return {"Authorization": f"Bearer {secret}"}


def _document() -> dict:
    """The OpenAPI document as the API serves it (JSON keys, like a client reads them)."""
    from raremap.api.urls import api

    return json.loads(json.dumps(api.get_openapi_schema()))


class _Application:
    """The site's WSGI application, made at the first request (after the test settings)."""

    handler: WSGIHandler | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.handler is None:
            self.handler = WSGIHandler()
        # As Django's test client does: a request must not close the test's database
        # connection (it holds the test's transaction; on PostgreSQL closing it ends the test).
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            body = list(response)
            response.close()  # sends request_finished, as a server does
            return body
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)


# Loaded when the tests are collected, so that each operation is a test of its own.
schema = schemathesis.openapi.from_dict(_document())
schema.app = _Application()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_document_says(case, bearer: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers=bearer, checks=CHECKS)
