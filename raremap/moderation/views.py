"""Moderation pages: members report answers and questions; moderators work through the queue.

Everything but the report form answers 404 to anyone who is not a moderator (never 403: the
pages do not admit they exist). Every action is a POST form; GET never changes anything.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from raremap.accounts.models import User
from raremap.accounts.twofactor import second_factor_redirect
from raremap.communities import selectors as community_selectors
from raremap.communities import services as community_services
from raremap.communities.models import RoleVerification
from raremap.connections import selectors as connection_selectors
from raremap.connections.models import ConnectionState
from raremap.connections.services import connection_decline
from raremap.core.throttle import Limit, throttled
from raremap.moderation import selectors, services
from raremap.moderation.forms import NoteForm, ReportForm, VerifyForm
from raremap.moderation.models import ModerationAction, Report, ReportState
from raremap.moderation.permissions import can_moderate
from raremap.questions.models import Answer, Question, Status

REPORTS = Limit("report", 10, 60 * 60)
MODERATION = Limit("moderation", 600, 60 * 60)  # generous: a moderator clears a queue

Action = ModerationAction.Action

CONTENT_ACTIONS = {
    Action.HIDE: services.content_hide,
    Action.RESTORE: services.content_restore,
    Action.REMOVE: services.content_remove,
}
QUESTION_ACTIONS = {
    Action.APPROVE: services.question_approve,
    Action.REJECT: services.question_reject,
}
DONE = {
    Action.HIDE: gettext_lazy("Hidden. Members no longer see it; you can restore it here."),
    Action.RESTORE: gettext_lazy("Restored. Members see it again."),
    Action.REMOVE: gettext_lazy("Removed for good."),
    Action.APPROVE: gettext_lazy("The question is published."),
    Action.REJECT: gettext_lazy("The proposed question is rejected."),
    Action.DISMISS: gettext_lazy("The reports are dismissed; the content stays as it is."),
    Action.CLOSE: gettext_lazy("The reports are closed as acted on."),
}


def moderator_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 for everyone who is not a moderator, before anything else is looked at; a moderator
    whose session has not passed the second factor is sent to enrol or to type a code."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not can_moderate(request.user):
            raise Http404("No such page")
        second_factor = second_factor_redirect(request)
        if second_factor is not None:
            return second_factor
        return view(request, *args, **kwargs)

    return wrapper


def _question_url(question: Question) -> str:
    return reverse("questions:question-detail", args=[question.disease.slug, question.slug])


def _report(
    request: HttpRequest, *, question: Question, answer: Answer | None = None
) -> HttpResponse:
    form = ReportForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        services.report_submit(
            reporter=request.user,
            answer=answer,
            question=None if answer is not None else question,
            **form.cleaned_data,
        )
        messages.success(request, _("Thank you. A moderator will look at your report."))
        return redirect(_question_url(question))
    context = {
        "form": form,
        "question": question,
        "answer": answer,
        "back": _question_url(question),
    }
    return render(request, "moderation/report_form.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(REPORTS)
def answer_report(request: HttpRequest, answer_id: int) -> HttpResponse:
    """Report an answer the member can see (published, on a published question)."""
    answer = get_object_or_404(
        Answer.objects.select_related("question__disease", "author"),
        pk=answer_id,
        status=Status.PUBLISHED,
        question__status=Status.PUBLISHED,
    )
    return _report(request, question=answer.question, answer=answer)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(REPORTS)
def question_report(request: HttpRequest, question_id: int) -> HttpResponse:
    """Report a published question (in practice a proposed one a moderator approved)."""
    question = get_object_or_404(
        Question.objects.select_related("disease"), pk=question_id, status=Status.PUBLISHED
    )
    return _report(request, question=question)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(REPORTS)
def message_report(request: HttpRequest, public_id: str, message_id: int) -> HttpResponse:
    """Report a message written to the member, in a conversation they take part in (404 for
    anyone else). The moderators will read this one message, and the read is logged."""
    message = connection_selectors.message_get(request.user, public_id, message_id)
    back = reverse("connections:conversation-detail", args=[public_id])
    form = ReportForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        services.report_submit(reporter=request.user, message=message, **form.cleaned_data)
        messages.success(request, _("Thank you. A moderator will look at your report."))
        return redirect(back)
    context = {"form": form, "message": message, "back": back}
    return render(request, "moderation/report_form.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(REPORTS)
def request_report(request: HttpRequest, public_id: str) -> HttpResponse:
    """Report a connection request the member received and declines it (404 for anyone else,
    and for requests no longer waiting)."""
    connection = connection_selectors.connection_get(request.user, public_id)
    if connection.recipient_id != request.user.pk or connection.state != ConnectionState.PENDING:
        raise Http404("No such request")
    back = reverse("connections:connection-list")
    form = ReportForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        services.report_submit(reporter=request.user, connection=connection, **form.cleaned_data)
        connection_decline(user=request.user, connection=connection)
        messages.success(
            request, _("Thank you. The request is declined and a moderator will look at it.")
        )
        return redirect(back)
    context = {"form": form, "connection": connection, "back": back}
    return render(request, "moderation/report_form.html", context)


@moderator_only
@require_http_methods(["GET", "HEAD"])
def report_queue(request: HttpRequest) -> HttpResponse:
    context = {
        "page": selectors.report_queue(page=request.GET.get("page")),
        "pending": list(selectors.pending_question_list()[: selectors.PENDING_LIMIT]),
        "hidden_answers": list(selectors.hidden_answer_list()[: selectors.HIDDEN_LIMIT]),
        "hidden_questions": list(selectors.hidden_question_list()[: selectors.HIDDEN_LIMIT]),
        "Status": Status,
    }
    return render(request, "moderation/queue.html", context)


@moderator_only
@require_http_methods(["GET", "HEAD"])
def action_list(request: HttpRequest) -> HttpResponse:
    """The audit log: every moderation action, newest first."""
    page = selectors.action_list(page=request.GET.get("page"))
    return render(request, "moderation/log.html", {"page": page})


def _act(
    request: HttpRequest, action: str, service: Callable[..., object], **target: object
) -> HttpResponse:
    """Run one moderation service with the posted note; say how it went on the queue page."""
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please keep the note under 500 characters."))
        return redirect("moderation:report-queue")
    try:
        service(moderator=request.user, note=form.cleaned_data["note"], **target)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, DONE[action])
    return redirect("moderation:report-queue")


def _posted_report(request: HttpRequest, **target: object) -> Report | None:
    """The open report the action answers (the queue posts the oldest one), if it matches."""
    report_id = request.POST.get("report", "")
    if not report_id.isdigit():
        return None
    return Report.objects.filter(pk=int(report_id), state=ReportState.OPEN, **target).first()


@moderator_only
@require_POST
@throttled(MODERATION)
def answer_moderate(request: HttpRequest, answer_id: int, action: str) -> HttpResponse:
    answer = get_object_or_404(Answer, pk=answer_id)
    report = _posted_report(request, answer=answer)
    return _act(request, action, CONTENT_ACTIONS[action], answer=answer, report=report)


@moderator_only
@require_POST
@throttled(MODERATION)
def question_moderate(request: HttpRequest, question_id: int, action: str) -> HttpResponse:
    question = get_object_or_404(Question, pk=question_id)
    if action in QUESTION_ACTIONS:
        return _act(request, action, QUESTION_ACTIONS[action], question=question)
    report = _posted_report(request, question=question)
    return _act(request, action, CONTENT_ACTIONS[action], question=question, report=report)


@moderator_only
@require_POST
@throttled(MODERATION)
def report_dismiss(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(Report, pk=report_id)
    return _act(request, Action.DISMISS, services.report_dismiss, report=report)


def _private_report(report_id: int) -> Report:
    return get_object_or_404(
        Report.objects.select_related(
            "message__sender", "message__conversation__connection", "connection__requester"
        ),
        Q(message__isnull=False) | Q(connection__isnull=False),
        pk=report_id,
        state=ReportState.OPEN,
    )


@moderator_only
@require_POST
@throttled(MODERATION)
def private_read(request: HttpRequest, report_id: int) -> HttpResponse:
    """Show a moderator the reported message or request note. A POST, because the read is
    written to the audit log first (the member can be told who read what, and when)."""
    report = _private_report(report_id)
    target = services.private_content_read(moderator=request.user, report=report)
    context = {
        "report": report,
        "message": target if report.message_id else None,
        "connection": target if report.connection_id else None,
        "reports": list(
            Report.objects.filter(
                state=ReportState.OPEN,
                **({"message": report.message} if report.message_id else {"connection": target}),
            ).order_by("created_at", "id")
        ),
        "labels": dict(Report.Reason.choices),
    }
    return render(request, "moderation/private_report.html", context)


PRIVATE_ACTIONS = {
    Action.HIDE: services.message_hide,
    Action.CLOSE: services.report_close,
}


@moderator_only
@require_POST
@throttled(MODERATION)
def private_moderate(request: HttpRequest, report_id: int, action: str) -> HttpResponse:
    report = _private_report(report_id)
    if action == Action.HIDE and not report.message_id:
        raise Http404("No such report")
    return _act(request, action, PRIVATE_ACTIONS[action], report=report)


@moderator_only
@require_http_methods(["GET", "HEAD"])
def role_list(request: HttpRequest) -> HttpResponse:
    """Claimed roles waiting for a check, and the verifications in force."""
    context = {
        "claims": community_selectors.role_claims(),
        "verifications": community_selectors.role_verifications(),
        "form": VerifyForm(),
    }
    return render(request, "moderation/roles.html", context)


@moderator_only
@require_POST
@throttled(MODERATION)
def role_verify(request: HttpRequest, public_id: str, role: str) -> HttpResponse:
    member = get_object_or_404(User, public_id=public_id, is_active=True)
    form = VerifyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Please say what you checked."))
        community_services.role_verify(
            moderator=request.user, user=member, role=role, evidence=form.cleaned_data["evidence"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s is shown as verified.") % {"name": member.display_name}
        )
    return redirect("moderation:role-list")


@moderator_only
@require_POST
@throttled(MODERATION)
def role_revoke(request: HttpRequest, verification_id: int) -> HttpResponse:
    verification = get_object_or_404(
        RoleVerification.objects.select_related("user"), pk=verification_id, revoked_at=None
    )
    community_services.role_revoke(moderator=request.user, verification=verification)
    messages.success(
        request,
        _("%(name)s's role is self-declared again.") % {"name": verification.user.display_name},
    )
    return redirect("moderation:role-list")
