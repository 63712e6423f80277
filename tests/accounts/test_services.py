"""Account services: sign-up outcomes, activation tokens, profile updates."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from raremap.accounts import services
from raremap.accounts.models import User
from raremap.accounts.permissions import can_view_profile
from raremap.catalog.models import Disease
from tests.accounts.helpers import text_of
from tests.factories import PASSWORD, UserFactory

BASE = "https://raremap.example.org/"


class TokensMadeAt(services.ActivationTokenGenerator):
    """Activation tokens as if made at another moment."""

    def __init__(self, now: datetime.datetime) -> None:
        super().__init__()
        self.fixed = now

    def _now(self) -> datetime.datetime:
        return self.fixed


def signup(email: str = "new@example.org", name: str = "Calm Lagoon", **extra: str) -> User | None:
    return services.user_signup(
        email=email, display_name=name, password="a long passphrase", base_url=BASE, **extra
    )


@pytest.mark.django_db
def test_signup_returns_the_new_inactive_account() -> None:
    user = signup(email=" New@Example.ORG ")

    assert (user.email, user.is_active, user.is_demo, user.profile_public) == (
        "new@example.org",
        False,
        False,
        False,
    )
    assert mail.outbox[0].body.count("https://raremap.example.org/accounts/activate/") == 1


@pytest.mark.django_db
def test_signup_link_carries_the_next_page() -> None:
    signup(next_url="/d/dermatofibrosarcoma-protuberans/")

    assert "/?next=%2Fd%2Fdermatofibrosarcoma-protuberans%2F" in mail.outbox[0].body


@pytest.mark.django_db
def test_signup_for_a_confirmed_account_changes_nothing() -> None:
    member = UserFactory(email="new@example.org", display_name="Old Name")

    result = signup()

    member.refresh_from_db()
    assert result is None
    assert (member.display_name, member.check_password(PASSWORD)) == ("Old Name", True)
    assert mail.outbox[0].subject == "Someone tried to sign up with your address"


@pytest.mark.django_db
def test_signup_for_a_deactivated_account_changes_nothing() -> None:
    member = UserFactory(email="new@example.org", display_name="Old Name", is_active=False)
    User.objects.filter(pk=member.pk).update(last_login=datetime.datetime.now(datetime.UTC))

    result = signup()

    member.refresh_from_db()
    assert result is None
    assert (member.display_name, member.is_active, member.check_password(PASSWORD)) == (
        "Old Name",
        False,
        True,
    )


@pytest.mark.django_db
def test_signup_with_a_name_taken_meanwhile_still_mails_a_link() -> None:
    """A pending account holds no name (the name is checked again at activation), so a name
    taken after the form checked it changes nothing the visitor could see."""
    UserFactory(display_name="Calm Lagoon")  # taken after the form checked it

    result = signup()

    assert (result.email, result.display_name, result.is_active) == (
        "new@example.org",
        "Calm Lagoon",
        False,
    )
    assert [m.subject for m in mail.outbox] == ["Confirm your RareMap account"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("age", "works"),
    [(3 * 24 * 3600 - 60, True), (3 * 24 * 3600 + 60, False)],
)
def test_activation_link_lives_three_days(client: Client, age: int, works: bool) -> None:
    user = signup()
    made = datetime.datetime.now() - datetime.timedelta(seconds=age)
    token = TokensMadeAt(made).make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))

    client.post(f"/accounts/activate/{uid}/{token}/", {"password": "a long passphrase"})

    user.refresh_from_db()
    assert user.is_active is works


@pytest.mark.django_db
def test_activation_token_is_not_a_password_reset_token(client: Client) -> None:
    user = signup()
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.refresh_from_db()
    activation = services.activation_token.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))

    response = client.get(f"/accounts/password/reset/{uid}/{activation}/", follow=True)

    assert "This link does not work" in text_of(response)


@pytest.mark.django_db
def test_user_activate_refuses_an_active_account() -> None:
    user = UserFactory()
    token = services.activation_token.make_token(user)

    assert services.user_activate(user=user, token=token) is False


@pytest.mark.django_db
def test_update_profile_renders_the_bio_once() -> None:
    user = UserFactory()

    services.user_update_profile(
        user=user, display_name="New Name", bio="# Title\n\nText", profile_public=True
    )

    user.refresh_from_db()
    assert (user.display_name, user.bio_html, user.profile_public) == (
        "New Name",
        "<h3>Title</h3>\n<p>Text</p>",
        True,
    )


@pytest.mark.django_db
def test_update_profile_with_a_taken_name_raises_and_keeps_the_old_one() -> None:
    UserFactory(display_name="Taken")
    user = UserFactory(display_name="Mine")

    with pytest.raises(IntegrityError):
        services.user_update_profile(user=user, display_name="taken", bio="", profile_public=False)

    assert User.objects.get(pk=user.pk).display_name == "Mine"


@pytest.mark.django_db
def test_can_view_profile_matrix() -> None:
    private, public = UserFactory(), UserFactory(profile_public=True)
    inactive = UserFactory(profile_public=True, is_active=False)
    viewer = UserFactory()

    assert [
        can_view_profile(private, private),
        can_view_profile(viewer, private),
        can_view_profile(AnonymousUser(), private),
        can_view_profile(viewer, public),
        can_view_profile(AnonymousUser(), public),
        can_view_profile(viewer, inactive),
    ] == [True, False, False, True, False, False]


@pytest.mark.django_db
def test_deactivated_member_leaves_the_counts_and_cannot_log_in(dfsp: Disease) -> None:
    from raremap.communities.selectors import membership_role_counts
    from tests.factories import MembershipFactory

    member = UserFactory()
    MembershipFactory(user=member, disease=dfsp)
    MembershipFactory(disease=dfsp)

    services.user_deactivate(user=member)

    assert membership_role_counts(dfsp)["total"] == 1
    assert Client().login(email=member.email, password=PASSWORD) is False
