"""Connection and message pages: ask to connect, answer requests, block, the inbox and a
conversation.

Every page is for logged-in members and shows only their own things; whatever belongs to
others answers 404 (the selectors and services check, not only these views). Every change is a
POST form, throttled per member; htmx swaps a part of the page where that helps, and every form
works without JavaScript (POST-redirect-GET).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from raremap.accounts.models import User
from raremap.accounts.permissions import can_view_profile
from raremap.connections import limits, selectors, services
from raremap.connections.forms import MessageForm, PageForm, RequestForm
from raremap.connections.models import Conversation
from raremap.core.throttle import throttled

# Sent (HX-Trigger) when a message is sent with htmx: the conversation page polls at once.
SENT_EVENT = "message-sent"


def _member(public_id: str) -> User:
    """An active member by public id (Http404 otherwise)."""
    user = User.objects.filter(public_id=public_id, is_active=True).first()
    if user is None:
        raise Http404("No such member")
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return "HX-Request" in request.headers


def _page_number(request: HttpRequest) -> int:
    form = PageForm(request.GET)
    return (form.cleaned_data["page"] or 1) if form.is_valid() else 1


def _before(request: HttpRequest) -> int | None:
    form = PageForm(request.GET)
    return form.cleaned_data["before"] if form.is_valid() else None


def _after(request: HttpRequest) -> int | None:
    form = PageForm(request.GET)
    return form.cleaned_data["after"] if form.is_valid() else None


# --- connections ----------------------------------------------------------------------------


@login_required
@require_safe
def connection_list(request: HttpRequest) -> HttpResponse:
    """Requests to answer, requests sent, connections, and blocked members."""
    user = request.user
    context = {
        "received": selectors.request_list_received(user),
        "sent": selectors.request_list_sent(user),
        "page": selectors.connection_page(user, page=_page_number(request)),
        "blocks": selectors.block_list(user),
    }
    return render(request, "connections/connection_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(limits.REQUESTS)
@sensitive_post_parameters("note")
def connection_request(request: HttpRequest, public_id: str) -> HttpResponse:
    """Ask a member to connect, with a short note. GET shows the form, or why it is not
    offered; a refusal comes back on the form with its reason."""
    owner = _member(public_id)
    connect = selectors.profile_connect(request.user, owner)  # Http404 if blocked by them
    if connect is None:  # one's own id
        raise Http404("No such member")
    if connect.status in ("unavailable", "demo") and not can_view_profile(request.user, owner):
        raise Http404("No such member")  # the page must not name a member hidden elsewhere
    form = RequestForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.connection_request(
                requester=request.user, recipient=owner, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Your request is sent. You can talk once %(name)s accepts it.")
                % {"name": owner.display_name},
            )
            return redirect("connections:connection-list")
    context = {"owner": owner, "connect": connect, "form": form}
    return render(request, "connections/request_form.html", context)


ANSWERED = {
    "accept": services.connection_accept,
    "decline": services.connection_decline,
    "withdraw": services.connection_withdraw,
    "end": services.connection_end,
}


@login_required
@require_POST
@throttled(limits.CONNECTION_CHANGES)
def connection_change(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """Accept, decline, withdraw or end; htmx gets the changed row back."""
    connection = selectors.connection_get(request.user, public_id)
    connection = ANSWERED[action](user=request.user, connection=connection)
    done = {
        "accept": _("You are now connected. You can write to each other."),
        "decline": _("The request is declined. The other member is not told."),
        "withdraw": _("Your request is withdrawn."),
        "end": _("The connection has ended. Your conversation is closed."),
    }[action]
    if _is_htmx(request):
        context = {"connection": connection, "action": action, "done": done}
        if action == "accept":
            context["conversation_id"] = connection.conversation.public_id
        return render(request, "connections/_changed.html", context)
    messages.success(request, done)
    if action == "accept":
        return redirect("connections:conversation-detail", connection.conversation.public_id)
    return redirect("connections:connection-list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@throttled(limits.CONNECTION_CHANGES)
def block_create(request: HttpRequest, public_id: str) -> HttpResponse:
    """Blocking asks first: the page says what it does, and only its own form (which posts
    `confirm`) blocks."""
    blocked = _member(public_id)
    if blocked.pk == request.user.pk:
        raise Http404("No such member")
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        return render(request, "connections/block_confirm.html", {"member": blocked})
    services.block_create(blocker=request.user, blocked=blocked)
    messages.success(
        request,
        _(
            "You have blocked %(name)s. They can no longer see your profile, ask to connect or "
            "write to you. They are not told."
        )
        % {"name": blocked.display_name},
    )
    return redirect("connections:connection-list")


@login_required
@require_POST
@throttled(limits.CONNECTION_CHANGES)
def block_remove(request: HttpRequest, public_id: str) -> HttpResponse:
    blocked = _member(public_id)
    if services.block_remove(blocker=request.user, blocked=blocked):
        messages.success(
            request, _("%(name)s is no longer blocked.") % {"name": blocked.display_name}
        )
    return redirect("connections:connection-list")


# --- messages -------------------------------------------------------------------------------


@login_required
@require_safe
def conversation_list(request: HttpRequest) -> HttpResponse:
    """The inbox: who with, last activity, unread or not. Never message text."""
    page = selectors.conversation_page(request.user, page=_page_number(request))
    return render(request, "connections/conversation_list.html", {"page": page})


def _people(conversation: Conversation) -> dict[int, User]:
    connection = conversation.connection
    return {
        connection.requester_id: connection.requester,
        connection.recipient_id: connection.recipient,
    }


def _conversation_context(request: HttpRequest, public_id: str, form: MessageForm) -> dict:
    conversation = selectors.conversation_get(request.user, public_id)
    before = _before(request)
    page = selectors.message_page(conversation, before=before)
    return {
        "conversation": conversation,
        "other": selectors.conversation_other(conversation, request.user),
        "people": _people(conversation),
        "page": page,
        "form": form,
        # The newest page asks for what is written after its last message (older pages do
        # not: new messages belong on the newest page).
        "poll_after": (page.messages[-1].pk if page.messages else 0) if before is None else None,
    }


@login_required
@require_safe
def conversation_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """A conversation: its newest messages (or older ones), the send form, report and block."""
    context = _conversation_context(request, public_id, MessageForm())
    return render(request, "connections/conversation_detail.html", context)


@login_required
@require_POST
@throttled(limits.MESSAGES, limits.MESSAGES_PER_DAY)
@sensitive_post_parameters("body")
def message_send(request: HttpRequest, public_id: str) -> HttpResponse:
    """Send a message; htmx gets the new message and an empty form back."""
    conversation = selectors.conversation_to_write_in(request.user, public_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            message = services.message_send(
                sender=request.user, conversation=conversation, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
        else:
            if _is_htmx(request):
                # A fresh form; the page's poll (message_new) then shows the message, and
                # any the other member wrote meanwhile, in order and once.
                context = {"conversation": conversation, "form": MessageForm()}
                response = render(request, "connections/_message_form.html", context)
                response["HX-Trigger"] = SENT_EVENT
                return response
            url = reverse("connections:conversation-detail", args=[conversation.public_id])
            return redirect(f"{url}#message-{message.pk}")
    if _is_htmx(request):
        context = {"conversation": conversation, "form": form}
        return render(request, "connections/_message_form.html", context)
    # Nothing typed is lost: the page comes back with the text and the reason.
    context = _conversation_context(request, public_id, form)
    return render(request, "connections/conversation_detail.html", context)


@login_required
@require_safe
def message_new(request: HttpRequest, public_id: str) -> HttpResponse:
    """The messages written after `?after=<message id>`: the conversation page polls this
    with htmx (every few seconds while it is visible, and after sending) and appends them;
    204 when there are none. Reads only (the page then marks itself read with a POST).
    Without htmx, the conversation page."""
    conversation = selectors.conversation_get(request.user, public_id)
    after = _after(request)
    if not _is_htmx(request) or after is None:
        return redirect("connections:conversation-detail", conversation.public_id)
    new = selectors.message_list_after(conversation, after=after)
    if not new:
        return HttpResponse(status=204)
    context = {
        "conversation": conversation,
        "messages": new,
        "people": _people(conversation),
        "poll_after": new[-1].pk,
        "was_empty": after == 0,
        "from_other": any(message.sender_id != request.user.pk for message in new),
    }
    return render(request, "connections/_new_messages.html", context)


@login_required
@require_POST
@throttled(limits.CONNECTION_CHANGES)
def conversation_remove(request: HttpRequest, public_id: str) -> HttpResponse:
    """Take a conversation out of the member's messages (their copy only)."""
    conversation = selectors.conversation_get(request.user, public_id)
    services.conversation_remove(user=request.user, conversation=conversation)
    messages.success(request, _("The conversation is no longer in your messages."))
    return redirect("connections:conversation-list")


@login_required
@require_POST
@throttled(limits.MARK_READ)
def conversation_read(request: HttpRequest, public_id: str) -> HttpResponse:
    """Mark a conversation read (htmx posts it when the page loads; a button without JS)."""
    conversation = selectors.conversation_get(request.user, public_id)
    services.conversation_mark_read(user=request.user, conversation=conversation)
    if _is_htmx(request):
        return HttpResponse(status=204)
    return redirect("connections:conversation-detail", conversation.public_id)
