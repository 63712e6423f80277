"""Two members of the DFSP community — Quiet Heron (`member`, who has taken part) and Brisk
Otter (`other_member`) — an outsider, and helpers to connect them."""

import pytest
from django.test import Client

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.connections import services
from raremap.connections.models import Connection, Conversation
from raremap.questions.reputation import TRUSTED_REPUTATION
from tests.factories import MembershipFactory, UserFactory

NOTE = "Hello, I was diagnosed last year too. Canary-note-7F3A."
BODY = "Mohs surgery went well for me. Canary-body-5B2E."


def taken_part(user: User) -> User:
    """Out of the new-member sandbox (as if their answers had earned some upvotes)."""
    user.reputation = TRUSTED_REPUTATION
    user.save(update_fields=["reputation"])
    return user


@pytest.fixture
def pair(dfsp: Disease, member: User, other_member: User) -> tuple[User, User]:
    """Both in the DFSP community; Quiet Heron has taken part and may ask."""
    MembershipFactory(user=member, disease=dfsp)
    MembershipFactory(user=other_member, disease=dfsp)
    taken_part(member)
    return member, other_member


@pytest.fixture
def outsider(dfsp: Disease) -> User:
    """A third member of the same community, who has taken part too."""
    user = UserFactory(email="outsider@example.org", display_name="Nosy Magpie")
    MembershipFactory(user=user, disease=dfsp)
    return taken_part(user)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    client = Client()
    client.force_login(outsider)
    return client


@pytest.fixture
def asked(pair: tuple[User, User]) -> Connection:
    """Quiet Heron has asked Brisk Otter, with a note."""
    member, other = pair
    return services.connection_request(requester=member, recipient=other, note=NOTE)


@pytest.fixture
def conversation(asked: Connection) -> Conversation:
    """Brisk Otter accepted; their conversation is open and empty."""
    services.connection_accept(user=asked.recipient, connection=asked)
    return Conversation.objects.get(connection=asked)
