"""Community writes: join, leave, and the member counts kept beside them."""

from collections.abc import Iterable

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from raremap.accounts.models import User
from raremap.accounts.permissions import is_moderator
from raremap.catalog.models import Disease
from raremap.communities.models import CLAIMED_ROLES, Membership, RoleCount, RoleVerification
from raremap.communities.selectors import counts_cache_key
from raremap.core.text import plain_text


def _counts_changed(disease_ids: Iterable[int]) -> None:
    """Forget the cached counts of these communities now and again once the change is
    committed (a request in between may have cached the counts from before it)."""
    keys = [counts_cache_key(disease_id) for disease_id in disease_ids]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _count_add(*, disease_id: int, role: str, is_demo: bool, delta: int) -> None:
    """Change one count in the caller's transaction (row-level: parallel joins add up)."""
    _counts_changed([disease_id])
    rows = RoleCount.objects.filter(disease_id=disease_id, role=role, is_demo=is_demo)
    if rows.update(count=F("count") + delta):
        return
    try:
        with transaction.atomic():
            RoleCount.objects.create(
                disease_id=disease_id, role=role, is_demo=is_demo, count=max(delta, 0)
            )
    except IntegrityError:  # created in parallel: add to it
        rows.update(count=F("count") + delta)


@transaction.atomic
def membership_join(*, user: User, disease: Disease, role: str) -> Membership:
    """Join a community, or change one's role in it (one membership per member and disease).

    The membership row is locked while the counts change, so parallel requests count once.
    """
    previous = Membership.objects.select_for_update().filter(user=user, disease=disease).first()
    if previous is not None and previous.role == role:
        return previous
    if previous is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(user=user, disease=disease, role=role)
        except IntegrityError:  # a parallel request joined first: change its role instead
            return membership_join(user=user, disease=disease, role=role)
    else:
        if user.is_active:  # only active members are counted
            _count_add(disease_id=disease.pk, role=previous.role, is_demo=user.is_demo, delta=-1)
        previous.role = role
        previous.save(update_fields=["role"])
        membership = previous
    if user.is_active:
        _count_add(disease_id=disease.pk, role=role, is_demo=user.is_demo, delta=1)
    return membership


@transaction.atomic
def membership_leave(*, user: User, disease: Disease) -> bool:
    """Leave a community; say whether there was a membership to end."""
    membership = Membership.objects.select_for_update().filter(user=user, disease=disease).first()
    if membership is None:
        return False
    membership.delete()
    if user.is_active:
        _count_add(disease_id=disease.pk, role=membership.role, is_demo=user.is_demo, delta=-1)
    return True


@transaction.atomic
def memberships_erase(*, user: User) -> list[int]:
    """End every membership of a member who is erasing their account, with the member counts
    right at once, and their role verifications (raremap.privacy.services.account_erase).
    Returns the communities."""
    memberships = list(
        Membership.objects.select_for_update().filter(user=user).values_list("disease_id", "role")
    )
    Membership.objects.filter(user=user).delete()
    RoleVerification.objects.filter(user=user).delete()  # what moderators checked about them
    if user.is_active:  # only active members are counted
        for disease_id, role in memberships:
            _count_add(disease_id=disease_id, role=role, is_demo=user.is_demo, delta=-1)
    return sorted(disease_id for disease_id, _role in memberships)


@transaction.atomic
def role_counts_recompute(*, disease_ids: Iterable[int]) -> int:
    """Count the active members of these communities afresh (after bulk changes: the demo
    seeder, deactivating an account). Returns how many count rows it wrote."""
    ids = list(disease_ids)
    _counts_changed(ids)
    RoleCount.objects.filter(disease_id__in=ids).delete()
    rows = (
        Membership.objects.filter(disease_id__in=ids, user__is_active=True)
        .values("disease_id", "role", "user__is_demo")
        .annotate(n=Count("id"))
    )
    counts = [
        RoleCount(
            disease_id=r["disease_id"], role=r["role"], is_demo=r["user__is_demo"], count=r["n"]
        )
        for r in rows
    ]
    RoleCount.objects.bulk_create(counts, batch_size=2000)
    return len(counts)


def _pages_show_roles_of(user: User) -> None:
    """Pages that show this member's role badge are rendered again (kept question pages)."""
    from raremap.questions.models import Question

    Question.objects.filter(answers__author=user).update(changed_at=timezone.now())


@transaction.atomic
def role_verify(*, moderator: User, user: User, role: str, evidence: str) -> RoleVerification:
    """A moderator records that a member holds a claimed role, with what they checked."""
    if not is_moderator(moderator):
        raise PermissionDenied
    if role not in CLAIMED_ROLES:
        raise ValidationError(_("Only claimed roles are verified."))
    if moderator.pk == user.pk:
        raise ValidationError(_("Another moderator verifies your own role."))
    evidence = plain_text(evidence or "", limit=1000).strip()
    if not evidence:
        raise ValidationError(_("Please say what you checked."))
    current = RoleVerification.objects.filter(user=user, role=role, revoked_at=None).first()
    if current is not None:
        return current
    verification = RoleVerification.objects.create(
        user=user, role=role, evidence=evidence, verified_by=moderator, verified_at=timezone.now()
    )
    _pages_show_roles_of(user)
    return verification


@transaction.atomic
def role_revoke(*, moderator: User, verification: RoleVerification) -> RoleVerification:
    """A moderator withdraws a verification; the role is a claim again."""
    if not is_moderator(moderator):
        raise PermissionDenied
    if verification.revoked_at is None:
        verification.revoked_by, verification.revoked_at = moderator, timezone.now()
        verification.save(update_fields=["revoked_by", "revoked_at"])
        _pages_show_roles_of(verification.user)
    return verification
