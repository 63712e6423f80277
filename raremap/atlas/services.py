"""Map writes: opting in with consent, changing place, withdrawing, and publishing a map.

Every change publishes the disease's map in the same transaction (docs/map.md), so what a
member does is visible — or gone — when their request returns, and no published cell is ever
left with fewer than k members. A change republishes only the countries it touches: the k rule
never adds up members of different countries.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from raremap.accounts.models import User
from raremap.atlas.models import MapConsent, MapEntry, Place
from raremap.atlas.publish import map_publish
from raremap.atlas.tasks import map_publish_task
from raremap.catalog.models import Disease
from raremap.communities.models import Membership
from raremap.questions.reputation import TRUSTED_REPUTATION
from raremap.questions.services import answers_to_take_part

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


def answers_needed_to_join(user: User) -> int:
    """How many more published answers a member needs before opting in to a map (0: they
    may). New members are sandboxed (questions.services.member_is_new); demo members are not."""
    return 0 if user.is_demo else answers_to_take_part(user)


def join_rule_text(needed: int) -> str:
    """The rule as the map pages and the refusal state it, with its numbers."""
    return ngettext(
        "You can put yourself on the map once you have taken part in the community: write "
        "%(num)d more answer to its questions, or reach %(points)d reputation points.",
        "You can put yourself on the map once you have taken part in the community: write "
        "%(num)d more answers to its questions, or reach %(points)d reputation points.",
        needed,
    ) % {"num": needed, "points": TRUSTED_REPUTATION}


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
    needed = answers_needed_to_join(user)
    if needed:
        raise ValidationError(join_rule_text(needed), code="sandbox")
    stored = place_at_precision(place, precision)
    country = place_country(stored)
    now = timezone.now()
    entry = MapEntry.objects.select_for_update().filter(membership=membership).first()
    touched = {country.pk}
    if entry is None:
        if not consent:
            raise ValidationError(_("Please confirm that you agree to be shown on the map."))
        left = (
            MapConsent.objects.filter(
                user=user,
                disease=disease,
                withdrawn_at__isnull=False,
                place_changed_at__isnull=False,
            )
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
        days = wait.days + 1
        raise ValidationError(
            ngettext(
                "You can change your place again in %(days)d day.",
                "You can change your place again in %(days)d days.",
                days,
            )
            % {"days": days}
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
