"""Map writes: opting in with consent, changing place, withdrawing, and publishing a map.

Every change publishes the disease's map in the same transaction (docs/map.md), so what a
member does is visible — or gone — when their request returns, and no published cell is ever
left with fewer than k members. A change republishes only the countries it touches: the k rule
never adds up members of different countries.
"""

from collections import Counter
from collections.abc import Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from raremap.accounts.models import User
from raremap.atlas import generalise
from raremap.atlas.models import MapConsent, MapCountry, MapEntry, MapSnapshot, Place, Precision
from raremap.atlas.selectors import snapshot_forget
from raremap.atlas.tasks import map_publish_task
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
    change once every MAP_PLACE_CHANGE_DAYS, and leaving the map and joining again counts as a
    change; sharing less (a coarser place that contains the current one) is allowed at any
    time. An entry counts toward k once it has been at its place MAP_ESTABLISHED_DAYS: the map
    is published again then (a task that waits).
    """
    membership = _membership(user, disease)
    if member_is_new(user) and not user.is_demo:
        raise ValidationError(
            _("New members can join the map once they have taken part, e.g. with an answer.")
        )
    stored = place_at_precision(place, precision)
    country = place_country(stored)
    now = timezone.now()
    entry = MapEntry.objects.select_for_update().filter(membership=membership).first()
    touched = {country.pk}
    if entry is None:
        if not consent:
            raise ValidationError(_("Please confirm that you agree to be shown on the map."))
        left = (
            MapConsent.objects.filter(user=user, disease=disease, place_changed_at__isnull=False)
            .order_by("-withdrawn_at")
            .values_list("place_changed_at", flat=True)
            .first()
        )
        if left is not None:
            _check_change_allowed(left, now)
        record = MapConsent.objects.create(user=user, disease=disease, text_version=CONSENT_VERSION)
        entry = MapEntry.objects.create(
            membership=membership,
            disease=disease,
            place=stored,
            country=country,
            consent=record,
            place_changed_at=now,
        )
    elif entry.place_id != stored.pk:
        coarser = stored.pk in {p.pk for p in _ancestors(entry.place)}
        if not coarser:
            _check_change_allowed(entry.place_changed_at, now)
        moved_from = entry.country_id
        entry.place, entry.country = stored, country
        if not coarser:
            entry.place_changed_at = now
        entry.save(update_fields=["place", "country", "place_changed_at"])
        touched.add(moved_from)
    map_publish(disease_id=disease.pk, countries=touched)
    if entry.place_changed_at == now:
        _publish_when_established(disease.pk, country.pk, now)
    entry.refresh_from_db(fields=["published_place"])
    return entry


def _check_change_allowed(changed_at: datetime, now: datetime) -> None:
    wait = changed_at + timedelta(days=settings.MAP_PLACE_CHANGE_DAYS) - now
    if wait > timedelta(0):
        raise ValidationError(
            _("You can change your place again in %(days)d days.") % {"days": wait.days + 1}
        )


def _publish_when_established(disease_id: int, country_id: int, changed_at: datetime) -> None:
    """Publish the country again when an entry placed at `changed_at` starts to count toward
    k, where the task backend can wait (otherwise `raremap publish-maps` does it)."""
    if not settings.MAP_ESTABLISHED_DAYS or not map_publish_task.get_backend().supports_defer:
        return
    when = changed_at + timedelta(days=settings.MAP_ESTABLISHED_DAYS, minutes=1)
    transaction.on_commit(
        lambda: map_publish_task.using(run_after=when).enqueue(disease_id, [country_id])
    )


def place_country(place: Place) -> Place:
    """The country a place is in (the place itself for a country)."""
    while place.parent is not None:
        place = place.parent
    return place


def _ancestors(place: Place) -> list[Place]:
    found = []
    while place.parent is not None:
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
    consent.place_changed_at = entry.place_changed_at
    consent.save(update_fields=["withdrawn_at", "place_changed_at"])
    map_publish(disease_id=disease.pk, countries={entry.country_id})
    return True


@transaction.atomic
def map_erase(*, user: User) -> int:
    """Take a member who is erasing their account off every map at once, and erase their map
    consents (raremap.privacy.services.account_erase). Returns how many maps they were on."""
    entries = MapEntry.objects.select_for_update().filter(membership__user=user)
    touched: dict[int, set[int]] = {}
    for disease_id, country_id in entries.values_list("disease_id", "country_id"):
        touched.setdefault(disease_id, set()).add(country_id)
    MapEntry.objects.filter(membership__user=user).delete()
    MapConsent.objects.filter(user=user).delete()
    for disease_id, countries in sorted(touched.items()):
        map_publish(disease_id=disease_id, countries=countries)
    return len(touched)


def _places_of(place_ids: set[int]) -> dict[int, generalise.Places]:
    """Each chosen place's (country, region, city) chain."""
    chains: dict[int, generalise.Places] = {}
    rows = Place.objects.filter(pk__in=place_ids).values_list(
        "pk", "kind", "parent_id", "parent__kind", "parent__parent_id"
    )
    for pk, kind, parent_id, parent_kind, grandparent_id in rows:
        if kind == Precision.COUNTRY:
            chains[pk] = (pk, None, None)
        elif kind == Precision.REGION:
            chains[pk] = (parent_id, pk, None)
        elif parent_kind == Precision.REGION:
            chains[pk] = (grandparent_id, parent_id, pk)  # type: ignore[assignment]  # has a country
        else:  # a city whose region is not known
            chains[pk] = (parent_id, None, pk)
    return chains


def _publish_country(disease_id: int, country_id: int, groups: list, chains: dict) -> None:
    """Publish one country of a map from its grouped members: write the published place of
    the entries whose place changes (by chosen place, one UPDATE per new published place)
    and the country's `MapCountry` row."""
    k = settings.MAP_K
    # Only established entries count toward k; the others are shown where those counts allow
    # (their places are in `counts` with nothing added, so the rule decides for them too).
    counts: Counter[generalise.Places] = Counter()
    for place_id, _published, _role, _demo, active, established, n in groups:
        if active:
            counts[chains[place_id]] += n if established else 0
    shown = generalise.publish_places(counts, k)
    moves: dict[int | None, set[int]] = {}
    roles: Counter[str] = Counter()
    cells: Counter[int] = Counter()
    demo = has_inactive = False
    for place_id, published, role, is_demo, active, _established, n in groups:
        if not active:
            has_inactive = True
            continue
        target = shown[chains[place_id]]
        if published != target:
            moves.setdefault(target, set()).add(place_id)
        if target is not None:
            roles[role] += n
            cells[target] += n
            demo = demo or is_demo
    entries = MapEntry.objects.filter(disease_id=disease_id, country_id=country_id)
    for target, place_ids in moves.items():
        chosen = sorted(place_ids)
        for start in range(0, len(chosen), 500):
            entries.filter(place_id__in=chosen[start : start + 500]).exclude(
                published_place_id=target
            ).update(published_place_id=target)
    if has_inactive:  # entries of inactive accounts are never shown (the updates above too)
        entries.filter(membership__user__is_active=False).exclude(published_place=None).update(
            published_place=None
        )
    if not cells:
        MapCountry.objects.filter(disease_id=disease_id, country_id=country_id).delete()
        return
    MapCountry.objects.update_or_create(
        disease_id=disease_id,
        country_id=country_id,
        defaults={
            "count": cells.total(),
            "roles": dict(sorted(roles.items())),
            "demo": demo,
            "cells": [list(cell) for cell in sorted(cells.items())],
        },
    )


@transaction.atomic
def map_publish(*, disease_id: int, countries: Collection[int] | None = None) -> MapSnapshot:
    """Publish a disease's map: where each member is shown, and the map's aggregates.

    The k rule never adds up members of different countries, so a change republishes only
    the `countries` it touches (place ids; both countries when a member moves between them),
    and the map's totals, role counts and country list are assembled from every country's
    `MapCountry` row. Without `countries` — or when k changed since the last publish — every
    country of the map is published (commands, the demo).

    Publishes of one map take turns (the snapshot row is locked), so each works from the
    state the previous one committed.
    """
    snapshot, _created = MapSnapshot.objects.select_for_update().get_or_create(
        disease_id=disease_id, defaults={"computed_at": timezone.now(), "data": {}}
    )
    if snapshot.data.get("k") != settings.MAP_K:
        countries = None
    entries = MapEntry.objects.filter(disease_id=disease_id)
    if countries is not None:
        entries = entries.filter(country_id__in=countries)
    settled = timezone.now() - timedelta(days=settings.MAP_ESTABLISHED_DAYS)
    rows = (
        entries.annotate(
            established=ExpressionWrapper(
                Q(place_changed_at__lte=settled), output_field=BooleanField()
            )
        )
        .values_list(
            "country_id",
            "place_id",
            "published_place_id",
            "membership__role",
            "membership__user__is_demo",
            "membership__user__is_active",
            "established",
        )
        .annotate(n=Count("*"))
        .order_by()
    )
    by_country: dict[int, list] = {}
    for country_id, *group in rows:
        by_country.setdefault(country_id, []).append(group)
    chains = _places_of({group[0] for groups in by_country.values() for group in groups})
    for country_id, groups in by_country.items():
        _publish_country(disease_id, country_id, groups, chains)
    # Countries left without entries show no one any more.
    emptied = MapCountry.objects.filter(disease_id=disease_id).exclude(
        country_id__in=list(by_country)
    )
    if countries is not None:
        emptied = emptied.filter(country_id__in=countries)
    emptied.delete()

    snapshot.version += 1
    snapshot.computed_at = timezone.now()
    snapshot.data = _assemble(disease_id)
    snapshot.save()
    snapshot_forget(disease_id)
    return snapshot


def _assemble(disease_id: int) -> dict:
    """A map's published aggregates from its countries' rows (without their cells). Role
    counts are suppressed on the map-wide sums, so no role count can be derived by
    subtraction from the total."""
    total, demo, countries = 0, False, []
    roles: Counter[str] = Counter()
    rows = MapCountry.objects.filter(disease_id=disease_id).values_list(
        "country__code", "count", "roles", "demo"
    )
    for code, count, country_roles, country_demo in rows:
        total += count
        demo = demo or country_demo
        roles.update(country_roles)
        countries.append((code, count))
    return {
        "k": settings.MAP_K,
        "total": total,
        # Whether demo members (not real people) are among those shown; never how many.
        "demo": demo,
        "roles": generalise.suppress_small(roles, settings.MAP_K),
        "countries": sorted(countries),
    }
