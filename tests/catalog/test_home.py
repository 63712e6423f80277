"""The two home pages at `/`: a visitor's (what RareMap is, one search, the largest communities,
how privacy works; kept by the page cache) and a member's (their communities with what is left
to do, new answers to followed questions, requests waiting, new messages; private, a handful of
queries)."""

import re

import pytest
from django.test import Client

from raremap.accounts.models import User
from raremap.atlas.models import Place
from raremap.atlas.services import map_join
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.connections import services as connections
from raremap.questions import services as questions
from raremap.questions.reputation import TRUSTED_REPUTATION
from raremap.treatments.models import Treatment
from raremap.treatments.services import report_save
from tests.caches import empty_caches
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

_SIZES = re.compile(r'<ol class="community-sizes">(.*?)</ol>', re.S)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def disease(code: str) -> Disease:
    return Disease.objects.get(primary_code=code)


def taken_part(user: User) -> User:
    user.reputation = TRUSTED_REPUTATION
    user.save(update_fields=["reputation"])
    return user


def join(disease: Disease, count: int, *, demo: bool = False) -> None:
    for _ in range(count):
        MembershipFactory(user=UserFactory(is_demo=demo), disease=disease)


# --- a visitor's home -----------------------------------------------------------------------


def test_a_visitor_learns_what_raremap_is_and_has_one_search(client: Client) -> None:
    html = client.get("/").content.decode()
    main = html.split('<main id="main"', 1)[1]

    assert "RareMap is where people living with a disease" in text_of(client.get("/"))
    assert main.count('role="search"') == 1  # the header's is hidden on this page (site.css)
    assert 'id="home-search"' in main
    assert 'hx-target="#home-suggestions"' in main
    assert "4,314 rare diseases from Orphanet and 1,265 diseases from WHO ICD-10" in text_of(
        client.get("/")
    )


def test_the_largest_communities_with_the_counts_their_pages_show(client: Client) -> None:
    dfsp, marfan, cf = disease("ORPHA:31112"), disease("ORPHA:558"), disease("ORPHA:586")
    join(dfsp, 3)
    join(marfan, 1)
    join(marfan, 4, demo=True)
    join(cf, 2)

    sizes = text_of_list(client.get("/").content.decode())
    dfsp_page = text_of(client.get(f"/d/{dfsp.slug}/"))
    marfan_page = text_of(client.get(f"/d/{marfan.slug}/"))

    assert sizes == [
        "Marfan syndrome 5 members 4 demo",
        "Dermatofibrosarcoma protuberans (DFSP) 3 members",
        "Cystic fibrosis 2 members",
    ]
    assert "Community 3 members" in dfsp_page
    assert "Community 5 members 4 demo" in marfan_page


def text_of_list(html: str) -> list[str]:
    match = _SIZES.search(html)
    assert match is not None
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in match[1].split("</li>")][
        :-1
    ]


def test_a_community_count_follows_a_new_member_at_once(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PAGE_CACHE_SECONDS = 0  # the page itself may lag 60 s for visitors, by design
    dfsp = disease("ORPHA:31112")
    join(dfsp, 2)
    before = text_of_list(client.get("/").content.decode())

    join(dfsp, 1)

    assert before == ["Dermatofibrosarcoma protuberans (DFSP) 2 members"]
    assert text_of_list(client.get("/").content.decode()) == [
        "Dermatofibrosarcoma protuberans (DFSP) 3 members"
    ]


def test_demo_is_said_and_no_community_is_invented(client: Client) -> None:
    empty = text_of(client.get("/"))
    join(disease("ORPHA:31112"), 2, demo=True)
    empty_caches()

    demo = text_of(client.get("/"))

    assert "No community has members yet" in empty
    assert "Dermatofibrosarcoma protuberans (DFSP) 2 members 2 demo" in demo
    assert "“Demo” members are fictional" in demo


def test_privacy_in_short_with_a_link(client: Client) -> None:
    html = client.get("/").content.decode()

    assert "How your privacy is protected" in text_of(client.get("/"))
    assert "never an address" in html
    assert '<a href="/about/">More about privacy on RareMap</a>' in html


def test_the_visitor_home_in_spanish(client: Client) -> None:
    text = text_of(client.get("/es/"))

    assert "RareMap es" in text
    assert "Las comunidades con más miembros" in text
    assert "Cómo se protege tu privacidad" in text
    assert 'action="/es/search/"' in client.get("/es/").content.decode()


def test_the_visitor_home_is_kept_by_the_page_cache(
    client: Client,
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    join(disease("ORPHA:31112"), 1)
    first = client.get("/")

    with django_assert_num_queries(0):
        second = client.get("/")

    assert second.content == first.content
    assert "Cookie" in first["Vary"]
    assert "no-store" not in first.get("Cache-Control", "")


# --- a member's home ------------------------------------------------------------------------


@pytest.fixture
def dfsp_question(dfsp: Disease):  # type: ignore[no-untyped-def]
    return questions.question_ensure(disease=dfsp, slug="is-it-hereditary")


def test_a_member_sees_their_own_home_privately(member_client: Client, member: User) -> None:
    MembershipFactory(user=member, disease=disease("ORPHA:31112"))

    response = member_client.get("/")
    text = text_of(response)

    assert f"Hello, {member.display_name}" in text
    assert "Your communities Dermatofibrosarcoma protuberans (DFSP)" in text
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "Communities with the most members" not in text


def test_a_claimed_role_says_whether_a_moderator_verified_it(
    member_client: Client, member: User, moderator: User
) -> None:
    from django.utils import timezone

    from raremap.communities.models import RoleVerification

    MembershipFactory(user=member, disease=disease("ORPHA:31112"), role=Role.PROFESSIONAL)
    MembershipFactory(user=member, disease=disease("ORPHA:586"), role=Role.PATIENT)
    claimed = text_of(member_client.get("/"))
    RoleVerification.objects.create(
        user=member,
        role=Role.PROFESSIONAL,
        evidence="Listed in the register.",
        verified_by=moderator,
        verified_at=timezone.now(),
    )
    verified = text_of(member_client.get("/"))

    assert "You are a member as: Healthcare professional. self-declared" in claimed
    assert "You are a member as: Healthcare professional. ✓ verified" in verified
    patient = verified.split("You are a member as: Person with the disease.")[1]
    assert not patient.lstrip().startswith(("✓", "verified", "self-declared"))  # no badge


def test_only_the_steps_not_done_yet_are_offered(
    member_client: Client, member: User, dfsp: Disease, dfsp_question
) -> None:  # type: ignore[no-untyped-def]
    cf, marfan = disease("ORPHA:586"), disease("ORPHA:558")
    MembershipFactory(user=member, disease=dfsp, role=Role.PATIENT)
    MembershipFactory(user=member, disease=cf, role=Role.RELATIVE)
    MembershipFactory(user=member, disease=marfan, role=Role.RESEARCHER)
    taken_part(member)
    # DFSP: answered and reported; cystic fibrosis: on the map; Marfan: nothing yet
    questions.answer_create(user=member, question=dfsp_question, body="Not in my family.")
    report_save(
        user=member,
        disease=dfsp,
        treatment=Treatment.objects.create(slug="mohs", name="Mohs", kind="procedure"),
        effectiveness=5,
        side_effect_burden=1,
    )
    map_join(user=member, disease=cf, place=Place.objects.get(code="FR"), precision=0, consent=True)

    html = member_client.get("/").content.decode()
    cards = dict(
        re.findall(
            r'<h3 id="community-\d+"><a href="/d/([^/]+)/">.*?</h3>(.*?)</article>', html, re.S
        )
    )

    def steps(slug: str) -> list[str]:
        return re.findall(
            r'<li><a href="[^"]+">([^<]+)</a>', cards[slug].split("community-links")[0]
        )

    assert steps(dfsp.slug) == ["Join the map"]
    assert steps(cf.slug) == ["Answer a question", "Report a treatment you tried"]
    # a researcher does not report treatments
    assert steps(marfan.slug) == ["Answer a question", "Join the map"]
    assert f'href="/d/{dfsp.slug}/map/join/"' in cards[dfsp.slug]


def test_new_answers_requests_and_messages(
    member_client: Client, member: User, other_member: User, dfsp: Disease, dfsp_question
) -> None:  # type: ignore[no-untyped-def]
    MembershipFactory(user=member, disease=dfsp)
    for user in (other_member, asker := UserFactory(display_name="Keen Kestrel")):
        MembershipFactory(user=user, disease=dfsp)
        taken_part(user)
    questions.follow_set(user=member, question=dfsp_question, follow=True)
    questions.answer_create(user=other_member, question=dfsp_question, body="No, it is not.")
    questions.answer_create(user=asker, question=dfsp_question, body="Not that we know of.")
    connections.connection_request(requester=asker, recipient=member, note="Hello")
    accepted = connections.connection_request(requester=other_member, recipient=member)
    accepted = connections.connection_accept(user=member, connection=accepted)
    connections.message_send(sender=other_member, conversation=accepted.conversation, body="Hi!")

    text = text_of(member_client.get("/"))

    assert (
        "Questions you follow Is Dermatofibrosarcoma protuberans (DFSP) hereditary? 2 new answers"
        in text
    )
    assert "1 member wants to connect with you : Keen Kestrel" in text
    assert "Messages 1 conversation with new messages" in text


def test_nothing_of_another_member_reaches_the_home(
    member_client: Client, member: User, other_member: User, dfsp: Disease, dfsp_question
) -> None:  # type: ignore[no-untyped-def]
    MembershipFactory(user=member, disease=disease("ORPHA:586"))
    MembershipFactory(user=other_member, disease=dfsp)
    for user in (other_member, asker := UserFactory(display_name="Secret Sender")):
        MembershipFactory(user=user, disease=dfsp)
        taken_part(user)
    questions.follow_set(user=other_member, question=dfsp_question, follow=True)
    questions.answer_create(user=asker, question=dfsp_question, body="Canary-answer-0C1D.")
    connections.connection_request(requester=asker, recipient=other_member, note="Canary")

    text = text_of(member_client.get("/"))

    assert "Dermatofibrosarcoma" not in text
    assert "Secret Sender" not in text
    assert "No new answers to the questions you follow." in text
    assert "No requests waiting." in text
    assert "No new messages." in text


def test_a_member_without_a_community_is_shown_the_way(member_client: Client) -> None:
    join(disease("ORPHA:31112"), 2)

    text = text_of(member_client.get("/"))

    assert "You have not joined a community yet." in text
    assert (
        "Communities with the most members Dermatofibrosarcoma protuberans (DFSP) 2 members" in text
    )


def test_the_member_home_in_spanish(member_client: Client, member: User) -> None:
    MembershipFactory(user=member, disease=disease("ORPHA:31112"))

    text = text_of(member_client.get("/es/"))

    assert f"Hola, {member.display_name}" in text
    assert "Tus comunidades" in text
    assert "Únete al mapa" in text


@pytest.mark.parametrize("communities", [1, 3])
def test_the_member_home_takes_a_handful_of_queries(
    communities: int,
    member_client: Client,
    member: User,
    other_member: User,
    dfsp: Disease,
    dfsp_question,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:  # type: ignore[no-untyped-def]
    taken_part(other_member)
    for code in ("ORPHA:31112", "ORPHA:586", "ORPHA:558")[:communities]:
        MembershipFactory(user=member, disease=disease(code))
        MembershipFactory(user=other_member, disease=disease(code))
        question = questions.question_ensure(disease=disease(code), slug="is-it-hereditary")
        questions.follow_set(user=member, question=question, follow=True)
        questions.answer_create(user=other_member, question=question, body=f"About {code}.")
    connections.connection_request(requester=other_member, recipient=member)

    # the session with the member; the header's counts (also the new messages); the
    # communities with their next steps; the followed questions; the requests waiting
    with django_assert_max_num_queries(5):
        text = text_of(member_client.get("/"))

    assert text.count("1 new answer") == communities
    assert "1 member wants to connect with you" in text
