"""Map writes: opting in with consent, changing place, withdrawing, and publishing a map.

Every change publishes the disease's map in the same transaction (docs/map.md), so what a
member does is visible — or gone — when their request returns, and no published cell is ever
left with fewer than k members.
"""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from raremap.accounts.models import User
from raremap.atlas import generalise
from raremap.atlas.models import MapConsent, MapEntry, MapSnapshot, Place, Precision
from raremap.atlas.selectors import snapshot_forget
from raremap.catalog.models import Disease
from raremap.communities.models import Membership
from raremap.questions.services import member_is_new

# The version of the consent text members agree to (atlas/jinja2/atlas/_consent.html).
# Change it whenever that text changes: consents record which version was shown.
CONSENT_VERSION = "2026-11-27"


def place_at_precision(place: Place, precision: int) -> Place:
    """The chosen place itself, or its ancestor at the chosen (coarser) precision."""
    if place.kind < precision:
        raise ValidationError(
            _("Choose a place at least as precise as the precision you want to share.")
        )
    while place.kind > precision:
        parent = place.parent
        assert parent is not None  # a region or city always has a parent
        if parent.kind < precision:  # a city whose region is not known
            raise ValidationError(
                _("We do not know the region of %(place)s: share the city or the country.")
                % {"place": place.name}
            )
        place = parent
    return place


def _membership(user: User, disease: Disease) -> Membership:
    membership = Membership.objects.filter(user=user, disease=disease).first()
    if membership is None:
        raise ValidationError(_("Join the community before you put yourself on its map."))
    return membership


@transaction.atomic
def map_join(
    *, user: User, disease: Disease, place: Place, precision: int, consent: bool
) -> MapEntry:
    """Put a member on a disease's map, or change their place or precision.

    Opting in needs the consent box ticked (recorded with the text's version). A place may
    change once every MAP_PLACE_CHANGE_DAYS; sharing less (a coarser place that contains the
    current one) is allowed at any time.
    """
    membership = _membership(user, disease)
    if member_is_new(user) and not user.is_demo:
        raise ValidationError(
            _("New members can join the map once they have taken part, e.g. with an answer.")
        )
    stored = place_at_precision(place, precision)
    now = timezone.now()
    entry = MapEntry.objects.select_for_update().filter(membership=membership).first()
    if entry is None:
        if not consent:
            raise ValidationError(_("Please confirm that you agree to be shown on the map."))
        record = MapConsent.objects.create(user=user, disease=disease, text_version=CONSENT_VERSION)
        entry = MapEntry.objects.create(
            membership=membership,
            disease=disease,
            place=stored,
            consent=record,
            place_changed_at=now,
        )
    elif entry.place_id != stored.pk:
        coarser = stored.pk in {p.pk for p in _ancestors(entry.place)}
        wait = entry.place_changed_at + timedelta(days=settings.MAP_PLACE_CHANGE_DAYS) - now
        if not coarser and wait > timedelta(0):
            raise ValidationError(
                _("You can change your place again in %(days)d days.") % {"days": wait.days + 1}
            )
        entry.place = stored
        if not coarser:
            entry.place_changed_at = now
        entry.save(update_fields=["place", "place_changed_at"])
    map_publish(disease_id=disease.pk)
    entry.refresh_from_db(fields=["published_place"])
    return entry


def _ancestors(place: Place) -> list[Place]:
    found = []
    while place.parent_id is not None:
        place = place.parent
        found.append(place)
    return found


@transaction.atomic
def map_withdraw(*, user: User, disease: Disease) -> bool:
    """Take a member off a disease's map at once; say whether they were on it."""
    entry = (
        MapEntry.objects.select_for_update()
        .filter(membership__user=user, disease=disease)
        .select_related("consent")
        .first()
    )
    if entry is None:
        return False
    consent = entry.consent
    entry.delete()
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    map_publish(disease_id=disease.pk)
    return True


def _chosen(
    place_id: int,
    kind: int,
    parent_id: int | None,
    parent_kind: int | None,
    grandparent_id: int | None,
    entry_id: int,
) -> generalise.Chosen:
    if kind == Precision.COUNTRY:
        return generalise.Chosen(entry_id, country=place_id)
    if kind == Precision.REGION:
        return generalise.Chosen(entry_id, country=parent_id, region=place_id)
    if parent_kind == Precision.REGION:
        return generalise.Chosen(entry_id, country=grandparent_id, region=parent_id, city=place_id)
    return generalise.Chosen(entry_id, country=parent_id, city=place_id)


@transaction.atomic
def map_publish(*, disease_id: int) -> MapSnapshot:
    """Recompute where each member of a disease's map is shown and the map's aggregates.

    Publishes of one map take turns (the snapshot row is locked), so each works from the
    state the previous one committed.
    """
    snapshot, _created = MapSnapshot.objects.select_for_update().get_or_create(
        disease_id=disease_id, defaults={"computed_at": timezone.now(), "data": {}}
    )
    rows = MapEntry.objects.filter(
        disease_id=disease_id, membership__user__is_active=True
    ).values_list(
        "membership_id",
        "published_place_id",
        "membership__role",
        "membership__user__is_demo",
        "place_id",
        "place__kind",
        "place__parent_id",
        "place__parent__kind",
        "place__parent__parent_id",
    )
    chosen, current, roles, demo = [], {}, {}, set()
    for entry_id, published_id, role, is_demo, *place in rows:
        chosen.append(_chosen(*place, entry_id))
        current[entry_id] = published_id
        roles[entry_id] = role
        if is_demo:
            demo.add(entry_id)
    published = generalise.publish(chosen, settings.MAP_K)

    changed: dict[int | None, list[int]] = {}
    for entry_id, place_id in published.items():
        if current[entry_id] != place_id:
            changed.setdefault(place_id, []).append(entry_id)
    for place_id, entry_ids in changed.items():
        for start in range(0, len(entry_ids), 5000):
            MapEntry.objects.filter(pk__in=entry_ids[start : start + 5000]).update(
                published_place_id=place_id
            )
    # Entries of inactive accounts are never shown.
    MapEntry.objects.filter(disease_id=disease_id, membership__user__is_active=False).exclude(
        published_place=None
    ).update(published_place=None)

    country_of = {c.entry_id: c.country for c in chosen}
    shown = [entry_id for entry_id, place_id in published.items() if place_id is not None]
    by_country = Counter(country_of[e] for e in shown)
    codes = dict(Place.objects.filter(pk__in=by_country).values_list("pk", "code"))
    snapshot.version += 1
    snapshot.computed_at = timezone.now()
    snapshot.data = {
        "k": settings.MAP_K,
        "total": len(shown),
        # Whether demo members (not real people) are among those shown; never how many.
        "demo": any(e in demo for e in shown),
        "roles": generalise.suppress_small(Counter(roles[e] for e in shown), settings.MAP_K),
        "countries": sorted((codes[country], n) for country, n in by_country.items()),
        "cells": sorted(generalise.cell_counts(published).items()),
    }
    snapshot.save()
    snapshot_forget(disease_id)
    return snapshot
