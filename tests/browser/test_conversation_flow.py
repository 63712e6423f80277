"""Two connected members write to each other: each sees the other's messages appear without
reloading the page, and "No messages yet" goes once there is a message."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_question_flow import in_thread

pytestmark = pytest.mark.browser


def _two_connected_members() -> dict[str, Any]:
    from raremap.accounts.sessions import session_for
    from raremap.catalog.models import Disease
    from raremap.connections import services
    from raremap.connections.models import Conversation
    from tests.connections.conftest import taken_part
    from tests.factories import MembershipFactory, UserFactory

    dfsp = Disease.objects.get(primary_code="ORPHA:31112")
    asker = taken_part(UserFactory(display_name="Browser Asker"))
    other = UserFactory(display_name="Browser Other")
    for user in (asker, other):
        MembershipFactory(user=user, disease=dfsp)
    connection = services.connection_request(requester=asker, recipient=other)
    services.connection_accept(user=other, connection=connection)
    conversation = Conversation.objects.get(connection=connection)
    return {
        "users": [asker.pk, other.pk],
        "sessions": [session_for(asker), session_for(other)],
        "conversation": conversation.public_id,
        "disease": dfsp.pk,
    }


def _clean_up(data: dict[str, Any]) -> None:
    from raremap.accounts.models import User
    from raremap.communities.services import role_counts_recompute

    User.objects.filter(pk__in=data["users"]).delete()
    role_counts_recompute(disease_ids=[data["disease"]])


@pytest.fixture
def connected() -> Iterator[dict[str, Any]]:
    data = in_thread(_two_connected_members)
    yield data
    in_thread(lambda: _clean_up(data))


def _open(browser, site_server: str, session: str, path: str, width: int = 1280):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": session, "url": site_server}])
    page = context.new_page()
    page.csp_violations = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda m: (
            page.csp_violations.append(m.text)  # type: ignore[attr-defined]
            if "Content Security" in m.text
            else None
        ),
    )
    page.goto(site_server + path)
    page.evaluate("window.notReloaded = true")
    return context, page


def test_each_member_sees_the_others_messages_without_a_reload(  # type: ignore[no-untyped-def]
    site_server: str, browser, connected
) -> None:
    path = f"/messages/{connected['conversation']}/"
    a_context, a_page = _open(browser, site_server, connected["sessions"][0], path)
    b_context, b_page = _open(browser, site_server, connected["sessions"][1], path, width=390)
    assert a_page.locator("#messages-empty").is_visible()

    # A writes the first message: it shows once, and "No messages yet" goes.
    a_page.fill("#id_body", "Hello from A")
    a_page.click("#message-form button[type=submit]")
    a_page.locator("#messages li", has_text="Hello from A").wait_for()
    assert a_page.locator("#messages-empty").count() == 0
    assert a_page.locator("#id_body").input_value() == ""

    # B, who opened the page before, sees it arrive within a poll (every 12 s) and answers.
    b_page.locator("#messages li", has_text="Hello from A").wait_for(timeout=20_000)
    assert b_page.locator("#messages-empty").count() == 0
    b_page.fill("#id_body", "Hello back from B")
    b_page.click("#message-form button[type=submit]")
    b_page.locator("#messages li", has_text="Hello back from B").wait_for()

    # A sees B's answer without reloading, after their own message, each once.
    a_page.locator("#messages li", has_text="Hello back from B").wait_for(timeout=20_000)
    texts = a_page.locator("#messages li .user-text").all_inner_texts()
    assert texts == ["Hello from A", "Hello back from B"]
    assert b_page.locator("#messages li .user-text").all_inner_texts() == texts
    assert a_page.evaluate("window.notReloaded") is True
    assert b_page.evaluate("window.notReloaded") is True
    assert a_page.csp_violations == []  # type: ignore[attr-defined]
    assert b_page.csp_violations == []  # type: ignore[attr-defined]
    screenshot(a_page, "conversation-a")
    screenshot(b_page, "conversation-b-390")
    a_context.close()
    b_context.close()
