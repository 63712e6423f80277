"""Questions, answers, a moderator and their clients for the moderation tests."""

import pytest

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.questions.models import Answer, Question
from raremap.questions.services import answer_create, question_propose

ANSWER_BODY = "Mohs surgery **worked** for me."
ANSWER_HTML = "<p>Mohs surgery <strong>worked</strong> for me.</p>"


@pytest.fixture
def answer(question: Question, other_member: User) -> Answer:
    """Brisk Otter's answer on DFSP's "best treatments" question."""
    return answer_create(user=other_member, question=question, body=ANSWER_BODY)


@pytest.fixture
def proposed(dfsp: Disease, other_member: User) -> Question:
    """A question Brisk Otter proposed, waiting for a moderator."""
    return question_propose(
        user=other_member, disease=dfsp, text="Does DFSP come back after surgery"
    )
