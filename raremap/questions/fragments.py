"""The question page, rendered once per question version and kept in the cache
(raremap.core.shell).

Rendering thirty answers is most of a question page's time (docs/architecture.md), and it is
the same for everyone but for a few regions: the viewer's vote box and own-answer links, the
follow form, the answer form, the overview's edit link and the join button. The page is
rendered as an anonymous visitor sees it and completed per request by `member_fillers` (a
dictionary look-up per answer). The key holds Question.changed_at, which every service that
changes an answer, a vote or a status bumps, so a stale page is never served; member counts,
names and reputation points may lag KEPT_SECONDS.
"""

from dataclasses import dataclass
from functools import cache

from django.core.cache import cache as django_cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language, gettext, override

from raremap.catalog.models import Disease
from raremap.communities.models import Membership
from raremap.communities.selectors import membership_role_counts
from raremap.core.shell import KEPT_SECONDS, Filler, KeptPage, Viewer, keep, render_kept
from raremap.questions import permissions, selectors
from raremap.questions.forms import AnswerForm
from raremap.questions.models import Question


@dataclass(frozen=True)
class QuestionPart:
    """The overview answer and the side column, rendered (same for every viewer)."""

    main_html: str  # with <!--overview-edit:…--> markers
    aside_html: str  # with a <!--join--> marker
    demo: bool  # demo members are counted or the editor text is demo


def question_part(question: Question, *, symptoms_html: str) -> QuestionPart:
    """The overview (editor text, data sections, digest), member counts and top questions of
    a question page, from the cache when current. Counts and the other questions' answer
    numbers may lag KEPT_SECONDS behind."""
    language = get_language()
    version = question.changed_at.timestamp() if question.pk else 0
    key = f"questions:part:{question.disease_id}:{question.slug}:{version}:{language}"
    part = django_cache.get(key)
    if part is None:
        disease = question.disease
        overview = selectors.overview_current(question)
        counts = membership_role_counts(disease)
        standard = question.standard
        context = {
            "question": question,
            "disease": disease,
            "ranking_html": _ranking_html(disease)
            if standard and standard.data == "treatments"
            else "",
            "overview": overview,
            "digest": selectors.digest_list(question),
            "symptoms_html": symptoms_html,
            "counts": counts,
            "on_map": _on_map(disease),
            "questions": selectors.question_list(disease),
        }
        part = QuestionPart(
            main_html=render_to_string("questions/_question_main.html", context),
            aside_html=render_to_string("questions/_question_aside.html", context),
            demo=bool(counts["demo"] or (overview and overview.is_demo)),
        )
        django_cache.set(key, part, KEPT_SECONDS)
    return part


def _ranking_html(disease: Disease) -> str:
    """The treatment ranking members' reports give (raremap.treatments builds on questions;
    imported here, when asked, to keep that direction)."""
    from raremap.treatments.selectors import ranking_section_html

    return ranking_section_html(disease)


def _on_map(disease: Disease) -> int:
    """How many members the disease's map shows (raremap.atlas builds on questions)."""
    from raremap.atlas.selectors import snapshot_get

    return snapshot_get(disease.pk)["total"]


def question_page(
    request: HttpRequest, question: Question, *, symptoms_html: str, sort: str, number: int
) -> KeptPage:
    """The question page as an anonymous visitor sees it, kept until the question changes;
    its data: {answer id: (author id, score)} of the answers on it."""
    language = get_language()
    version = question.changed_at.timestamp() if question.pk else 0
    key = f"questions:page:{question.disease_id}:{question.slug}:{version}:{sort}:{number}"
    key += f":{language}"

    def render() -> tuple[str, dict[int, tuple[int, int]]]:
        part = question_part(question, symptoms_html=symptoms_html)
        page = selectors.answer_page(question, sort=sort, number=number)
        context = {
            "disease": question.disease,
            "question": question,
            "part": part,
            "page": page,
            "has_demo_answers": any(a.is_demo for a in page.answers),
            "form": AnswerForm(),
            "vote_box": vote_box,
        }
        html = render_kept("questions/question_detail.html", context, request)
        return html, {a.pk: (a.author_id, a.score) for a in page.answers}

    return keep(key, KEPT_SECONDS, render)


def member_fillers(
    viewer: Viewer, page: KeptPage, *, question: Question, membership: Membership | None
) -> dict[str, Filler]:
    """Fill a member's regions of the question page: votes, own links, follow, answer form,
    overview edit link, join button."""
    request = viewer.request
    user = request.user
    user_id = user.pk
    language = get_language()
    labels = _labels(language)
    answers: dict[int, tuple[int, int]] = page.data
    votes = selectors.vote_map(user, question)
    slug = question.disease.slug
    context = {
        "request": request,
        "LANGUAGE_CODE": request.LANGUAGE_CODE,
        "disease": question.disease,
        "question": question,
    }

    def vote(argument: str, _anonymous: str) -> str:
        answer_id = int(argument)
        author_id, score = answers[answer_id]
        return vote_box(
            answer_id=answer_id,
            score=score,
            my_vote=votes.get(answer_id, 0),
            can_vote=author_id != user_id,
            csrf_input=viewer.csrf_input,
            language=language,
        )

    def own(argument: str, _anonymous: str) -> str:
        answer_id = int(argument)
        if answers[answer_id][0] == user_id:
            return f'<a href="{_url(labels["edit_url"], answer_id)}">{labels["edit"]}</a>'
        return f'<a href="{_url(labels["report_url"], answer_id)}">{labels["report"]}</a>'

    def follow(_argument: str, _anonymous: str) -> str:
        following = selectors.follow_exists(user, question)
        return viewer.fragment(
            "questions/_follow.html",
            (language, slug, question.slug, question.pk, following),
            lambda: {**context, "following": following},
        )

    def answer_form(_argument: str, _anonymous: str) -> str:
        can_answer = permissions.can_answer(user, membership)
        return viewer.fragment(
            "questions/_answer_form.html",
            (language, slug, question.disease.name, question.slug, can_answer),
            lambda: {**context, "can_answer": can_answer, "form": AnswerForm()},
        )

    def overview_edit(argument: str, _anonymous: str) -> str:
        if not permissions.can_edit_overview(user, membership):
            return ""
        edit = reverse("questions:overview-edit", args=[slug, question.slug])
        return labels["overview_" + argument].format(edit=edit)

    return {
        "vote": vote,
        "own": own,
        "follow": follow,
        "answer-form": answer_form,
        "overview-edit": overview_edit,
        "join": lambda _argument, anonymous: "" if membership else anonymous,
    }


@cache
def _labels(language: str) -> dict[str, str]:
    with override(language):
        return {
            "up": escape(gettext("Helpful")),
            "down": escape(gettext("Not helpful")),
            "score": escape(gettext("Score")),
            "edit": escape(gettext("Edit or delete")),
            "report": escape(gettext("Report")),
            "vote_url": reverse("questions:answer-vote", args=[0]),
            "edit_url": reverse("questions:answer-edit", args=[0]),
            "report_url": reverse("moderation:answer-report", args=[0]),
            "overview_edit": ' · <a href="{edit}">' + escape(gettext("Edit")) + "</a>",
            "overview_write": ' <a href="{edit}">' + escape(gettext("Write it")) + "</a>",
        }


def _url(pattern: str, answer_id: int) -> str:
    return pattern.replace("/0/", f"/{answer_id}/", 1)


@cache
def _vote_form(language: str, can_vote: bool, my_vote: int) -> str:
    """The vote form for one state, with {url}, {csrf} and {score} to fill."""
    labels = {k: v.replace("{", "{{").replace("}", "}}") for k, v in _labels(language).items()}
    parts = [
        '<form class="vote" method="post" action="{url}" hx-post="{url}" hx-target="this" '
        'hx-swap="outerHTML">{csrf}'
    ]
    if can_vote:
        pressed = "true" if my_vote == 1 else "false"
        parts.append(
            f'<button type="submit" name="value" value="{0 if my_vote == 1 else 1}" class="up" '
            f'aria-pressed="{pressed}" aria-label="{labels["up"]}" title="{labels["up"]}">▲'
            "</button>"
        )
    parts.append(f'<strong class="score" aria-label="{labels["score"]}">{{score}}</strong>')
    if can_vote:
        pressed = "true" if my_vote == -1 else "false"
        parts.append(
            f'<button type="submit" name="value" value="{0 if my_vote == -1 else -1}" '
            f'class="down" aria-pressed="{pressed}" aria-label="{labels["down"]}" '
            f'title="{labels["down"]}">▼</button>'
        )
    parts.append("</form>")
    return "".join(parts)


def vote_box(
    *,
    answer_id: int,
    score: int,
    my_vote: int,
    can_vote: bool,
    csrf_input: str,
    language: str | None = None,
) -> str:
    """The vote form of one answer; htmx swaps it after a vote. Works without JavaScript."""
    language = language or get_language()
    url = _url(_labels(language)["vote_url"], answer_id)
    return _vote_form(language, can_vote, my_vote).format(
        url=url, csrf=csrf_input, score=int(score)
    )
