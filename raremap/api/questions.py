"""Question and answer endpoints.

Reads are public and cacheable for anonymous visitors; they show only published questions and
answers (a hidden, removed or deleted answer is a 404 and absent from every list) and never
create rows: a standard question nobody has written to yet is shown from
raremap.questions.standard. Writes take a token (raremap.api.auth), are throttled per member
and call the same services as the pages; a service's ValidationError answers 400 with its
message.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as WithStatus  # questions.models has its own Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError, Throttled

from raremap.accounts.models import User
from raremap.api.auth import token_auth
from raremap.api.decorators import public_read
from raremap.api.schemas import (
    AnswerDetailOut,
    AnswerIn,
    AnswerOut,
    AnswerPageOut,
    AnswerPageParams,
    ErrorOut,
    QuestionListOut,
    QuestionOut,
    ReportIn,
    ReportOut,
    VoteIn,
    VoteOut,
)
from raremap.catalog.selectors import disease_get
from raremap.communities.selectors import membership_get
from raremap.core.throttle import Limit, throttle_hit
from raremap.questions import selectors, services
from raremap.questions.models import Answer, Question, Status
from raremap.questions.permissions import can_answer, can_change_answer

router = Router(tags=["questions"])

# Per member, shared with the pages when they use the same scopes (the key is the member's).
ANSWER_POST = Limit("answer-post", 20, 60 * 60)
ANSWER_CHANGE = Limit("answer-change", 60, 60 * 60)
VOTE = Limit("vote", 120, 60 * 60)
REPORT = Limit("report", 20, 60 * 60)

QUESTION_PATH = "/diseases/{slug:slug}/questions/{slug:qslug}"
WRITE_ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 404, 422, 429), ErrorOut)


# --- helpers --------------------------------------------------------------------------------


def _throttle(limit: Limit, user: User) -> None:
    retry = throttle_hit(limit, f"user:{user.pk}")
    if retry:
        raise Throttled(wait=retry)


@contextmanager
def _service_errors() -> Iterator[None]:
    """A service's ValidationError (empty answer, too many links, own vote…) answers 400."""
    try:
        yield
    except ValidationError as exc:
        raise HttpError(400, " ".join(str(m) for m in exc.messages)) from None


def _answer_out(answer: Answer) -> dict[str, Any]:
    return {
        "id": answer.pk,
        "body_html": answer.body_html,
        "author": {
            "display_name": answer.author.display_name,
            "role": answer.author_role,  # type: ignore[attr-defined]
            "reputation": answer.author.reputation,
        },
        "score": answer.score,
        "created_at": answer.created_at,
        "edited_at": answer.edited_at,
        "is_demo": answer.is_demo,
    }


# --- reads ----------------------------------------------------------------------------------


@router.get(
    "/diseases/{slug:slug}/questions",
    response={200: QuestionListOut, 404: ErrorOut},
    operation_id="question_list",
    url_name="question-list",
    summary="List a disease's questions",
)
@decorate_view(public_read)
def question_list(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The standard questions, then the published proposed ones, with their answer counts."""
    disease = disease_get(slug)
    results = [
        {"slug": q.slug, "title": q.title, "standard": q.standard, "answer_count": q.answer_count}
        for q in selectors.question_list(disease)
    ]
    return {"disease": disease.slug, "results": results}


@router.get(
    QUESTION_PATH,
    response={200: QuestionOut, 404: ErrorOut},
    operation_id="question_get",
    url_name="question-detail",
    summary="Get a question",
)
@decorate_view(public_read)
def question_get(request: HttpRequest, slug: str, qslug: str) -> dict[str, Any]:
    """A question with its editor section (the newest version) and what members say."""
    disease = disease_get(slug)
    question = selectors.question_get(disease, qslug)
    overview = selectors.overview_current(question)
    digest = [
        {"answer_id": item.answer_id, "rank": item.rank, "similar": item.similar}
        for item in selectors.digest_list(question)
    ]
    return {
        "id": question.pk,
        "disease": disease.slug,
        "slug": question.slug,
        "title": question.title,
        "standard": question.standard is not None,
        "answer_count": question.answer_count,
        "overview": overview
        and {
            "number": overview.number,
            "body_html": overview.body_html,
            "sources_html": overview.sources_html or None,
            "created_at": overview.created_at,
            "reviewed_at": overview.reviewed_at,
            "is_demo": overview.is_demo,
        },
        "digest": digest,
    }


@router.get(
    f"{QUESTION_PATH}/answers",
    response={200: AnswerPageOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="answer_list",
    url_name="answer-list",
    summary="List a question's answers",
)
@decorate_view(public_read)
def answer_list(
    request: HttpRequest, slug: str, qslug: str, params: Query[AnswerPageParams]
) -> dict[str, Any]:
    """One page of the published answers, highest score or newest first."""
    disease = disease_get(slug)
    question = selectors.question_get(disease, qslug)
    page = selectors.answer_page(question, sort=params.sort, number=params.page)
    answers = page.answers if page.number == params.page else []  # past the last page: empty
    next_url = None
    if page.has_next and answers:
        next_url = f"{request.path}?{urlencode({'sort': params.sort, 'page': params.page + 1})}"
    return {
        "sort": params.sort,
        "page": params.page,
        "per_page": selectors.ANSWERS_PER_PAGE,
        "total": question.answer_count,
        "next": next_url,
        "results": [_answer_out(a) for a in answers],
    }


@router.get(
    "/answers/{int:answer_id}",
    response={200: AnswerDetailOut, 404: ErrorOut},
    operation_id="answer_get",
    url_name="answer-detail",
    summary="Get an answer",
)
@decorate_view(public_read)
def answer_get(request: HttpRequest, answer_id: int) -> dict[str, Any]:
    """A published answer, with the slugs of its disease and question."""
    answer = selectors.answer_get_published(answer_id)
    return {
        **_answer_out(answer),
        "disease": answer.question.disease.slug,
        "question": answer.question.slug,
    }


# --- writes (token) -------------------------------------------------------------------------


@router.post(
    f"{QUESTION_PATH}/answers",
    auth=token_auth,
    response={201: AnswerOut, 403: ErrorOut, **WRITE_ERRORS},
    operation_id="answer_create",
    url_name="answer-create",
    summary="Answer a question",
)
def answer_create(
    request: HttpRequest, slug: str, qslug: str, data: AnswerIn
) -> WithStatus[dict[str, Any]]:
    """Members of the disease's community answer; a standard question gets its row now."""
    user: User = request.auth  # type: ignore[attr-defined]
    _throttle(ANSWER_POST, user)
    disease = disease_get(slug)
    selectors.question_get(disease, qslug)  # 404 before anything is written
    membership = membership_get(user, disease)
    if membership is None or not can_answer(user, membership):
        raise HttpError(
            403,
            _("Only members of this disease's community can answer its questions: join it first."),
        )
    # One transaction: an answer the service refuses leaves no question row behind.
    with _service_errors(), transaction.atomic():
        question = services.question_ensure(disease=disease, slug=qslug)
        answer = services.answer_create(user=user, question=question, body=data.body)
    answer.author_role = membership.role  # type: ignore[attr-defined]
    return WithStatus(201, _answer_out(answer))


def _own_answer(user: User, answer_id: int) -> Answer:
    """The member's own published answer; anyone else's (or none) is a 404."""
    answer = selectors.answer_get_published(answer_id)
    if not can_change_answer(user, answer):
        raise Http404("No such answer")
    return answer


@router.patch(
    "/answers/{int:answer_id}",
    auth=token_auth,
    response={200: AnswerOut, **WRITE_ERRORS},
    operation_id="answer_update",
    url_name="answer-update",
    summary="Edit your answer",
)
def answer_update(request: HttpRequest, answer_id: int, data: AnswerIn) -> dict[str, Any]:
    """The author changes the text; the earlier text is kept as a revision."""
    user: User = request.auth  # type: ignore[attr-defined]
    _throttle(ANSWER_CHANGE, user)
    answer = _own_answer(user, answer_id)
    with _service_errors():
        answer = services.answer_update(answer=answer, body=data.body)
    return _answer_out(answer)


@router.delete(
    "/answers/{int:answer_id}",
    auth=token_auth,
    response={204: None, **WRITE_ERRORS},
    operation_id="answer_delete",
    url_name="answer-delete",
    summary="Delete your answer",
)
def answer_delete(request: HttpRequest, answer_id: int) -> WithStatus[None]:
    """The author withdraws the answer: it disappears everywhere."""
    user: User = request.auth  # type: ignore[attr-defined]
    _throttle(ANSWER_CHANGE, user)
    services.answer_delete(answer=_own_answer(user, answer_id))
    return WithStatus(204, None)


@router.post(
    "/answers/{int:answer_id}/vote",
    auth=token_auth,
    response={200: VoteOut, **WRITE_ERRORS},
    operation_id="answer_vote",
    url_name="answer-vote",
    summary="Vote on an answer",
)
def answer_vote(request: HttpRequest, answer_id: int, data: VoteIn) -> dict[str, Any]:
    """+1 or -1 on someone else's answer, or 0 to withdraw the vote."""
    user: User = request.auth  # type: ignore[attr-defined]
    _throttle(VOTE, user)
    answer = selectors.answer_to_vote_on(answer_id)
    with _service_errors():
        answer = services.vote_cast(user=user, answer=answer, value=data.value)
    return {"answer_id": answer.pk, "score": answer.score, "vote": data.value}


@router.post(
    "/reports",
    auth=token_auth,
    response={202: ReportOut, **WRITE_ERRORS},
    operation_id="report_create",
    url_name="report-create",
    summary="Report an answer or a question",
)
def report_create(request: HttpRequest, data: ReportIn) -> WithStatus[dict[str, bool]]:
    """Tell the moderators about an answer or a question (a published one: others are 404)."""
    user: User = request.auth  # type: ignore[attr-defined]
    _throttle(REPORT, user)
    answer = question = None
    if data.answer_id is not None:
        answer = selectors.answer_get_published(data.answer_id)
    else:
        question_id = cast(int, data.question_id)  # ReportIn holds exactly one of the two ids
        question = Question.objects.filter(pk=question_id, status=Status.PUBLISHED).first()
        if question is None:
            raise Http404("No such question")
    # Imported when used: moderation's services were written alongside this module, and the
    # rest of the API (and its OpenAPI document) must not depend on them to load.
    from raremap.moderation.services import report_submit

    with _service_errors():
        report_submit(
            reporter=user,
            reason=data.reason,
            details=data.details,
            answer=answer,
            question=question,
        )
    return WithStatus(202, {"received": True})
