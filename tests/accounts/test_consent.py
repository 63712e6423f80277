"""Consent to the privacy notice: asked at sign-up (an unticked, required box), recorded with
its date and the notice's version, and asked again when the notice changes — until then a
member can only read it, log out, take their data or delete their account."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from raremap.accounts.models import ConsentRecord, User
from raremap.accounts.notice import NOTICE_VERSIONS, PRIVACY_NOTICE_VERSION, notice_template
from raremap.questions.models import Answer
from tests.accounts.helpers import CONSENT, SIGNUP, SIGNUP_DONE, activation_path, text_of
from tests.factories import PASSWORD, MembershipFactory, UserFactory

CONSENT_PAGE = "/accounts/consent/"
NOTICE = "/accounts/privacy-notice/"
NEW = {
    "email": "new@example.org",
    "display_name": "Calm Lagoon",
    "password": "a long passphrase for the tests",
}
EARLIER = "2020-01-01"  # a version no longer in force


@pytest.mark.django_db
def test_sign_up_asks_for_consent_with_an_unticked_box(client: Client) -> None:
    html = client.get(SIGNUP).content.decode()

    assert '<input type="checkbox" name="consent" id="id_consent" required>' in html
    assert f'name="notice_version" value="{PRIVACY_NOTICE_VERSION}"' in html
    assert f'href="{NOTICE}"' in html


@pytest.mark.django_db
def test_sign_up_without_the_box_makes_no_account(client: Client) -> None:
    response = client.post(SIGNUP, {**NEW, "notice_version": PRIVACY_NOTICE_VERSION})

    assert response.status_code == 200
    assert "Please tick the box." in text_of(response)
    assert User.objects.filter(email=NEW["email"]).exists() is False
    assert mail.outbox == []


@pytest.mark.django_db
def test_sign_up_records_the_consent_with_its_date_and_version(client: Client) -> None:
    before = timezone.now()
    response = client.post(SIGNUP, {**NEW, **CONSENT})

    user = User.objects.get(email=NEW["email"])
    [record] = ConsentRecord.objects.filter(user=user)
    assert response["Location"] == SIGNUP_DONE
    assert record.notice_version == PRIVACY_NOTICE_VERSION
    assert before <= record.given_at <= timezone.now()
    assert user.consent_version == PRIVACY_NOTICE_VERSION


@pytest.mark.django_db
def test_a_new_member_is_not_asked_again_after_confirming(client: Client) -> None:
    client.post(SIGNUP, {**NEW, **CONSENT})
    client.post(activation_path(mail.outbox[0]), {"password": NEW["password"]})

    assert client.get("/accounts/settings/").status_code == 200


@pytest.mark.django_db
def test_sign_up_under_a_notice_that_changed_meanwhile_is_refused(client: Client) -> None:
    response = client.post(SIGNUP, {**NEW, "consent": "on", "notice_version": EARLIER})

    assert "The privacy notice has changed since this page was opened." in text_of(response)
    assert User.objects.filter(email=NEW["email"]).exists() is False


@pytest.mark.django_db
def test_a_known_address_gets_no_consent_recorded(client: Client) -> None:
    known = UserFactory(email=NEW["email"])

    client.post(SIGNUP, {**NEW, **CONSENT})

    assert ConsentRecord.objects.filter(user=known).count() == 1  # the factory's, only


# Asked again: a member whose consent is for an earlier version (or none, like the members
# who signed up before consent was asked).


@pytest.fixture
def unasked(db: None) -> User:
    return UserFactory(consent_version=EARLIER)


@pytest.fixture
def unasked_client(unasked: User) -> Client:
    client = Client()
    client.force_login(unasked)
    return client


@pytest.mark.parametrize("consent_version", ["", EARLIER])
@pytest.mark.django_db
def test_a_member_without_consent_to_the_notice_in_force_is_sent_to_agree(
    consent_version: str,
) -> None:
    client = Client()
    client.force_login(UserFactory(consent_version=consent_version))

    response = client.get("/accounts/settings/?tab=1")

    assert response.status_code == 302
    assert response["Location"] == f"{CONSENT_PAGE}?next=%2Faccounts%2Fsettings%2F%3Ftab%3D1"


def test_the_consent_page_says_the_notice_changed(unasked_client: Client) -> None:
    text = text_of(unasked_client.get(CONSENT_PAGE))

    assert (
        f"The privacy notice has changed since you agreed to it (version {EARLIER}). "
        f"Please read version {PRIVACY_NOTICE_VERSION}"
    ) in text
    assert "Who looks after your data" in text  # the notice itself


def test_no_write_goes_through_before_agreeing(
    unasked: User, unasked_client: Client, question, dfsp
) -> None:  # type: ignore[no-untyped-def]
    MembershipFactory(user=unasked, disease=dfsp)
    response = unasked_client.post(
        "/d/dermatofibrosarcoma-protuberans/q/best-treatments/answer/", {"body": "An answer."}
    )
    htmx = unasked_client.post(
        "/d/dermatofibrosarcoma-protuberans/q/best-treatments/answer/",
        {"body": "An answer."},
        headers={"HX-Request": "true"},
    )

    assert (response.status_code, response["Location"]) == (302, CONSENT_PAGE)
    assert (htmx.status_code, htmx["HX-Redirect"]) == (204, CONSENT_PAGE)
    assert Answer.objects.filter(author=unasked).exists() is False


@pytest.mark.parametrize(
    "path",
    [
        NOTICE,
        f"{NOTICE}{PRIVACY_NOTICE_VERSION}/",
        CONSENT_PAGE,
        "/accounts/data/",
        "/accounts/data/moderator-reads/",
        "/accounts/data/delete/",
        "/es/accounts/data/",
    ],
)
def test_without_agreeing_a_member_can_read_take_their_data_and_leave(
    unasked_client: Client, path: str
) -> None:
    assert unasked_client.get(path).status_code == 200


def test_without_agreeing_a_member_can_log_out_and_download(unasked_client: Client) -> None:
    download = unasked_client.post("/accounts/data/download/", {"password": PASSWORD})
    logout = unasked_client.post("/accounts/logout/")

    assert download["Content-Type"] == "application/zip"
    assert (logout.status_code, logout["Location"]) == (302, "/")


def test_agreeing_records_the_consent_and_goes_on(unasked: User, unasked_client: Client) -> None:
    response = unasked_client.post(CONSENT_PAGE, {**CONSENT, "next": "/accounts/settings/"})

    assert (response.status_code, response["Location"]) == (302, "/accounts/settings/")
    assert list(
        ConsentRecord.objects.filter(user=unasked)
        .order_by("given_at", "pk")
        .values_list("notice_version", flat=True)
    ) == [EARLIER, PRIVACY_NOTICE_VERSION]
    assert unasked_client.get("/accounts/settings/").status_code == 200


def test_the_box_must_be_ticked_to_agree(unasked: User, unasked_client: Client) -> None:
    response = unasked_client.post(CONSENT_PAGE, {"notice_version": PRIVACY_NOTICE_VERSION})

    assert response.status_code == 200
    assert "Please tick the box." in text_of(response)
    assert User.objects.get(pk=unasked.pk).consent_version == EARLIER


def test_agreeing_leaves_for_this_site_only(unasked_client: Client) -> None:
    response = unasked_client.post(CONSENT_PAGE, {**CONSENT, "next": "https://evil.example/"})

    assert response["Location"] == "/accounts/settings/"


@pytest.mark.django_db
def test_demo_members_are_fictional_and_never_asked() -> None:
    client = Client()
    client.force_login(UserFactory(is_demo=True, consent_version=""))

    assert client.get("/accounts/settings/").status_code == 200


def test_the_api_is_left_alone(unasked_client: Client) -> None:
    """Its clients are scripts: a redirect to a page would only break them."""
    response = unasked_client.get("/api/v1/diseases/dermatofibrosarcoma-protuberans")

    assert (response.status_code, response["Content-Type"]) == (
        200,
        "application/json; charset=utf-8",
    )


# The notice itself.


@pytest.mark.django_db
def test_the_notice_in_force_is_public_with_its_version(client: Client) -> None:
    text = text_of(client.get(NOTICE))

    assert f"Version {PRIVACY_NOTICE_VERSION}, in force." in text
    assert "explicit consent" in text
    assert text_of(client.get(f"{NOTICE}{PRIVACY_NOTICE_VERSION}/")) == text


@pytest.mark.django_db
def test_an_unknown_version_is_404(client: Client) -> None:
    assert client.get(f"{NOTICE}{EARLIER}/").status_code == 404


def test_every_version_has_its_template() -> None:
    from django.template.loader import get_template

    assert NOTICE_VERSIONS[0] == PRIVACY_NOTICE_VERSION
    for version in NOTICE_VERSIONS:
        get_template(notice_template(version))
