"""API tokens: the "API tokens" page (create, list, revoke) and bearer authentication."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from raremap.accounts import services
from raremap.accounts.models import ApiToken, User
from raremap.accounts.services import TOKEN_MAX_ACTIVE, token_create
from raremap.catalog.models import Disease
from raremap.questions.models import Answer
from raremap.questions.services import answer_create, question_ensure
from tests.accounts.helpers import LOGIN, TOO_MANY, masked, text_of
from tests.factories import MembershipFactory

TOKENS = "/accounts/tokens/"
SECRET = re.compile(r"rm_[A-Za-z0-9_-]{43}")
UNAUTHORIZED = {"error": {"status": 401, "code": "unauthorized", "message": "Unauthorized"}}
EARLIER = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def revoke_url(token: ApiToken) -> str:
    return f"/accounts/tokens/{token.pk}/revoke/"


@pytest.fixture
def answer(dfsp: Disease, other_member: User) -> Answer:
    """Someone else's answer: a vote on it is the cheapest authenticated write."""
    MembershipFactory(user=other_member, disease=dfsp)
    question = question_ensure(disease=dfsp, slug="symptoms")
    return answer_create(user=other_member, question=question, body="Lumps under the skin.")


def vote(client: Client, answer: Answer, secret: str | None, value: int = 1):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
    return client.post(
        f"/api/v1/answers/{answer.pk}/vote",
        {"value": value},
        content_type="application/json",
        headers=headers,
    )


# --- the page -------------------------------------------------------------------------------


def test_token_page_needs_a_log_in(client: Client) -> None:
    response = client.get(TOKENS)

    assert (response.status_code, response["Location"]) == (302, f"{LOGIN}?next={TOKENS}")


def test_creating_a_token_shows_the_secret_once_and_stores_only_its_hash(
    member: User, member_client: Client
) -> None:
    created = member_client.post(TOKENS, {"name": "my script"})

    [secret] = SECRET.findall(created.content.decode())
    [token] = ApiToken.objects.filter(user=member)
    assert created.status_code == 200
    assert "Copy it now: it will not be shown again." in text_of(created)
    assert token.name == "my script"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:8]
    assert secret.startswith("rm_")
    assert (token.last_used_at, token.revoked_at) == (None, None)
    stored = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(secret in value for value in stored)
    # The list page afterwards shows the name and the prefix, never the secret.
    listed = member_client.get(TOKENS)
    assert secret not in listed.content.decode()
    assert f"my script {secret[:8]}… " in text_of(listed)


def test_token_list_shows_own_tokens_only(
    member: User, other_member: User, member_client: Client
) -> None:
    token, _secret = token_create(user=member, name="laptop")
    other, _ = token_create(user=other_member, name="canary-token-name")
    revoked, _ = token_create(user=member, name="old phone")
    services.token_revoke(user=member, token_id=revoked.pk)
    ApiToken.objects.filter(pk=token.pk).update(created_at=EARLIER, last_used_at=EARLIER)

    response = member_client.get(TOKENS)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    page = text_of(response)
    assert f"laptop {token.prefix}… Jan. 2, 2026, 3:04 a.m. Jan. 2, 2026, 3:04 a.m. Revoke" in page
    assert "canary-token-name" not in response.content.decode()
    assert other.prefix not in response.content.decode()
    assert "old phone" not in page
    assert revoke_url(token) in response.content.decode()


def test_a_new_token_was_never_used(member: User, member_client: Client) -> None:
    token_create(user=member, name="laptop")

    assert "Never" in text_of(member_client.get(TOKENS))


def test_a_token_needs_a_name(member: User, member_client: Client) -> None:
    response = member_client.post(TOKENS, {"name": "  "})

    assert response.status_code == 200
    assert "This field is required." in text_of(response)
    assert not ApiToken.objects.filter(user=member).exists()
    assert not SECRET.search(response.content.decode())


def test_active_tokens_are_limited(member: User, member_client: Client) -> None:
    for n in range(TOKEN_MAX_ACTIVE):
        token_create(user=member, name=f"token {n}")

    response = member_client.post(TOKENS, {"name": "one too many"})

    assert "You have 10 tokens. Please revoke one before you create another." in text_of(response)
    assert not SECRET.search(response.content.decode())
    assert ApiToken.objects.filter(user=member).count() == TOKEN_MAX_ACTIVE


@pytest.mark.usefixtures("clock")
def test_token_creation_is_throttled(member: User, member_client: Client) -> None:
    for n in range(10):
        member_client.post(TOKENS, {"name": f"t{n}"})

    response = member_client.post(TOKENS, {"name": "eleventh"})

    assert (response.status_code, response["Retry-After"]) == (429, str(60 * 60 - 100))
    assert TOO_MANY in text_of(response)
    assert ApiToken.objects.filter(user=member).count() == 10


def test_revoking_a_token(member: User, member_client: Client, answer: Answer) -> None:
    token, secret = token_create(user=member, name="laptop")

    response = member_client.post(revoke_url(token))

    token.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, TOKENS)
    assert token.revoked_at is not None
    assert "The token is revoked: it no longer works." in text_of(member_client.get(TOKENS))
    assert "laptop" not in text_of(member_client.get(TOKENS))
    assert vote(Client(), answer, secret).json() == UNAUTHORIZED


def test_revoking_another_members_token_is_404(other_member: User, member_client: Client) -> None:
    token, _secret = token_create(user=other_member, name="theirs")

    response = member_client.post(revoke_url(token))

    token.refresh_from_db()
    assert response.status_code == 404
    assert token.revoked_at is None
    assert masked(response).count("theirs") == 0


def test_revoking_an_unknown_or_revoked_token_is_404(member: User, member_client: Client) -> None:
    token, _secret = token_create(user=member, name="laptop")
    services.token_revoke(user=member, token_id=token.pk)

    assert member_client.post(revoke_url(token)).status_code == 404
    assert member_client.post("/accounts/tokens/999999/revoke/").status_code == 404


def test_revoking_needs_a_post(member: User, member_client: Client) -> None:
    token, _secret = token_create(user=member, name="laptop")

    response = member_client.get(revoke_url(token))

    token.refresh_from_db()
    assert response.status_code == 405
    assert token.revoked_at is None


def test_token_forms_need_the_csrf_token(member: User) -> None:
    token, _secret = token_create(user=member, name="laptop")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    created = client.post(TOKENS, {"name": "forged"})
    revoked = client.post(revoke_url(token))

    token.refresh_from_db()
    assert (created.status_code, revoked.status_code) == (403, 403)
    assert list(ApiToken.objects.filter(user=member).values_list("name", flat=True)) == ["laptop"]
    assert token.revoked_at is None


# --- bearer authentication ------------------------------------------------------------------


def test_a_token_authenticates_its_member(member: User, answer: Answer) -> None:
    _token, secret = token_create(user=member, name="laptop")

    response = vote(Client(), answer, secret)

    assert response.status_code == 200
    assert response.json() == {"answer_id": answer.pk, "score": 1, "vote": 1}
    assert answer.votes.get().user == member


def test_last_use_is_noted_at_most_once_a_minute(member: User, answer: Answer) -> None:
    token, secret = token_create(user=member, name="laptop")

    vote(Client(), answer, secret, 1)
    token.refresh_from_db()
    first = token.last_used_at
    vote(Client(), answer, secret, -1)
    token.refresh_from_db()
    second = token.last_used_at
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=two_minutes_ago)
    vote(Client(), answer, secret, 0)
    token.refresh_from_db()

    assert first is not None
    assert second == first
    assert token.last_used_at > two_minutes_ago + timedelta(minutes=1)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer rm_not-a-token-at-all",
        "Bearer ",
        "Token {secret}",
        "Basic {secret}",
        "Bearer {secret}x",
        "Bearer " + "rm_" + "a" * 5000,
    ],
)
def test_wrong_credentials_are_401(member: User, answer: Answer, header: str) -> None:
    _token, secret = token_create(user=member, name="laptop")

    response = Client().post(
        f"/api/v1/answers/{answer.pk}/vote",
        {"value": 1},
        content_type="application/json",
        headers={"Authorization": header.format(secret=secret)},
    )

    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert not answer.votes.exists()


def test_a_revoked_token_is_401(member: User, answer: Answer) -> None:
    token, secret = token_create(user=member, name="laptop")
    services.token_revoke(user=member, token_id=token.pk)

    response = vote(Client(), answer, secret)

    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert not answer.votes.exists()
    token.refresh_from_db()
    assert token.last_used_at is None


def test_the_token_of_an_inactive_member_is_401(member: User, answer: Answer) -> None:
    _token, secret = token_create(user=member, name="laptop")
    services.user_deactivate(user=member)

    response = vote(Client(), answer, secret)

    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert not answer.votes.exists()


def test_a_session_is_not_enough_for_an_api_write(member_client: Client, answer: Answer) -> None:
    response = vote(member_client, answer, None)

    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert not answer.votes.exists()
