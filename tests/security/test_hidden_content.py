"""Hidden, removed and deleted content answers 404 or is absent on every path.

One answer and one proposed question carry canary strings; they are shown everywhere first
(so the checks below can fail), then taken down, then every read path is asked again.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from raremap.accounts.models import User
from raremap.accounts.services import token_create
from raremap.catalog.models import Disease
from raremap.moderation import services as moderation
from raremap.questions import services
from raremap.questions.digest import digest_refresh
from raremap.questions.models import Question, Status
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DFSP = "/d/dermatofibrosarcoma-protuberans/"
API = "/api/v1"
API_DFSP = f"{API}/diseases/dermatofibrosarcoma-protuberans"
ANSWER_CANARY = "canary-answer-4C9D"
QUESTION_CANARY = "Canary question 8E2A"


@pytest.fixture
def world(dfsp: Disease, member: User, other_member: User) -> dict:
    best = services.question_ensure(disease=dfsp, slug="best-treatments")
    MembershipFactory(user=member, disease=dfsp)
    services.follow_set(user=other_member, question=best, follow=True)
    answer = services.answer_create(user=member, question=best, body=f"{ANSWER_CANARY} text.")
    proposed = services.question_propose(user=member, disease=dfsp, text=f"{QUESTION_CANARY}?")
    services.question_set_status(question=proposed, status=Status.PUBLISHED)
    digest_refresh(question=best)
    moderator = UserFactory(display_name="Moderator")
    Group.objects.get(name="Moderators").user_set.add(moderator)
    _token, secret = token_create(user=other_member, name="reader")
    return {
        "best": best,
        "answer": answer,
        "proposed": proposed,
        "moderator": moderator,
        "auth": {"Authorization": f"Bearer {secret}"},
    }


def _paths(world: dict) -> dict[str, str]:
    answer, proposed = world["answer"], world["proposed"]
    return {
        "question page": f"{DFSP}q/best-treatments/",
        "question page, newest": f"{DFSP}q/best-treatments/?sort=newest",
        "question list": f"{DFSP}q/",
        "disease page": DFSP,
        "proposed question page": f"{DFSP}q/{proposed.slug}/",
        "notifications": "/notifications/",
        "api answers": f"{API_DFSP}/questions/best-treatments/answers",
        "api question": f"{API_DFSP}/questions/best-treatments",
        "api questions": f"{API_DFSP}/questions",
        "api answer": f"{API}/answers/{answer.pk}",
        "api proposed": f"{API_DFSP}/questions/{proposed.slug}",
    }


def _bodies(client: Client, world: dict) -> dict[str, tuple[int, str]]:
    seen = {}
    for name, path in _paths(world).items():
        response = client.get(path)  # a logged-in member: never from the page cache
        seen[name] = (response.status_code, response.content.decode())
    return seen


def _digest_ids(client: Client) -> list[int]:
    url = f"{API_DFSP}/questions/best-treatments"
    return [item["answer_id"] for item in client.get(url).json()["digest"]]


@pytest.mark.parametrize("how", ["hide", "remove", "delete"])
def test_taken_down_content_is_gone_from_every_path(
    world: dict, other_client: Client, how: str
) -> None:
    answer, proposed = world["answer"], world["proposed"]
    before = _bodies(other_client, world)
    assert ANSWER_CANARY in before["question page"][1]
    assert ANSWER_CANARY in before["api answer"][1]
    assert QUESTION_CANARY in before["question list"][1]
    assert "Quiet Heron answered" in before["notifications"][1]
    assert _digest_ids(other_client) == [answer.pk]

    if how == "delete":
        services.answer_delete(answer=answer)
        services.question_set_status(question=proposed, status=Status.DELETED)
    else:
        action = moderation.content_hide if how == "hide" else moderation.content_remove
        action(moderator=world["moderator"], answer=answer)
        action(moderator=world["moderator"], question=proposed)

    after = _bodies(other_client, world)
    for name, (_status, body) in after.items():
        assert ANSWER_CANARY not in body, name
        assert QUESTION_CANARY not in body, name
    assert after["api answer"][0] == 404
    assert after["proposed question page"][0] == 404
    assert after["api proposed"][0] == 404
    assert "Quiet Heron answered" not in after["notifications"][1]
    assert "Nothing new." in after["notifications"][1]
    assert _digest_ids(other_client) == []  # before any recompute
    # Writes on it are refused the same way.
    assert other_client.post(f"/answers/{answer.pk}/vote/", {"value": "1"}).status_code == 404
    vote = other_client.post(
        f"{API}/answers/{answer.pk}/vote",
        {"value": 1},
        content_type="application/json",
        headers=world["auth"],
    )
    assert vote.status_code == 404
    assert Question.objects.get(pk=world["best"].pk).answer_count == 0


MESSAGE_CANARY = "canary-message-3D7C"


def test_a_hidden_message_is_gone_from_every_path(
    dfsp: Disease, member: User, other_member: User, other_client: Client
) -> None:
    from raremap.connections import services as connections
    from raremap.questions.reputation import TRUSTED_REPUTATION

    for user in (member, other_member):
        MembershipFactory(user=user, disease=dfsp)
    User.objects.filter(pk=member.pk).update(reputation=TRUSTED_REPUTATION)
    member.refresh_from_db()
    connection = connections.connection_request(requester=member, recipient=other_member)
    connections.connection_accept(user=other_member, connection=connection)
    conversation = connection.conversation
    message = connections.message_send(
        sender=member, conversation=conversation, body=f"{MESSAGE_CANARY} text."
    )
    report = moderation.report_submit(reporter=other_member, reason="abuse", message=message)
    moderator = UserFactory(display_name="Moderator")
    Group.objects.get(name="Moderators").user_set.add(moderator)
    _token, secret = token_create(user=other_member, name="reader")
    auth = {"Authorization": f"Bearer {secret}"}
    page = f"/messages/{conversation.public_id}/"
    api = f"{API}/conversations/{conversation.public_id}/messages"
    report_form = f"/moderation/report/message/{conversation.public_id}/{message.pk}/"
    assert MESSAGE_CANARY in other_client.get(page).content.decode()
    assert MESSAGE_CANARY in other_client.get(api, headers=auth).content.decode()
    assert other_client.get(report_form).status_code == 200

    moderation.message_hide(moderator=moderator, report=report)

    assert MESSAGE_CANARY not in other_client.get(page).content.decode()
    (shown,) = other_client.get(api, headers=auth).json()["results"]
    assert (shown["body_html"], shown["hidden"]) == (None, True)
    assert other_client.get(report_form).status_code == 404
    for path in ("/messages/", "/notifications/"):
        assert MESSAGE_CANARY not in other_client.get(path).content.decode()
