"""A bare address in an answer is a link that a phone's narrow screen wraps."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.test_question_flow import BEST, in_thread

pytestmark = pytest.mark.browser
LONG = (
    "https://www.orpha.net/en/disease/detail/31112?name=Dermatofibrosarcoma-protuberans&mode=name"
)


def _answer_with_an_address() -> dict[str, Any]:
    from raremap.catalog.models import Disease
    from raremap.questions import services
    from tests.factories import MembershipFactory, UserFactory

    dfsp = Disease.objects.get(primary_code="ORPHA:31112")
    question = services.question_ensure(disease=dfsp, slug="best-treatments")
    author = UserFactory(display_name="Browser Linker")
    MembershipFactory(user=author, disease=dfsp)
    answer = services.answer_create(user=author, question=question, body=f"Read {LONG} first.")
    return {"answer": answer.pk, "user": author.pk, "disease": dfsp.pk}


def _clean_up(data: dict[str, Any]) -> None:
    from raremap.accounts.models import User
    from raremap.communities.services import role_counts_recompute
    from raremap.questions.models import Question

    Question.objects.filter(answers__pk=data["answer"]).delete()
    User.objects.filter(pk=data["user"]).delete()
    role_counts_recompute(disease_ids=[data["disease"]])


@pytest.fixture
def linked_answer() -> Iterator[dict[str, Any]]:
    data = in_thread(_answer_with_an_address)
    yield data
    in_thread(lambda: _clean_up(data))


def test_a_long_address_in_an_answer_is_a_link_that_wraps(
    site_server: str,
    browser,  # type: ignore[no-untyped-def]
    linked_answer: dict[str, Any],
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{site_server}{BEST}")

    text = page.locator(f"#answer-{linked_answer['answer']} .prose")
    link = text.locator("a")
    href, rel = link.get_attribute("href"), link.get_attribute("rel")
    scroll_width, client_width = text.evaluate("e => [e.scrollWidth, e.clientWidth]")
    context.close()

    assert (href, rel) == (LONG, "nofollow noopener noreferrer ugc")
    assert scroll_width <= client_width  # the address wraps inside the answer
