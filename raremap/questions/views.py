"""Question pages: the questions of a disease, a question with its overview and answers, and
the forms that write answers, votes, follows, proposed questions and overview versions; the
sitemaps of every disease and question page."""

import gzip
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from raremap.accounts.fragments import page_fillers
from raremap.catalog.fragments import disease_part
from raremap.catalog.models import Disease
from raremap.communities.selectors import membership_get
from raremap.core.decorators import cache_for_anonymous
from raremap.core.shell import Viewer
from raremap.core.throttle import Limit, throttled
from raremap.questions import fragments, permissions, reputation, selectors, services, sitemaps
from raremap.questions.forms import (
    AnswerForm,
    FollowForm,
    OverviewForm,
    ProposeQuestionForm,
    VoteForm,
    answer_list_params,
)
from raremap.questions.models import Question

ANSWER_WRITES = Limit("answer", 10, 60 * 60)
VOTES = Limit("vote", 60, 60 * 60)
PROPOSALS = Limit("propose", 5, 24 * 60 * 60)
OVERVIEW_WRITES = Limit("overview", 30, 60 * 60)
FOLLOWS = Limit("follow", 60, 60 * 60)
# As Django's GZipMiddleware reads Accept-Encoding.
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def _question_url(question: Question) -> str:
    return reverse("questions:question-detail", args=[question.disease.slug, question.slug])


def _form_error(form: AnswerForm | OverviewForm | ProposeQuestionForm, error: ValidationError):
    for message in error.messages:
        form.add_error(None, message)


@require_safe
@cache_for_anonymous
def question_list(request: HttpRequest, slug: str) -> HttpResponse:
    """All questions of a disease, and the form to propose one."""
    part = disease_part(slug)
    membership = membership_get(request.user, part.disease)
    context = {
        "disease": part.disease,
        "questions": selectors.question_list(part.disease),
        "membership": membership,
        "form": ProposeQuestionForm() if membership else None,
    }
    return render(request, "questions/question_list.html", context)


@require_safe
@cache_for_anonymous
def question_detail(request: HttpRequest, slug: str, qslug: str) -> HttpResponse:
    """The question page: overview answer, community answers, top questions, map teaser."""
    part = disease_part(slug)
    question = selectors.question_get(part.disease, qslug)
    sort, number = answer_list_params(request.GET)
    page = fragments.question_page(request, question, catalog=part, sort=sort, number=number)
    viewer = Viewer(request)
    fillers = page_fillers(viewer)
    if request.user.is_authenticated:
        membership = membership_get(request.user, part.disease)
        fillers |= fragments.member_fillers(viewer, page, question=question, membership=membership)
    return HttpResponse(page.fill(fillers))


@require_POST
@throttled(ANSWER_WRITES)
def answer_create(request: HttpRequest, slug: str, qslug: str) -> HttpResponse:
    disease = disease_part(slug).disease
    question = selectors.question_get(disease, qslug)
    if not request.user.is_authenticated:
        return redirect_to_login(_question_url(question))
    membership = membership_get(request.user, disease)
    if not permissions.can_answer(request.user, membership):
        messages.error(request, _("Join the community to answer its questions."))
        return redirect(_question_url(question))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            if question.pk is None:  # a standard question's first write makes its row
                question = services.question_ensure(disease=disease, slug=qslug)
                question.disease = disease
            answer = services.answer_create(
                user=request.user,
                question=question,
                body=form.cleaned_data["body"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Thank you: your answer is published."))
            return redirect(f"{_question_url(question)}?sort=newest#answer-{answer.pk}")
    # Nothing typed is lost: the page comes back with the text and the reason.
    return render(
        request,
        "questions/answer_form.html",
        {"disease": disease, "question": question, "form": form, "answer": None},
        status=400,
    )


@require_safe
def answer_detail(request: HttpRequest, answer_id: int) -> HttpResponse:
    """An answer's permanent address: to the page of its question that shows it (sorted by
    votes, the default), at the answer. What links to one answer links here, since votes move
    answers between pages."""
    place = selectors.answer_place(answer_id)
    url = _question_url(place.question)
    if place.page > 1:
        url += f"?page={place.page}"
    return redirect(f"{url}#answer-{answer_id}")


@login_required
@require_http_methods(["GET", "POST"])
@throttled(ANSWER_WRITES)
def answer_edit(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = selectors.answer_get_for_author(user=request.user, answer_id=answer_id)
    question = answer.question
    form = AnswerForm(
        request.POST or None, initial={"body": answer.body, "language": answer.language}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_update(
                answer=answer,
                body=form.cleaned_data["body"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your answer is updated."))
            return redirect("questions:answer-detail", answer.pk)
    return render(
        request,
        "questions/answer_form.html",
        {"disease": question.disease, "question": question, "form": form, "answer": answer},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
@throttled(ANSWER_WRITES)
def answer_delete(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = selectors.answer_get_for_author(user=request.user, answer_id=answer_id)
    services.answer_delete(answer=answer)
    messages.success(request, _("Your answer is deleted."))
    return redirect(_question_url(answer.question))


@login_required
@require_safe
def answer_history(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Earlier versions of one's own answer (kept on every edit)."""
    answer = selectors.answer_get_for_author(user=request.user, answer_id=answer_id)
    return render(
        request,
        "questions/answer_history.html",
        {"answer": answer, "question": answer.question, "revisions": answer.revisions.all()},
    )


@require_POST
@throttled(VOTES)
def answer_vote(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Vote up or down, change or withdraw a vote; htmx gets the vote box back."""
    answer = selectors.answer_to_vote_on(answer_id)
    back = reverse("questions:answer-detail", args=[answer.pk])
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    form = VoteForm(request.POST)
    if not form.is_valid() or not permissions.can_vote(request.user, answer):
        messages.error(request, _("You cannot vote on your own answer."))
        return redirect(back)
    value = form.cleaned_data["value"]
    answer = services.vote_cast(user=request.user, answer=answer, value=value)
    if "HX-Request" in request.headers:
        box = fragments.vote_box(
            Viewer(request), answer_id=answer.pk, score=answer.score, my_vote=value, can_vote=True
        )
        return HttpResponse(box)
    return redirect(back)


@require_POST
@throttled(FOLLOWS)
def question_follow(request: HttpRequest, slug: str, qslug: str) -> HttpResponse:
    disease = disease_part(slug).disease
    question = selectors.question_get(disease, qslug)
    if not request.user.is_authenticated:
        return redirect_to_login(_question_url(question))
    form = FollowForm(request.POST)
    form.is_valid()
    follow = form.cleaned_data.get("follow", False)
    question = services.question_ensure(disease=disease, slug=qslug)
    services.follow_set(user=request.user, question=question, follow=follow)
    if follow:
        messages.success(request, _("You will be told about new answers to this question."))
    else:
        messages.success(request, _("You no longer follow this question."))
    return redirect(_question_url(question))


@require_POST
@throttled(PROPOSALS)
def question_propose(request: HttpRequest, slug: str) -> HttpResponse:
    disease = disease_part(slug).disease
    back = reverse("questions:question-list", args=[disease.slug])
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    membership = membership_get(request.user, disease)
    form = ProposeQuestionForm(request.POST)
    if membership is None:
        messages.error(request, _("Join the community to propose questions."))
        return redirect(back)
    if form.is_valid():
        try:
            services.question_propose(
                user=request.user, disease=disease, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("Thank you. A moderator will review your question before it appears.")
            )
            return redirect(back)
    context = {
        "disease": disease,
        "questions": selectors.question_list(disease),
        "membership": membership,
        "form": form,
    }
    return render(request, "questions/question_list.html", context, status=400)


def _overview_editor(request: HttpRequest, disease: Disease) -> None:
    """404 unless the member may write this community's overviews."""
    membership = membership_get(request.user, disease)
    if not permissions.can_edit_overview(request.user, membership):
        raise Http404("No such page")


@login_required
@require_http_methods(["GET", "POST"])
@throttled(OVERVIEW_WRITES)
def overview_edit(request: HttpRequest, slug: str, qslug: str) -> HttpResponse:
    disease = disease_part(slug).disease
    question = selectors.question_get(disease, qslug)
    _overview_editor(request, disease)
    current = selectors.overview_current(question)
    initial = {"body": current.body, "sources": current.sources} if current else {}
    form = OverviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_ensure(disease=disease, slug=qslug)
            services.overview_edit(question=question, editor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The overview is updated. It awaits a review."))
            return redirect(_question_url(question))
    return render(
        request,
        "questions/overview_form.html",
        {"disease": disease, "question": question, "form": form, "current": current},
        status=400 if request.method == "POST" else 200,
    )


@require_safe
@cache_for_anonymous
def overview_history(request: HttpRequest, slug: str, qslug: str) -> HttpResponse:
    """Every version of the editor section: who, when, what changed (public, like a wiki)."""
    disease = disease_part(slug).disease
    question = selectors.question_get(disease, qslug)
    membership = membership_get(request.user, disease)
    context = {
        "disease": disease,
        "question": question,
        "revisions": selectors.overview_history(question),
        "can_edit": request.user.is_authenticated
        and permissions.can_edit_overview(request.user, membership),
        "can_review": permissions.can_review_overview(
            request.user, selectors.overview_current(question)
        ),
    }
    return render(request, "questions/overview_history.html", context)


@login_required
@require_POST
@throttled(OVERVIEW_WRITES)
def overview_revert(request: HttpRequest, slug: str, qslug: str, number: int) -> HttpResponse:
    disease = disease_part(slug).disease
    question = selectors.question_get(disease, qslug)
    _overview_editor(request, disease)
    services.overview_revert(question=question, editor=request.user, number=number)
    messages.success(
        request, _("Version %(number)d is back as the current text.") % {"number": number}
    )
    return redirect(_question_url(question))


@login_required
@require_POST
@throttled(OVERVIEW_WRITES)
def overview_review(request: HttpRequest, slug: str, qslug: str) -> HttpResponse:
    disease = disease_part(slug).disease
    question = selectors.question_get(disease, qslug)
    current = selectors.overview_current(question)
    if not permissions.can_review_overview(request.user, current):
        raise Http404("No such page")
    assert current is not None  # can_review_overview says so
    services.overview_review(revision=current, reviewer=request.user)
    messages.success(request, _("Thank you: the overview is marked as reviewed."))
    return redirect(_question_url(question))


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    """New answers to followed questions; POST marks them all read."""
    if request.method == "POST":
        services.notification_mark_read(user=request.user)
        return redirect("questions:notification-list")
    return render(
        request,
        "questions/notification_list.html",
        {"notifications": selectors.notification_list(request.user)},
    )


@require_safe
@cache_for_anonymous
def reputation_help(request: HttpRequest) -> HttpResponse:
    return render(request, "questions/reputation.html", {"rule": reputation})


@require_safe
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """The sitemap index: where search engines find every disease and question page."""
    return _gzipped_xml(request, sitemaps.sitemap_index_gz())


@require_safe
def sitemap(request: HttpRequest, number: int) -> HttpResponse:
    return _gzipped_xml(request, sitemaps.sitemap_gz(number))


def _gzipped_xml(request: HttpRequest, body: bytes) -> HttpResponse:
    """XML kept gzipped: sent as it is to clients that accept gzip (crawlers do), unpacked for
    the others."""
    if _ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(body, content_type="application/xml")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(body), content_type="application/xml")
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
