import re
from io import StringIO

import pycountry
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.demo import DOMAIN, demo_seed
from raremap.communities.models import Membership, Role
from raremap.communities.selectors import membership_role_counts
from tests.factories import PASSWORD, MembershipFactory, UserFactory

PSEUDONYM = re.compile(r"^(?:(?:[A-Z][a-z]+){2}|[a-z]+_[a-z]+)\d{1,4}$")  # QuietHeron42


def _snapshot() -> list[tuple]:
    """Everything a demo member is, except database ids and timestamps."""
    users = User.objects.filter(is_demo=True).order_by("email")
    memberships: dict[str, list[tuple[str, str]]] = {}
    for email, code, role in Membership.objects.filter(user__is_demo=True).values_list(
        "user__email", "disease__primary_code", "role"
    ):
        memberships.setdefault(email, []).append((code, role))
    return [
        (*row, sorted(memberships.get(row[0], [])))
        for row in users.values_list(
            "email", "display_name", "public_id", "country", "profile_public", "bio", "bio_html"
        )
    ]


@pytest.mark.django_db
def test_seed_creates_demo_members_with_memberships() -> None:
    result = demo_seed(members=300)

    demo = User.objects.filter(is_demo=True)
    assert (result.members, result.created, result.deleted) == (300, 300, 0)
    assert demo.count() == 300
    assert Membership.objects.filter(user__is_demo=True).count() == result.memberships_created
    per_member = Membership.objects.values("user").distinct().count()
    assert per_member == 300  # everyone belongs to at least one community
    assert 300 < result.memberships_created <= 900  # one to three each


@pytest.mark.django_db
def test_demo_members_cannot_log_in_and_live_at_the_reserved_domain() -> None:
    demo_seed(members=50)

    for user in User.objects.filter(is_demo=True):
        assert user.email.endswith(f"@{DOMAIN}")
        assert user.has_usable_password() is False
        assert user.is_active is True
        assert PSEUDONYM.match(user.display_name), user.display_name
    first = User.objects.get(email=f"demo-0000001@{DOMAIN}")
    assert authenticate(email=first.email, password="") is None
    assert authenticate(email=first.email, password=first.password) is None
    assert User.objects.filter(email__endswith=f"@{DOMAIN}", is_demo=False).count() == 0


@pytest.mark.django_db
def test_same_size_gives_the_same_members() -> None:
    demo_seed(members=120)
    first = _snapshot()
    User.objects.filter(is_demo=True).delete()

    demo_seed(members=120)

    assert _snapshot() == first
    assert len({row[1].lower() for row in first}) == 120  # display names are unique


@pytest.mark.django_db
def test_second_run_adds_nothing_in_two_queries(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    demo_seed(members=100)
    before = _snapshot()

    with django_assert_num_queries(2):
        result = demo_seed(members=100)

    assert (result.members, result.created, result.deleted, result.memberships_created) == (
        100,
        0,
        0,
        0,
    )
    assert _snapshot() == before


@pytest.mark.django_db
def test_growing_keeps_existing_members_and_equals_a_fresh_seed() -> None:
    demo_seed(members=50)
    ids = dict(User.objects.filter(is_demo=True).values_list("email", "pk"))

    result = demo_seed(members=80)

    assert (result.members, result.created, result.deleted) == (80, 30, 0)
    kept = dict(User.objects.filter(email__in=ids).values_list("email", "pk"))
    assert kept == ids
    grown = _snapshot()
    User.objects.filter(is_demo=True).delete()
    demo_seed(members=80)
    assert _snapshot() == grown


@pytest.mark.django_db
def test_shrinking_removes_the_highest_numbered_members_and_their_memberships() -> None:
    demo_seed(members=80)
    first_30 = _snapshot()[:30]

    result = demo_seed(members=30)

    assert (result.members, result.created, result.deleted) == (30, 0, 50)
    assert _snapshot() == first_30
    assert Membership.objects.filter(user__is_demo=True).count() == Membership.objects.count()
    assert Membership.objects.count() == sum(len(row[-1]) for row in first_30)


@pytest.mark.django_db
def test_real_members_are_never_touched(dfsp: Disease) -> None:
    real = MembershipFactory(disease=dfsp, role=Role.CAREGIVER).user
    fields = ["email", "display_name", "public_id", "password", "country", "is_demo"]
    before = User.objects.filter(pk=real.pk).values(*fields).get()

    demo_seed(members=40)
    demo_seed(members=0)

    assert User.objects.filter(pk=real.pk).values(*fields).get() == before
    assert list(Membership.objects.values_list("user_id", "disease_id", "role")) == [
        (real.pk, dfsp.pk, Role.CAREGIVER)
    ]
    assert User.objects.filter(is_demo=True).count() == 0
    assert authenticate(email=real.email, password=PASSWORD) == real


@pytest.mark.django_db
def test_a_name_held_by_a_real_member_gets_a_variant() -> None:
    demo_seed(members=1)
    name = User.objects.get(is_demo=True).display_name
    demo_seed(members=0)
    real = UserFactory(display_name=name.upper())

    demo_seed(members=3)

    assert User.objects.get(email=f"demo-0000001@{DOMAIN}").display_name == f"{name}a"
    real.refresh_from_db()
    assert real.display_name == name.upper()


@pytest.mark.django_db
def test_an_address_held_by_a_real_account_is_skipped() -> None:
    squatter = UserFactory(email=f"demo-0000002@{DOMAIN}", is_active=False)

    result = demo_seed(members=3)
    again = demo_seed(members=3)

    assert (result.created, again.created, again.deleted) == (2, 0, 0)
    squatter.refresh_from_db()
    assert (squatter.is_demo, squatter.has_usable_password()) == (False, True)
    assert not Membership.objects.filter(user=squatter).exists()


@pytest.mark.django_db
def test_dfsp_and_well_known_communities_have_members(dfsp: Disease) -> None:
    demo_seed(members=300)

    def members(code: str) -> int:
        return Membership.objects.filter(disease__primary_code=code).count()

    assert members("ORPHA:31112") >= 25  # DFSP
    assert members("ORPHA:586") >= 8  # cystic fibrosis
    assert members("ORPHA:558") >= 4  # Marfan syndrome
    assert members("ORPHA:803") >= 4  # amyotrophic lateral sclerosis
    biggest = (
        Membership.objects.values("disease__primary_code").annotate(n=Count("id")).order_by("-n")
    )
    assert biggest[0]["disease__primary_code"] == "ORPHA:31112"


@pytest.mark.django_db
def test_roles_are_mostly_patients_and_countries_are_real() -> None:
    demo_seed(members=300)

    roles = list(Membership.objects.values_list("role", flat=True))
    by_role = {role: roles.count(role) for role in Role.values}
    assert max(by_role, key=by_role.get) == Role.PATIENT  # type: ignore[arg-type]
    assert by_role[Role.PATIENT] > by_role[Role.RELATIVE] > by_role[Role.RESEARCHER]
    countries = set(User.objects.values_list("country", flat=True)) - {""}
    assert len(countries) >= 40
    assert all(pycountry.countries.get(alpha_2=code) for code in countries)
    public = User.objects.filter(profile_public=True).count()
    assert 0 < public < 100  # most profiles stay private


@pytest.mark.django_db
def test_cached_role_counts_are_forgotten(dfsp: Disease) -> None:
    assert membership_role_counts(dfsp)["total"] == 0  # now cached

    demo_seed(members=100)

    counts = membership_role_counts(dfsp)
    assert counts["total"] == Membership.objects.filter(disease=dfsp).count() > 0
    assert counts["demo"] == counts["total"]


@pytest.mark.django_db
def test_command_seeds_then_reports_current() -> None:
    out = StringIO()

    call_command("seed-demo", "--members", "10", stdout=out)
    call_command("seed-demo", "--members", "10", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Demo community: 10 members (10 added, 0 removed, ")
    assert lines[1] == "Demo community is current (10 members)."
