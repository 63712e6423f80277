from django.db.models import Q
from django.http import Http404
from django_otp.plugins.otp_static.models import StaticToken

from raremap.accounts.models import ApiToken, User
from raremap.accounts.permissions import can_view_profile


def profile_get(*, viewer: User, public_id: str) -> User:
    """The profile owner if the viewer may see it; 404 otherwise (never 403: no existence leak)."""
    owner = User.objects.filter(public_id=public_id).first()
    if owner is None or not can_view_profile(viewer, owner):
        raise Http404("No such profile")
    return owner


def token_list_for_user(user: User) -> list[ApiToken]:
    """The member's tokens that still work, newest first (revoked ones are not shown)."""
    return list(
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at", "-id")
    )


# Accounts whose name counts: every one but a sign-up never confirmed (see User.Meta).
HOLDS_NAME = Q(is_active=True) | Q(last_login__isnull=False)


def display_name_taken(name: str, *, owner: User | None = None) -> bool:
    """Whether another account holds `name` (in any case). Pending sign-ups hold none, so that
    a name says nothing about whether an address has signed up."""
    taken = User.objects.filter(HOLDS_NAME, display_name__iexact=name)
    if owner is not None:
        taken = taken.exclude(pk=owner.pk)
    return taken.exists()


def recovery_codes_left(user: User) -> int:
    """How many of the member's recovery codes are still unused."""
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())
