"""A member who has not agreed to the privacy notice in force is asked first, agrees with the
box, goes on; their data page and the delete page are accessible."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_catalog_flow import axe_violations
from tests.browser.test_question_flow import in_thread

pytestmark = pytest.mark.browser


def _unasked_member() -> dict[str, Any]:
    from raremap.accounts.sessions import session_for
    from tests.factories import UserFactory

    user = UserFactory(display_name="Browser Unasked", consent_version="")
    return {"user": user.pk, "session": session_for(user)}


def _consents(user_id: int) -> list[str]:
    from raremap.accounts.models import ConsentRecord

    return list(
        ConsentRecord.objects.filter(user_id=user_id).values_list("notice_version", flat=True)
    )


def _clean_up(data: dict[str, Any]) -> None:
    from raremap.accounts.models import User

    User.objects.filter(pk=data["user"]).delete()


@pytest.fixture
def unasked() -> Iterator[dict[str, Any]]:
    data = in_thread(_unasked_member)
    yield data
    in_thread(lambda: _clean_up(data))


def test_a_member_agrees_and_goes_on(site_server: str, browser, unasked) -> None:  # type: ignore[no-untyped-def]
    from raremap.accounts.notice import PRIVACY_NOTICE_VERSION

    context = browser.new_context(viewport={"width": 390, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": unasked["session"], "url": site_server}])
    page = context.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)

    page.goto(site_server + "/accounts/settings/")
    assert page.url == site_server + "/accounts/consent/?next=%2Faccounts%2Fsettings%2F"
    assert page.locator("#id_consent").is_checked() is False
    page.locator("form.consent-form button[type=submit]").click()  # without ticking
    assert page.locator("[role=alert]").first.inner_text().startswith("Please tick the box.")
    screenshot(page, "consent-refused")
    page.check("#id_consent")
    page.locator("form.consent-form button[type=submit]").click()
    page.wait_for_url(site_server + "/accounts/settings/")

    assert page.locator("#your-data h2").inner_text() == "Your data and privacy"
    assert in_thread(lambda: _consents(unasked["user"])) == [PRIVACY_NOTICE_VERSION]
    assert csp == []
    context.close()


@pytest.mark.parametrize(
    "path",
    ["/accounts/consent/", "/accounts/data/", "/accounts/data/delete/", "/es/accounts/data/"],
)
def test_the_data_rights_pages_are_accessible(
    site_server: str, browser, unasked, path: str
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(bypass_csp=True)  # only to inject axe
    context.add_cookies([{"name": "sessionid", "value": unasked["session"], "url": site_server}])
    page = context.new_page()
    page.goto(site_server + path)

    assert page.url == site_server + path  # reachable without agreeing
    assert axe_violations(page) == []
    context.close()
