"""Community writes: join and leave."""

from django.core.cache import cache
from django.db import IntegrityError, transaction

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership


def _forget_counts(disease: Disease) -> None:
    cache.delete(f"community:role-counts:{disease.pk}")


def membership_join(*, user: User, disease: Disease, role: str) -> Membership:
    """Join a community, or change one's role in it (one membership per member and disease)."""
    try:
        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(
                user=user, disease=disease, defaults={"role": role}
            )
    except IntegrityError:  # a parallel request joined first
        membership, created = Membership.objects.get(user=user, disease=disease), False
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    _forget_counts(disease)
    return membership


def membership_leave(*, user: User, disease: Disease) -> bool:
    deleted, _ = Membership.objects.filter(user=user, disease=disease).delete()
    _forget_counts(disease)
    return bool(deleted)
