"""The question page, rendered once per question version and kept in the cache
(raremap.core.shell).

Rendering thirty answers is most of a question page's time (docs/architecture.md), and it is
the same for everyone but for a few regions: the viewer's vote box and own-answer links, the
follow form, the answer form, the overview's edit link and the join button. The page is
rendered as an anonymous visitor sees it and completed per request by `member_fillers` (a
dictionary look-up per answer). The key holds Question.changed_at, which every service that
changes an answer, a vote or a status bumps, and the counts the page shows of its community
(members, people on the map, the other questions' answers: `shown_counts`), read from the
selectors every disease page reads, so the page never shows a number older than the disease
page beside it; names and reputation points may lag KEPT_SECONDS.
"""

import hashlib
from dataclasses import dataclass
from typing import NamedTuple

from django.core.cache import cache as django_cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import get_language

from raremap.accounts.models import User
from raremap.catalog import selectors as catalog_selectors
from raremap.catalog.facts import FACT_KINDS
from raremap.catalog.fragments import CatalogPart
from raremap.catalog.models import Disease
from raremap.communities.models import Membership
from raremap.communities.selectors import counts_cache_key, membership_role_counts
from raremap.core.shell import KEPT_SECONDS, Filler, KeptPage, Viewer, keep, render_kept
from raremap.questions import permissions, selectors, seo
from raremap.questions.forms import AnswerForm
from raremap.questions.models import Answer, Question


class AnswerFacts(NamedTuple):
    """What a member's regions need to know of an answer on a kept question page."""

    author_id: int
    score: int
    author_name: str
    # The author's public id when their profile is open to members (profile_public, active),
    # else "": as fresh as the kept page (KEPT_SECONDS). Blocks are read per request.
    profile_id: str


@dataclass(frozen=True)
class ShownCounts:
    """The community's counts a question page shows, from the one selector of each (cached
    per disease and forgotten by the services that change them), and a short digest of them
    for the keys of the kept page and its part."""

    members: dict
    on_map: int
    questions: list[selectors.QuestionItem]

    @property
    def version(self) -> str:
        numbers = (
            self.members["total"],
            self.members["demo"],
            self.on_map,
            tuple((q.slug, q.answer_count) for q in self.questions),
        )
        return hashlib.blake2b(repr(numbers).encode(), digest_size=8).hexdigest()


def shown_counts(disease: Disease) -> ShownCounts:
    """What a question page shows of its community's counts: three entries of the shared cache,
    read together (one round trip to Redis, not three)."""
    # raremap.atlas builds on questions: imported here, when asked, to keep that direction.
    from raremap.atlas.selectors import snapshot_cache_key, snapshot_get

    keys = (
        counts_cache_key(disease.pk),
        snapshot_cache_key(disease.pk),
        selectors.question_rows_cache_key(disease.pk),
    )
    found = django_cache.get_many(keys)
    members, snapshot, rows = (found.get(key) for key in keys)
    return ShownCounts(
        members=membership_role_counts(disease, cached=members),
        on_map=snapshot_get(disease.pk, cached=snapshot)["total"],
        questions=selectors.question_list(disease, cached=rows),
    )


@dataclass(frozen=True)
class QuestionPart:
    """The overview answer and the side column, rendered (same for every viewer)."""

    main_html: str  # with <!--overview-edit:…--> markers
    aside_html: str  # with a <!--join--> marker
    demo: bool  # demo members are counted or the editor text is demo
    has_overview: bool  # an editor has written it (else the page offers editors to)
    has_content: bool  # anything to read yet (else not indexed: questions.seo)


def question_part(question: Question, *, catalog: CatalogPart, counts: ShownCounts) -> QuestionPart:
    """The overview (editor text, data sections, digest), member counts and top questions of
    a question page, from the cache when current (the counts and the catalog import that
    the data sections come from are in its key)."""
    language = get_language()
    version = question.changed_at.timestamp() if question.pk else 0
    # "part2": parts kept before they knew whether they have content are not read back.
    key = f"questions:part2:{question.disease_id}:{question.slug}:{version}:{counts.version}"
    key += f":{catalog.generation}:{language}"
    part = django_cache.get(key)
    if part is None:
        disease = question.disease
        overview = selectors.overview_current(question)
        data = question.standard.data if question.standard else ""
        ranking_html, ranked = _ranking(disease) if data == "treatments" else ("", False)
        facts = catalog_selectors.disease_facts_get(disease.slug)
        context = {
            "LANGUAGE_CODE": language,
            "question": question,
            "disease": disease,
            "ranking_html": ranking_html,
            "overview": overview,
            "digest": selectors.digest_list(question),
            "symptoms_html": catalog.symptoms_html,
            "facts": facts,
            "sources": {s.key: s for s in catalog_selectors.catalog_source_list()},
            "fact_kinds": FACT_KINDS,
            "counts": counts.members,
            "on_map": counts.on_map,
            "questions": counts.questions,
        }
        part = QuestionPart(
            main_html=render_to_string("questions/_question_main.html", context),
            aside_html=render_to_string("questions/_question_aside.html", context),
            demo=bool(counts.members["demo"] or (overview and overview.is_demo)),
            has_overview=overview is not None,
            has_content=seo.question_has_content(
                question=question,
                overview=overview,
                # The catalog's data for its question: the symptoms, the ranked treatments,
                # the facts of the others.
                catalog_data=bool(catalog.symptoms)
                if data == "symptoms"
                else ranked
                if data == "treatments"
                else facts.known(data),
            ),
        )
        django_cache.set(key, part, KEPT_SECONDS)
    return part


def _ranking(disease: Disease) -> tuple[str, bool]:
    """The treatment ranking members' reports give, and whether it ranks any treatment
    (raremap.treatments builds on questions; imported here, when asked, to keep that
    direction)."""
    from raremap.treatments.selectors import ranking_page, ranking_section_html

    page = ranking_page(disease)
    return ranking_section_html(disease, page=page), bool(page.items)


def question_page(
    request: HttpRequest, question: Question, *, catalog: CatalogPart, sort: str, number: int
) -> KeptPage:
    """The question page as an anonymous visitor sees it, kept until the question, the
    community's counts or the catalog change; its data: {answer id: AnswerFacts} of the
    answers on it."""
    language = get_language()
    version = question.changed_at.timestamp() if question.pk else 0
    counts = shown_counts(question.disease)
    # "page2": kept with the end of its shared entry (raremap.core.cache.ProcessCopies).
    key = f"questions:page2:{question.disease_id}:{question.slug}:{version}:{counts.version}"
    key += f":{catalog.generation}:{sort}:{number}:{language}"

    def render() -> tuple[str, dict[int, AnswerFacts]]:
        part = question_part(question, catalog=catalog, counts=counts)
        page = selectors.answer_page(question, sort=sort, number=number)
        context = {
            "disease": question.disease,
            "question": question,
            "part": part,
            "page": page,
            "has_demo_answers": any(a.is_demo for a in page.answers),
            "form": AnswerForm(),
            "qa_page": seo.qa_page(
                question=question,
                answers=page.answers,
                answer_count=selectors.answer_count_members(page, question),
            ),
        }
        html = render_kept("questions/question_detail.html", context, request)
        return html, {a.pk: _facts(a) for a in page.answers}

    return keep(key, KEPT_SECONDS, render)


def _facts(answer: Answer) -> AnswerFacts:
    author = answer.author
    open_profile = author.profile_public and author.is_active
    return AnswerFacts(
        author_id=author.pk,
        score=answer.score,
        author_name=author.display_name,
        profile_id=author.public_id if open_profile else "",
    )


def _blocker_ids(user: User) -> set[int]:
    """Members who blocked `user`: their profiles do not exist for `user` (raremap.connections
    builds on questions; imported here, when asked, to keep that direction)."""
    from raremap.connections.selectors import blocker_ids

    return blocker_ids(user)


def member_fillers(
    viewer: Viewer, page: KeptPage, *, question: Question, membership: Membership | None
) -> dict[str, Filler]:
    """Fill a member's regions of the question page: votes, own links, follow, answer form,
    overview edit link, join button. Each is a small template (`Viewer.fragment`)."""
    request = viewer.request
    user = request.user
    user_id = user.pk
    language = get_language()
    answers: dict[int, AnswerFacts] = page.data
    votes = selectors.vote_map(user, question)
    slug = question.disease.slug
    context = {
        "request": request,
        "LANGUAGE_CODE": request.LANGUAGE_CODE,
        "disease": question.disease,
        "question": question,
    }

    blocked_by: set[int] | None = None  # read once, when a linked author is on the page

    def author(argument: str, anonymous: str) -> str:
        """The author's name, linked to their profile where the viewer may open it: their own,
        or one its owner opened to members, unless that owner has blocked the viewer."""
        nonlocal blocked_by
        facts = answers[int(argument)]
        if facts.author_id == user_id:
            profile_id = user.public_id
        else:
            if not facts.profile_id:
                return anonymous
            if blocked_by is None:
                blocked_by = _blocker_ids(user)
            if facts.author_id in blocked_by:
                return anonymous
            profile_id = facts.profile_id
        return viewer.fragment(
            "questions/_author.html",
            (language, profile_id, facts.author_name),
            lambda: {
                "LANGUAGE_CODE": language,
                "profile_id": profile_id,
                "name": facts.author_name,
            },
        )

    def vote(argument: str, _anonymous: str) -> str:
        answer_id = int(argument)
        author_id, score = answers[answer_id][:2]
        return vote_box(
            viewer,
            answer_id=answer_id,
            score=score,
            my_vote=votes.get(answer_id, 0),
            can_vote=author_id != user_id,
        )

    def own(argument: str, _anonymous: str) -> str:
        answer_id = int(argument)
        mine = answers[answer_id].author_id == user_id
        return viewer.fragment(
            "questions/_own_links.html",
            (language, answer_id, mine),
            lambda: {"LANGUAGE_CODE": language, "answer_id": answer_id, "own": mine},
        )

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
            (language, slug, question.disease.display_title(language), question.slug, can_answer),
            lambda: {**context, "can_answer": can_answer, "form": AnswerForm()},
        )

    def overview_edit(argument: str, _anonymous: str) -> str:
        if not permissions.can_edit_overview(user, membership):
            return ""
        return viewer.fragment(
            "questions/_overview_edit.html",
            (language, slug, question.slug, argument),
            lambda: {
                "LANGUAGE_CODE": language,
                "disease_slug": slug,
                "question_slug": question.slug,
                "kind": argument,
            },
        )

    return {
        "author": author,
        "vote": vote,
        "own": own,
        "follow": follow,
        "answer-form": answer_form,
        "overview-edit": overview_edit,
        "join": lambda _argument, anonymous: "" if membership else anonymous,
    }


def vote_box(viewer: Viewer, *, answer_id: int, score: int, my_vote: int, can_vote: bool) -> str:
    """One answer's vote box for a member: the page's `vote` region and the htmx vote response
    (the template's macro also draws the box a visitor sees on the kept page)."""
    language = get_language()
    return viewer.fragment(
        "questions/_vote_box.html",
        (language, answer_id, score, my_vote, can_vote),
        lambda: {
            "LANGUAGE_CODE": language,
            "answer_id": answer_id,
            "score": score,
            "my_vote": my_vote,
            "can_vote": can_vote,
        },
    )
