"""Community writes: join and leave."""

from django.core.cache import cache

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Membership


def _forget_counts(disease: Disease) -> None:
    # The key of selectors.membership_role_counts (demo.py deletes the same keys).
    cache.delete(f"community:role-counts:{disease.pk}")


def membership_join(*, user: User, disease: Disease, role: str) -> Membership:
    """Join a community, or change one's role in it (one membership per member and disease).

    update_or_create locks the row and retries the read if a parallel request created it.
    """
    membership, _created = Membership.objects.update_or_create(
        user=user, disease=disease, defaults={"role": role}
    )
    _forget_counts(disease)
    return membership


def membership_leave(*, user: User, disease: Disease) -> bool:
    """Leave a community; say whether there was a membership to end."""
    deleted, _rows = Membership.objects.filter(user=user, disease=disease).delete()
    _forget_counts(disease)
    return bool(deleted)
