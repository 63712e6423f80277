"""Prepared queries give what the ORM query they were written as gives."""

import pytest
from django.db.models import Count

from raremap.accounts.models import User
from raremap.core.prepared import Param, Prepared
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _by_name(name: str, points: int):  # type: ignore[no-untyped-def]
    return (
        User.objects.filter(display_name=name, reputation=points, is_active=True)
        .values("id", "display_name", "is_active", "date_joined")
        .annotate(groups=Count("groups"))
    )


BY_NAME = Prepared(_by_name, Param("name", str), Param("points"))


def test_rows_match_the_orm_for_every_value() -> None:
    UserFactory(display_name="Ada", reputation=10)
    UserFactory(display_name="Bea", reputation=0)
    UserFactory(display_name="Cy", is_active=False)

    for name, points in [("Ada", 10), ("Ada", 0), ("Bea", 0), ("Cy", 0), ("Dee", 0)]:
        assert BY_NAME.rows(name=name, points=points) == list(_by_name(name, points))


def test_converted_values_are_python_values() -> None:
    UserFactory(display_name="Ada")

    row = BY_NAME.first(name="Ada", points=0)

    assert row is not None
    assert row["is_active"] is True
    assert row["date_joined"].tzinfo is not None


def test_a_placeholder_the_query_hides_is_refused() -> None:
    hidden = Prepared(
        lambda name: User.objects.filter(display_name__contains=name).values("id"),
        Param("name", str),
    )

    with pytest.raises(TypeError, match="changed by its lookup"):
        hidden.rows(name="Ada")


def test_a_constant_equal_to_a_sample_value_stays_a_constant() -> None:
    # 20000 is the first sample value of an integer placeholder.
    both = Prepared(
        lambda points: User.objects.filter(reputation=points, reputation__lt=20_000).values("id"),
        Param("points"),
    )
    user = UserFactory(reputation=5)

    # Taken for a placeholder, the constant would become 5 too, and nobody has fewer than 5.
    assert both.rows(points=5) == [{"id": user.pk}]


def test_constants_written_into_the_sql_keep_their_quotes_and_percent_signs() -> None:
    quoted = Prepared(
        lambda points: User.objects.filter(reputation=points, display_name="O'Brien 100%").values(
            "id"
        ),
        Param("points"),
    )
    user = UserFactory(display_name="O'Brien 100%", reputation=3)
    UserFactory(display_name="O'Brien 100", reputation=3)

    assert quoted.rows(points=3) == [{"id": user.pk}]
