"""A member reads a question page, votes with htmx, and the page stays accessible."""

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections

from tests.browser.conftest import screenshot
from tests.browser.test_catalog_flow import axe_violations

pytestmark = pytest.mark.browser
BEST = "/d/dermatofibrosarcoma-protuberans/q/best-treatments/"


def in_thread(work: Callable[[], Any]) -> Any:
    """Run ORM work outside the test thread (Playwright's event loop lives there)."""
    result: list[Any] = []

    def run() -> None:
        try:
            result.append(work())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return result[0]


def _two_answers_and_a_voter() -> dict[str, Any]:
    from raremap.accounts.sessions import session_for
    from raremap.catalog.models import Disease
    from raremap.communities.models import Role
    from raremap.questions import services
    from tests.factories import MembershipFactory, UserFactory

    dfsp = Disease.objects.get(primary_code="ORPHA:31112")
    question = services.question_ensure(disease=dfsp, slug="best-treatments")
    answers, users = [], []
    for n, text in enumerate(["Mohs surgery, no recurrence.", "Wide excision, then imatinib."]):
        author = UserFactory(display_name=f"Browser Author {n}")
        MembershipFactory(user=author, disease=dfsp, role=Role.PATIENT)
        users.append(author.pk)
        answers.append(services.answer_create(user=author, question=question, body=text).pk)
    voter = UserFactory(display_name="Browser Voter")
    users.append(voter.pk)
    session_key = session_for(voter)
    return {
        "answers": answers,
        "session": session_key,
        "users": users,
        "disease": dfsp.pk,
    }


def _clean_up(data: dict[str, Any]) -> None:
    from raremap.accounts.models import User
    from raremap.communities.services import role_counts_recompute
    from raremap.questions.models import Question

    Question.objects.filter(answers__pk__in=data["answers"]).delete()
    User.objects.filter(pk__in=data["users"]).delete()
    role_counts_recompute(disease_ids=[data["disease"]])


@pytest.fixture
def voting_member() -> Iterator[dict[str, Any]]:
    """Committed data (the live server reads it), removed afterwards: not a test transaction,
    which would need ORM calls in the test thread, where Playwright's event loop runs."""
    data = in_thread(_two_answers_and_a_voter)
    yield data
    in_thread(lambda: _clean_up(data))


def test_member_votes_without_a_page_reload(site_server: str, browser, voting_member) -> None:  # type: ignore[no-untyped-def]
    data = voting_member
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": data["session"], "url": site_server}])
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(site_server + BEST)
    page.evaluate("window.notReloaded = true")

    box = page.locator(f"#answer-{data['answers'][0]} form.vote")
    box.locator("button.up").click()
    box = page.locator(f"#answer-{data['answers'][0]} form.vote")
    box.locator('button.up[aria-pressed="true"]').wait_for()

    assert box.locator(".score").inner_text() == "1"
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the box in place
    assert violations == []
    screenshot(page, "question-member")
    page.goto(site_server + BEST)  # the vote is stored: it shows after a reload too
    assert page.locator(f"#answer-{data['answers'][0]} .score").inner_text() == "1"
    context.close()


def test_question_page_works_without_javascript_and_is_accessible(
    site_server: str, browser
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(bypass_csp=True)  # only to inject axe
    page = context.new_page()
    page.goto(site_server + BEST)

    assert page.locator("h1").inner_text() == (
        "What are the best treatments for Dermatofibrosarcoma protuberans (DFSP)?"
    )
    assert axe_violations(page) == []
    page.goto(site_server + "/d/dermatofibrosarcoma-protuberans/q/symptoms/")
    assert axe_violations(page) == []
    context.close()


def test_a_form_with_errors_has_no_accessibility_violations(site_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(bypass_csp=True)  # only to inject axe
    page = context.new_page()
    page.goto(site_server + "/accounts/signup/")
    page.fill("#id_email", "not-an-address")
    page.locator("main form button[type=submit]").click()
    page.locator('[role="alert"]').first.wait_for()

    assert axe_violations(page) == []
    context.close()
