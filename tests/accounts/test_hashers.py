"""Passwords are stored with Argon2id at OWASP's parameters; older PBKDF2 hashes still log in
and are replaced at that log-in. (The rest of the suite hashes with MD5, for speed.)"""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from raremap import settings as site_settings
from raremap.accounts.models import User
from tests.accounts.helpers import LOGIN
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def site_hashers(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = site_settings.PASSWORD_HASHERS


def test_a_new_password_is_stored_with_argon2id_at_owasps_parameters(site_hashers) -> None:  # type: ignore[no-untyped-def]
    stored = make_password(PASSWORD)

    assert stored.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.django_db
def test_a_pbkdf2_hash_of_an_earlier_version_logs_in_and_is_replaced(  # type: ignore[no-untyped-def]
    site_hashers, client: Client
) -> None:
    member = UserFactory(email="old@example.org")
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=member.pk).update(password=old)

    response = client.post(LOGIN, {"email": "old@example.org", "password": PASSWORD})

    member.refresh_from_db()
    assert response.status_code == 302
    assert member.password.startswith("argon2$argon2id$")
    assert member.check_password(PASSWORD)
