"""Every page type, on a 390 px wide phone screen, in English and Spanish, as a visitor, as a
member and (the moderation queue) as a moderator: the page is no wider than the screen, axe-core
finds nothing with every one of its rules on, and the CSP blocks nothing.

One browser and one context per role serve every page (a navigation and an axe run cost about
0.2–0.5 s a page). axe is evaluated in the page through the DevTools protocol, which the page's
CSP does not apply to, so the pages are checked under the real CSP: no `bypass_csp`.
"""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import pytest
from django.db import connections

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

AXE = (files("axe_playwright_python") / "axe.min.js").read_text()
WIDTH = 390  # a common phone (iPhone 12 to 15)
DFSP = "/d/dermatofibrosarcoma-protuberans"
# Every rule axe has, including best practices, AAA and experimental ones: none is turned off.
AXE_RUN = """async () => {
  const rules = Object.fromEntries(axe.getRules().map((rule) => [rule.ruleId, {enabled: true}]));
  const result = await axe.run(document, {rules, resultTypes: ["violations"]});
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} ` +
    JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target.join(" "))));
}"""


def in_thread(work: Callable[[], Any]) -> Any:
    """Run ORM work outside the test thread (Playwright's event loop lives there)."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as error:  # re-raised in the test thread
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    if errors:
        raise errors[0]
    return result[0]


# The member, Tranquil Kingfisher, has a demo-sized name with no space to break it at.
MEMBER_NAME = "TranquilKingfisher742"


def _build() -> dict[str, Any]:
    """A small community, committed: the member (on the map, with an answer, a treatment
    report, a conversation, a waiting request and unread notifications), five members who
    reported two treatments (so the ranking shows), and a moderator with open reports."""
    from django.contrib.auth.models import Group

    from raremap.accounts.permissions import MODERATORS_GROUP
    from raremap.accounts.sessions import session_for
    from raremap.atlas.models import Place, Precision
    from raremap.atlas.services import map_join
    from raremap.catalog.models import Disease
    from raremap.communities.models import Role
    from raremap.connections import services as connect
    from raremap.connections.models import Conversation
    from raremap.moderation.services import report_submit
    from raremap.questions import services as questions
    from raremap.questions.models import Question
    from raremap.questions.reputation import TRUSTED_REPUTATION
    from raremap.treatments.models import Treatment
    from raremap.treatments.services import report_save
    from tests.factories import MembershipFactory, UserFactory

    dfsp = Disease.objects.get(primary_code="ORPHA:31112")
    questions_before = set(Question.objects.values_list("pk", flat=True))
    madrid = Place.objects.filter(code__startswith="g", country_code="ES", name="Madrid").first()
    assert madrid is not None

    def person(name: str, role: str = Role.PATIENT, **fields: Any) -> Any:
        user = UserFactory(display_name=name, reputation=TRUSTED_REPUTATION, **fields)
        MembershipFactory(user=user, disease=dfsp, role=role)
        map_join(user=user, disease=dfsp, place=madrid, precision=Precision.CITY, consent=True)
        return user

    member = person(MEMBER_NAME)
    other = person("Brisk Otter", profile_public=True)
    asker = person("Nosy Magpie", role=Role.CAREGIVER)
    # One of them is a demo member: the pages show their demo banner.
    reporters = [person(f"Steady Reporter {n}", is_demo=n == 0) for n in range(5)]
    moderator = UserFactory(display_name="Calm Lynx")
    # A migration makes the group; a transactional test's flush elsewhere in the session may
    # have emptied the table since.
    moderators, made_group = Group.objects.get_or_create(name=MODERATORS_GROUP)
    moderators.user_set.add(moderator)

    treatments = [
        Treatment.objects.create(slug=slug, name=name, kind=kind, source="curated")
        for slug, name, kind in (
            ("browser-imatinib", "Imatinib", Treatment.Kind.DRUG),
            ("browser-mohs", "Mohs micrographic surgery", Treatment.Kind.PROCEDURE),
        )
    ]
    for n, reporter in enumerate([member, *reporters]):
        for treatment in treatments:
            report_save(
                user=reporter,
                disease=dfsp,
                treatment=treatment,
                effectiveness=1 + (n + treatment.pk) % 5,
                side_effect_burden=1 + n % 5,
            )

    best = questions.question_ensure(disease=dfsp, slug="best-treatments")
    mine = questions.answer_create(user=member, question=best, body="Mohs surgery, no recurrence.")
    theirs = questions.answer_create(user=other, question=best, body="Wide excision, imatinib.")
    questions.vote_cast(user=member, answer=theirs, value=1)
    questions.question_propose(user=other, disease=dfsp, text="Does DFSP come back after surgery")
    report_submit(reporter=member, reason="spam", answer=theirs, details="Looks like an ad.")

    accepted = connect.connection_request(requester=other, recipient=member, note="Hello!")
    connect.connection_accept(user=member, connection=accepted)
    conversation = Conversation.objects.get(connection=accepted)
    connect.message_send(sender=member, conversation=conversation, body="Hi, how are you?")
    connect.message_send(sender=other, conversation=conversation, body="Fine, **thanks**.")
    connect.connection_request(requester=asker, recipient=member, note="Can we talk?")

    users = [member, other, asker, *reporters, moderator]
    return {
        "member": member.public_id,
        "other": other.public_id,
        "answer": mine.pk,
        "place": madrid.pk,
        "conversation": conversation.public_id,
        "sessions": {"member": session_for(member), "moderator": _second_factor(moderator)},
        "users": [user.pk for user in users],
        "treatments": [treatment.pk for treatment in treatments],
        "questions_before": questions_before,
        "disease": dfsp.pk,
        "made_group": made_group,
    }


def _clean_up(data: dict[str, Any]) -> None:
    from django.contrib.auth.models import Group

    from raremap.accounts.models import User
    from raremap.accounts.permissions import MODERATORS_GROUP
    from raremap.atlas.models import MapEntry
    from raremap.atlas.services import map_publish
    from raremap.communities.services import role_counts_recompute
    from raremap.questions.models import Question
    from raremap.treatments.models import Treatment

    Question.objects.exclude(pk__in=data["questions_before"]).delete()
    Treatment.objects.filter(pk__in=data["treatments"]).delete()
    MapEntry.objects.filter(membership__user__in=data["users"]).delete()  # it protects consents
    User.objects.filter(pk__in=data["users"]).delete()
    if data["made_group"]:
        Group.objects.filter(name=MODERATORS_GROUP).delete()
    role_counts_recompute(disease_ids=[data["disease"]])
    map_publish(disease_id=data["disease"])


@pytest.fixture(scope="module")
def world(site_server: str) -> Iterator[dict[str, Any]]:
    """Committed data (the live server reads it), removed afterwards."""
    data = in_thread(_build)
    yield data
    in_thread(lambda: _clean_up(data))


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # formatted with the world's ids
    roles: tuple[str, ...] = ("visitor", "member")


PAGES = [
    Page("home", "/"),
    Page("search", "/search/?q=marfan"),
    Page("disease", f"{DFSP}/"),
    Page("question-list", f"{DFSP}/q/"),
    Page("question", f"{DFSP}/q/best-treatments/"),
    # The answer form on a page of its own: editing an answer (a new one is written on the
    # question page, where a form with errors comes back on this same template).
    Page("answer-form", "/answers/{answer}/edit/", ("member",)),
    Page("treatments", "/treatments/"),
    Page("ranking", f"{DFSP}/treatments/"),
    Page("treatment", "/t/browser-mohs/"),
    Page("report-form", f"{DFSP}/treatments/report/", ("member",)),
    Page("map", f"{DFSP}/map/"),
    Page("map-join", f"{DFSP}/map/join/", ("member",)),
    Page("people", DFSP + "/people/?place={place}", ("member",)),
    Page("privacy", "/accounts/privacy/", ("member",)),
    Page("about", "/about/"),
    Page("sources", "/sources/"),
    Page("login", "/accounts/login/", ("visitor",)),
    Page("signup", "/accounts/signup/", ("visitor",)),
    Page("password-reset", "/accounts/password/reset/", ("visitor",)),
    Page("profile", "/accounts/u/{other}/", ("member",)),
    Page("own-profile", "/accounts/u/{member}/", ("member",)),
    Page("settings", "/accounts/settings/", ("member",)),
    Page("tokens", "/accounts/tokens/", ("member",)),
    Page("connections", "/connections/", ("member",)),
    Page("conversations", "/messages/", ("member",)),
    Page("conversation", "/messages/{conversation}/", ("member",)),
    Page("block-confirm", "/connections/member/{other}/block/", ("member",)),
    Page("notifications", "/notifications/", ("member",)),
    Page("moderation", "/moderation/", ("moderator",)),
    Page("moderation-log", "/moderation/log/", ("moderator",)),
    Page("moderation-roles", "/moderation/roles/", ("moderator",)),
    Page("not-found", "/no-such-page/"),
]
CASES = [
    pytest.param(page, role, language, id=f"{page.name}-{role}-{language}")
    for page in PAGES
    for role in page.roles
    for language in ("en", "es")
]


def _second_factor(moderator) -> str:  # type: ignore[no-untyped-def]
    """A moderator's session with two-factor log-in passed, as the moderation pages need."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.util import random_hex

    from raremap.accounts.services import two_factor_enable
    from raremap.accounts.sessions import SessionStore, session_for

    device, _codes = two_factor_enable(user=moderator, key=random_hex(20), last_t=0)
    key = session_for(moderator)
    session = SessionStore(session_key=key)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return key


@pytest.fixture(scope="module")
def tabs(browser, site_server: str, world: dict[str, Any]) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """One page per role, kept for the module, each collecting the CSP's complaints."""
    opened: dict[str, Any] = {}
    for role in ("visitor", "member", "moderator"):
        context = browser.new_context(viewport={"width": WIDTH, "height": 844}, locale="en-GB")
        if role in world["sessions"]:
            cookie = {"name": "sessionid", "value": world["sessions"][role], "url": site_server}
            context.add_cookies([cookie])
        page = context.new_page()
        page.csp_violations = []
        page.on(
            "console",
            lambda msg, page=page: (
                page.csp_violations.append(msg.text)
                if "Content Security Policy" in msg.text
                else None
            ),
        )
        opened[role] = page
    yield opened
    for page in opened.values():
        page.context.close()


@pytest.mark.parametrize(("page_type", "role", "language"), CASES)
def test_page_fits_a_phone_and_has_no_accessibility_violations(  # type: ignore[no-untyped-def]
    site_server: str, world: dict[str, Any], tabs, page_type: Page, role: str, language: str
) -> None:
    page = tabs[role]
    page.csp_violations.clear()
    prefix = "" if language == "en" else f"/{language}"
    path = prefix + page_type.path.format(**world)
    response = page.goto(site_server + path)

    assert response is not None
    assert (response.status, page.url) == (
        404 if page_type.name == "not-found" else 200,
        site_server + path,  # not redirected (to the log-in page, or to another language)
    )
    assert page.evaluate("document.documentElement.lang") == language
    screenshot(page, f"narrow-{page_type.name}-{role}-{language}")
    problems: dict[str, object] = {}
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.evaluate("window.innerWidth"):
        problems["wider than the screen"] = width
    page.evaluate(AXE)
    violations = page.evaluate(AXE_RUN)
    if violations:
        problems["axe"] = violations
    if page.csp_violations:
        problems["csp"] = list(page.csp_violations)
    assert problems == {}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("role", ["visitor", "member"])
def test_every_header_link_is_on_a_phone_screen_without_javascript(  # type: ignore[no-untyped-def]
    site_server: str, world: dict[str, Any], browser, role: str, language: str
) -> None:
    """The header needs no script: with JavaScript off its links and buttons (Spanish "Cerrar
    sesión" was 63 px off the screen) all lie within 390 px, and so does the language menu
    (seven links) when it is opened."""
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 844}, java_script_enabled=False
    )
    if role == "member":
        cookie = {"name": "sessionid", "value": world["sessions"]["member"], "url": site_server}
        context.add_cookies([cookie])
    page = context.new_page()
    prefix = "" if language == "en" else f"/{language}"
    page.goto(f"{site_server}{prefix}{DFSP}/treatments/?sort=x")

    controls = page.locator(".site-header a, .site-header button, .site-header summary")
    boxes = [control.bounding_box() for control in controls.filter(visible=True).all()]
    # The brand, the search button, the account links (and the log-out button) and the
    # language chooser, closed.
    assert len(boxes) == (8 if role == "member" else 5)
    edges = [box["x"] + box["width"] for box in boxes]
    assert max(edges) <= WIDTH
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

    page.locator(".site-header .languages summary").click()
    languages = page.locator(".site-header .languages a").filter(visible=True)
    boxes = [link.bounding_box() for link in languages.all()]
    assert len(boxes) == 7
    assert min(box["x"] for box in boxes) >= 0
    assert max(box["x"] + box["width"] for box in boxes) <= WIDTH
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    # Each keeps the page and its query.
    assert languages.first.get_attribute("href") == f"{DFSP}/treatments/?sort=x"
    context.close()
