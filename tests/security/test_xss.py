"""Known XSS payloads through every place member text appears: none survives as markup.

Each payload of xss_corpus.txt is written as an answer, an answer edit, a proposed question, an
overview with sources, a display name, a profile text, a connection note and a private message;
then every page that shows them is parsed and checked for anything executable or anything
loading from elsewhere.
"""

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from raremap.accounts.models import User
from raremap.accounts.services import token_create, user_update_profile
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.connections import services as connections
from raremap.connections.models import NOTE_MAX_LENGTH
from raremap.core.text import render_markdown
from raremap.moderation.models import Report
from raremap.moderation.services import report_submit
from raremap.questions import services
from raremap.questions.models import Question, Status
from tests.accounts.helpers import verified_login
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CORPUS = [
    line for line in (Path(__file__).parent / "xss_corpus.txt").read_text().splitlines() if line
]
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc", "xlink:href", "poster"}
NEVER = {"iframe", "img", "svg", "math", "object", "embed", "style", "base", "frame", "applet"}


class MarkupCheck(HTMLParser):
    """Collects what would run or load in a browser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False
        self.in_json_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "") for name, value in attrs}
        if tag in NEVER:
            self.problems.append(f"<{tag}>")
        if tag == "script" and values == {"type": "application/ld+json"}:
            self.in_json_ld = True  # data for search engines, never run: checked below
        elif tag == "script":
            self.in_script = True
            if not values.get("src", "").startswith("/static/"):
                self.problems.append(f"script {values}")
        # Canonical and hreflang links name pages of the site itself (docs/seo.md).
        own_page = values.get("rel") in ("canonical", "alternate") and values.get(
            "href", ""
        ).startswith(f"{settings.SITE_URL}/")
        if tag == "link" and not (
            values.get("href", "").startswith("/static/")
            or values.get("href") == "data:,"
            or own_page
        ):
            self.problems.append(f"link {values}")
        if tag == "meta" and "http-equiv" in values:
            self.problems.append(f"meta {values}")
        if tag == "form" and not values.get("action", "/").startswith("/"):
            self.problems.append(f"form {values}")
        for name, value in values.items():
            if name.startswith("on") or name == "style":
                self.problems.append(f"<{tag} {name}=…>")
            compact = "".join(value.split()).lower()
            if name in URL_ATTRIBUTES and compact.startswith(BAD_SCHEMES) and compact != "data:,":
                self.problems.append(f"<{tag} {name}={value}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = self.in_json_ld = False

    def handle_data(self, data: str) -> None:
        if self.in_json_ld:
            # JSON with <, > and & escaped: nothing in it can end the element.
            if {"<", ">", "&"} & set(data):
                self.problems.append(f"unescaped JSON-LD {data[:40]!r}")
            json.loads(data)
        if self.in_script and data.strip():
            self.problems.append(f"inline script {data[:40]!r}")


def problems_in(html: str) -> list[str]:
    checker = MarkupCheck()
    checker.feed(html)
    checker.close()
    return checker.problems


def test_the_checker_catches_what_it_looks_for() -> None:
    found = problems_in(
        '<script>x</script><img src=x onerror=y><a href=" javascript:z">a</a>'
        '<form action="https://evil.example/"></form><p style="x">'
    )
    assert found == [
        "script {}",
        "inline script 'x'",
        "<img>",
        "<img onerror=…>",
        "<a href= javascript:z>",
        "form {'action': 'https://evil.example/'}",
        "<p style=…>",
    ]


@pytest.mark.parametrize("payload", CORPUS)
def test_render_markdown_lets_nothing_through(payload: str) -> None:
    assert problems_in(render_markdown(payload)) == []


@pytest.fixture
def written(dfsp: Disease) -> dict[str, object]:
    """Every payload in every kind of member text, published."""
    best = services.question_ensure(disease=dfsp, slug="best-treatments")
    editor = UserFactory(display_name="Editor", reputation=100)
    MembershipFactory(user=editor, disease=dfsp, role=Role.PROFESSIONAL)
    follower = UserFactory(display_name="Follower")
    services.follow_set(user=follower, question=best, follow=True)
    # Friend receives a request with a note from every author; Pen Pal accepts one from each
    # and gets a message (both see the authors' names in their lists and notifications).
    friend = UserFactory(display_name="Friend")
    pen_pal = UserFactory(display_name="Pen Pal")
    for user in (friend, pen_pal):
        MembershipFactory(user=user, disease=dfsp)
    conversations = []
    authors = []
    for i, payload in enumerate(CORPUS):
        author = UserFactory(reputation=100, profile_public=True)
        # Display names are checked on input; the stored value is forced here to test output.
        User.objects.filter(pk=author.pk).update(display_name=f"{i} {payload}"[:40])
        author.refresh_from_db()
        user_update_profile(
            user=author,
            display_name=author.display_name,
            bio=payload,
            profile_public=True,
        )
        MembershipFactory(user=author, disease=dfsp)
        answer = services.answer_create(user=author, question=best, body=f"Before {payload}")
        services.answer_update(answer=answer, body=f"{payload} after")
        proposed = services.question_propose(
            user=author, disease=dfsp, text=f"Question {i} {payload}"
        )
        services.question_set_status(question=proposed, status=Status.PUBLISHED)
        services.overview_edit(
            question=best, editor=editor, body=payload, sources=payload, summary=payload
        )
        report_submit(reporter=follower, reason="other", details=payload, answer=answer)
        note = payload[:NOTE_MAX_LENGTH]
        waiting = connections.connection_request(requester=author, recipient=friend, note=note)
        report_submit(reporter=friend, reason="spam", details=payload, connection=waiting)
        connection = connections.connection_request(requester=author, recipient=pen_pal, note=note)
        connections.connection_accept(user=pen_pal, connection=connection)
        message = connections.message_send(
            sender=author, conversation=connection.conversation, body=payload
        )
        report_submit(reporter=pen_pal, reason="abuse", details=payload, message=message)
        conversations.append(connection.conversation)
        authors.append((author, answer, proposed))
    moderator = UserFactory(display_name="Moderator")
    Group.objects.get(name="Moderators").user_set.add(moderator)
    return {
        "best": best,
        "editor": editor,
        "follower": follower,
        "moderator": moderator,
        "authors": authors,
        "friend": friend,
        "pen_pal": pen_pal,
        "conversations": conversations,
    }


def test_no_payload_survives_on_any_page(written: dict, client: Client) -> None:
    best: Question = written["best"]  # type: ignore[assignment]
    base = f"/d/{best.disease.slug}/q/"
    editor_client, follower_client, moderator_client = Client(), Client(), Client()
    editor_client.force_login(written["editor"])  # type: ignore[arg-type]
    follower_client.force_login(written["follower"])  # type: ignore[arg-type]
    verified_login(moderator_client, written["moderator"])  # type: ignore[arg-type]
    pages = {
        "question (anonymous)": client.get(f"{base}best-treatments/"),
        "question, newest": client.get(f"{base}best-treatments/?sort=newest"),
        "question (member)": follower_client.get(f"{base}best-treatments/?page=2"),
        "question list": client.get(base),
        "disease": client.get(f"/d/{best.disease.slug}/"),
        "overview history": editor_client.get(f"{base}best-treatments/overview/history/"),
        "overview form": editor_client.get(f"{base}best-treatments/overview/edit/"),
        "notifications": follower_client.get("/notifications/"),
        "moderation queue": moderator_client.get("/moderation/"),
        "moderation queue, page 2": moderator_client.get("/moderation/?page=2"),
        "moderation queue, page 3": moderator_client.get("/moderation/?page=3"),
        "moderation queue, page 4": moderator_client.get("/moderation/?page=4"),
        "moderation queue, page 5": moderator_client.get("/moderation/?page=5"),
        "moderation queue, page 6": moderator_client.get("/moderation/?page=6"),
    }
    friend_client, pen_pal_client = Client(), Client()
    friend_client.force_login(written["friend"])  # type: ignore[arg-type]
    pen_pal_client.force_login(written["pen_pal"])  # type: ignore[arg-type]
    pages["requests with notes"] = friend_client.get("/connections/")
    pages["request notifications"] = friend_client.get("/notifications/")
    pages["connections"] = pen_pal_client.get("/connections/")
    pages["inbox"] = pen_pal_client.get("/messages/")
    pages["inbox, page 2"] = pen_pal_client.get("/messages/?page=2")
    pages["message notifications"] = pen_pal_client.get("/notifications/")
    for conversation in written["conversations"]:  # type: ignore[union-attr]
        key = conversation.public_id
        pages[f"conversation {key}"] = pen_pal_client.get(f"/messages/{key}/")
        message = conversation.messages.get()
        pages[f"message report form {key}"] = pen_pal_client.get(
            f"/moderation/report/message/{key}/{message.pk}/"
        )
        report = message.reports.get()
        pages[f"reported message {key}"] = moderator_client.post(
            f"/moderation/report/{report.pk}/read/"
        )
    for report in Report.objects.filter(connection__isnull=False):
        pages[f"reported request {report.pk}"] = moderator_client.post(
            f"/moderation/report/{report.pk}/read/"
        )
        pages[f"request report form {report.pk}"] = friend_client.get(
            f"/moderation/report/request/{report.connection.public_id}/"
        )
    pages["moderation log (reads)"] = moderator_client.get("/moderation/log/")
    pages["moderation log (reads), page 2"] = moderator_client.get("/moderation/log/?page=2")
    for author, answer, proposed in written["authors"]:  # type: ignore[union-attr]
        own = Client()
        own.force_login(author)
        key = author.display_name
        pages[f"proposed question {key}"] = client.get(f"{base}{proposed.slug}/")
        pages[f"answer edit {key}"] = own.get(f"/answers/{answer.pk}/edit/")
        pages[f"answer history {key}"] = own.get(f"/answers/{answer.pk}/history/")
        pages[f"profile {key}"] = follower_client.get(f"/accounts/u/{author.public_id}/")
        pages[f"profile with connect box {key}"] = friend_client.get(
            f"/accounts/u/{author.public_id}/"
        )
        pages[f"ask form {key}"] = friend_client.get(f"/connections/member/{author.public_id}/ask/")
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert problems_in(response.content.decode()) == [], name
    # The private places did show every payload (so the checks above could fail).
    assert pages["requests with notes"].content.decode().count('class="note"') == len(CORPUS)
    inbox = [pages[name].content.decode() for name in ("inbox", "inbox, page 2")]
    assert sum(page.count('<li class="unread">') for page in inbox) == len(CORPUS)


def test_no_payload_survives_in_the_api(written: dict, client: Client) -> None:
    best: Question = written["best"]  # type: ignore[assignment]
    base = f"/api/v1/diseases/{best.disease.slug}/questions/best-treatments"
    fragments = [client.get(base).json()["overview"]["body_html"]]
    for page in (1, 2):
        answers = client.get(f"{base}/answers", {"page": page}).json()["results"]
        fragments += [a["body_html"] for a in answers]
    assert len(fragments) == 1 + len(CORPUS)
    _token, secret = token_create(user=written["pen_pal"], name="xss")
    auth = {"Authorization": f"Bearer {secret}"}
    for conversation in written["conversations"]:
        path = f"/api/v1/conversations/{conversation.public_id}/messages"
        fragments += [m["body_html"] for m in client.get(path, headers=auth).json()["results"]]
    assert len(fragments) == 1 + 2 * len(CORPUS)
    for html in fragments:
        assert problems_in(html) == [], html
