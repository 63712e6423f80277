"""Publishing per country (docs/map.md "Publishing"): each map entry gets the country of its
place, and each map its per-country rows (`MapCountry`), made from what is published now — no
k rule runs here, the published places already follow it — so that a map page shows the same
before and after. The snapshots lose their cells, which now live in those rows."""

from collections import Counter, defaultdict

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Case, Count, F, OuterRef, Subquery, When

COUNTRY, REGION = 0, 1


def fill_countries(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Each entry's country: its place, the place's parent or grandparent, whichever is a
    country (one UPDATE with a subquery, also for a million entries)."""
    MapEntry = apps.get_model("atlas", "MapEntry")
    Place = apps.get_model("atlas", "Place")
    country = (
        Place.objects.filter(pk=OuterRef("place_id"))
        .annotate(
            country_id=Case(
                When(kind=COUNTRY, then=F("pk")),
                When(parent__kind=COUNTRY, then=F("parent_id")),
                default=F("parent__parent_id"),
            )
        )
        .values("country_id")[:1]
    )
    MapEntry.objects.update(country=Subquery(country))


def fill_map_countries(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Each map's per-country rows from the entries shown now (published place set, account
    active), as atlas.services writes them."""
    MapEntry = apps.get_model("atlas", "MapEntry")
    MapCountry = apps.get_model("atlas", "MapCountry")
    MapSnapshot = apps.get_model("atlas", "MapSnapshot")
    rows = (
        MapEntry.objects.filter(published_place__isnull=False, membership__user__is_active=True)
        .values_list(
            "disease_id",
            "country_id",
            "published_place_id",
            "membership__role",
            "membership__user__is_demo",
        )
        .annotate(n=Count("*"))
        .order_by()
    )
    maps: dict[tuple[int, int], dict] = defaultdict(
        lambda: {"roles": Counter(), "cells": Counter(), "demo": False}
    )
    for disease_id, country_id, place_id, role, is_demo, n in rows:
        part = maps[disease_id, country_id]
        part["roles"][role] += n
        part["cells"][place_id] += n
        part["demo"] = part["demo"] or is_demo
    MapCountry.objects.bulk_create(
        [
            MapCountry(
                disease_id=disease_id,
                country_id=country_id,
                count=sum(part["cells"].values()),
                roles=dict(sorted(part["roles"].items())),
                demo=part["demo"],
                cells=[list(cell) for cell in sorted(part["cells"].items())],
            )
            for (disease_id, country_id), part in maps.items()
        ],
        batch_size=500,
    )
    for snapshot in MapSnapshot.objects.all():
        snapshot.data.pop("cells", None)
        snapshot.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("atlas", "0002_place_search_key_pattern"),
        ("catalog", "0002_search_index"),
        ("communities", "0003_role_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="mapentry",
            name="country",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="atlas.place",
            ),
        ),
        migrations.RunPython(fill_countries, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="mapentry",
            name="country",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="atlas.place",
            ),
        ),
        migrations.AddIndex(
            model_name="mapentry",
            index=models.Index(fields=["disease", "country", "place"], name="map_entry_country"),
        ),
        migrations.CreateModel(
            name="MapCountry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("count", models.PositiveIntegerField()),
                ("roles", models.JSONField()),
                ("demo", models.BooleanField()),
                ("cells", models.JSONField()),
                (
                    "country",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="atlas.place",
                    ),
                ),
                (
                    "disease",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="catalog.disease",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "map countries",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("disease", "country"), name="map_country_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("count__gt", 0)), name="map_country_shows_someone"
                    ),
                ],
            },
        ),
        migrations.RunPython(fill_map_countries, migrations.RunPython.noop, elidable=True),
    ]
