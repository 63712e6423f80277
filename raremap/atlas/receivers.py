"""Keeping maps right when something outside the atlas changes a member's presence.

Leaving a community deletes the map entry with the membership (a database cascade), a role
change alters the role counts, and a deactivated account must not be shown: each republishes
the countries concerned once the change commits. (The atlas's own services publish in the
same transaction instead; they do not go through here.)
"""

from django.db import transaction
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from raremap.accounts.models import User
from raremap.atlas.models import MapConsent, MapEntry
from raremap.communities.models import Membership


def _publish_later(countries: list[tuple[int, int]]) -> None:
    """Republish these (disease, country) pairs once the change commits."""
    from raremap.atlas.services import map_publish

    by_disease: dict[int, set[int]] = {}
    for disease_id, country_id in countries:
        by_disease.setdefault(disease_id, set()).add(country_id)

    def publish() -> None:
        for disease_id, country_ids in sorted(by_disease.items()):
            map_publish(disease_id=disease_id, countries=country_ids)

    transaction.on_commit(publish)


@receiver(pre_delete, sender=Membership, dispatch_uid="atlas-membership-deleted")
def membership_deleted(sender: type, instance: Membership, **kwargs: object) -> None:
    entry = MapEntry.objects.filter(membership_id=instance.pk).first()
    if entry is None:
        return
    MapConsent.objects.filter(pk=entry.consent_id).update(withdrawn_at=timezone.now())
    _publish_later([(instance.disease_id, entry.country_id)])


@receiver(post_save, sender=Membership, dispatch_uid="atlas-membership-saved")
def membership_saved(sender: type, instance: Membership, created: bool, **kwargs: object) -> None:
    if created:
        return
    country_id = (
        MapEntry.objects.filter(membership_id=instance.pk).values_list("country_id", flat=True)
    ).first()
    if country_id is not None:
        _publish_later([(instance.disease_id, country_id)])


@receiver(post_save, sender=User, dispatch_uid="atlas-user-saved")
def user_saved(sender: type, instance: User, **kwargs: object) -> None:
    """A deactivated account leaves every map it was shown on."""
    if instance.is_active:
        return
    shown = MapEntry.objects.filter(membership__user=instance).exclude(published_place=None)
    countries = list(shown.values_list("disease_id", "country_id"))
    if countries:
        _publish_later(countries)
