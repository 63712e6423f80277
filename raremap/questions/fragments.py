"""The question page's list of answers, rendered once per question version and kept in the cache.

Rendering thirty answers is most of a question page's time (docs/architecture.md), and it is
the same for everyone but for three things: the viewer's own votes, whether they may vote, and
whether an answer is theirs (edit) or someone else's (report). The list is rendered without a
request, with a marker where each of those goes, and filled in per request by `personalise`
(a dictionary look-up per answer). The cache key holds Question.changed_at, which every service
that changes an answer, a vote or a status bumps, so a stale list is never served.
"""

import re
from dataclasses import dataclass
from functools import cache

from django.core.cache import cache as django_cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language, gettext, override

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.selectors import membership_role_counts
from raremap.questions import selectors
from raremap.questions.models import Question

# Names and reputation points next to answers may lag this long behind a change elsewhere.
PART_SECONDS = 5 * 60
_MARKER = re.compile(r"<!--(vote|own):(\d+)-->")
_PART_MARKER = re.compile(r"<!--(overview-edit:edit|overview-edit:write|join)-->")


@dataclass(frozen=True)
class QuestionPart:
    """The overview answer and the side column, rendered (same for every viewer)."""

    main_html: str  # with <!--overview-edit:…--> markers
    aside_html: str  # with a <!--join--> marker
    demo: bool  # demo members are counted or the editor text is demo


def question_part(question: Question, *, symptoms_html: str) -> QuestionPart:
    """The overview (editor text, data sections, digest), member counts and top questions of
    a question page, from the cache when current. Counts and the other questions' answer
    numbers may lag PART_SECONDS behind."""
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
        django_cache.set(key, part, PART_SECONDS)
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


def personalise_part(
    part: QuestionPart, *, question: Question, can_edit_overview: bool, is_member: bool
) -> tuple[str, str]:
    """The overview and side column with the viewer's edit link and join button."""
    labels = _labels(get_language())
    slug = question.disease.slug

    def fill(match: re.Match[str]) -> str:
        if match[1] == "join":
            if is_member:
                return ""
            join = reverse("catalog:disease-detail", args=[slug]) + "#community"
            return labels["join"].format(join=join)
        if not can_edit_overview:
            return ""
        edit = reverse("questions:overview-edit", args=[slug, question.slug])
        return labels["overview_" + match[1].rsplit(":", 1)[1]].format(edit=edit)

    return _PART_MARKER.sub(fill, part.main_html), _PART_MARKER.sub(fill, part.aside_html)


@dataclass(frozen=True)
class AnswerListPart:
    html: str  # with <!--vote:ID--> and <!--own:ID--> markers
    authors: dict[int, int]  # answer id → author id
    scores: dict[int, int]  # answer id → score
    has_demo: bool  # a demo answer is on the page (the page says so in its banner)
    page: selectors.AnswerPage  # without its answers


def answer_list_part(question: Question, *, sort: str, number: int) -> AnswerListPart:
    """One page of a question's answers, rendered, from the cache when it is current."""
    language = get_language()
    version = question.changed_at.timestamp() if question.pk else 0
    key = f"questions:answers:{question.pk}:{version}:{sort}:{number}:{language}"
    part = django_cache.get(key)
    if part is None:
        page = selectors.answer_page(question, sort=sort, number=number)
        html = render_to_string(
            "questions/_answer_list.html",
            {"page": page, "question": question, "disease": question.disease},
        )
        part = AnswerListPart(
            html=html,
            authors={a.pk: a.author_id for a in page.answers},
            scores={a.pk: a.score for a in page.answers},
            has_demo=any(a.is_demo for a in page.answers),
            page=selectors.AnswerPage(
                answers=[], sort=page.sort, number=page.number, total=page.total
            ),
        )
        django_cache.set(key, part, PART_SECONDS)
    return part


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
            "join": '<p><a class="button" href="{join}">'
            + escape(gettext("Join the community"))
            + "</a></p>",
            "overview_edit": ' · <a href="{edit}">' + escape(gettext("Edit")) + "</a>",
            "overview_write": ' <a href="{edit}">' + escape(gettext("Write it")) + "</a>",
        }


def _url(pattern: str, answer_id: int) -> str:
    return pattern.replace("/0/", f"/{answer_id}/", 1)


def vote_box(*, answer_id: int, score: int, my_vote: int, can_vote: bool, csrf_input: str) -> str:
    """The vote form of one answer; htmx swaps it after a vote. Works without JavaScript."""
    labels = _labels(get_language())
    url = _url(labels["vote_url"], answer_id)
    parts = [
        f'<form class="vote" method="post" action="{url}" hx-post="{url}" hx-target="this" '
        f'hx-swap="outerHTML">{csrf_input}'
    ]
    if can_vote:
        pressed = "true" if my_vote == 1 else "false"
        parts.append(
            f'<button type="submit" name="value" value="{0 if my_vote == 1 else 1}" class="up" '
            f'aria-pressed="{pressed}" aria-label="{labels["up"]}" title="{labels["up"]}">▲'
            "</button>"
        )
    parts.append(f'<strong class="score" aria-label="{labels["score"]}">{int(score)}</strong>')
    if can_vote:
        pressed = "true" if my_vote == -1 else "false"
        parts.append(
            f'<button type="submit" name="value" value="{0 if my_vote == -1 else -1}" '
            f'class="down" aria-pressed="{pressed}" aria-label="{labels["down"]}" '
            f'title="{labels["down"]}">▼</button>'
        )
    parts.append("</form>")
    return "".join(parts)


def personalise(part: AnswerListPart, *, user: User, votes: dict[int, int], csrf_input: str) -> str:
    """Fill the viewer's votes and links into a rendered list of answers."""
    labels = _labels(get_language())
    member = user.is_authenticated

    def fill(match: re.Match[str]) -> str:
        answer_id = int(match[2])
        own = member and part.authors[answer_id] == user.pk
        if match[1] == "vote":
            return vote_box(
                answer_id=answer_id,
                score=part.scores[answer_id],
                my_vote=votes.get(answer_id, 0),
                can_vote=member and not own,
                csrf_input=csrf_input,
            )
        if own:
            return f'<a href="{_url(labels["edit_url"], answer_id)}">{labels["edit"]}</a>'
        if member:
            return f'<a href="{_url(labels["report_url"], answer_id)}">{labels["report"]}</a>'
        return ""

    return _MARKER.sub(fill, part.html)
