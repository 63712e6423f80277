import pytest
from django.test import Client

from raremap.accounts.models import User
from tests.accounts.helpers import WINDOW_START, Clock
from tests.factories import UserFactory


@pytest.fixture
def member(db: None) -> User:
    return UserFactory(email="owner@example.org", display_name="Quiet Heron")


@pytest.fixture
def other_member(db: None) -> User:
    return UserFactory(email="other@example.org", display_name="Brisk Otter")


@pytest.fixture
def member_client(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def other_client(other_member: User) -> Client:
    client = Client()
    client.force_login(other_member)
    return client


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Throttle windows at a known point: 100 s into a window of every length."""
    fake = Clock(WINDOW_START + 100)
    monkeypatch.setattr("raremap.core.throttle.time", fake)
    return fake
