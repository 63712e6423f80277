"""Emails to a member are written in the member's language (User.language): the language of
the pages they last read while logged in, or the one chosen in settings; the sign-up
confirmation in the language of the sign-up page."""

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.questions import services as question_services
from tests.accounts.helpers import CONSENT
from tests.factories import MembershipFactory, UserFactory

NEW = {
    "email": "nueva@example.org",
    "display_name": "Calm Lagoon",
    "password": "a long passphrase for the tests",
    **CONSENT,
}


@pytest.mark.django_db
def test_the_signup_confirmation_is_in_the_language_of_the_signup_page(client: Client) -> None:
    client.post("/es/accounts/signup/", NEW)

    [message] = mail.outbox
    assert message.subject == "Confirma tu cuenta de RareMap"
    assert message.body.startswith("Te damos la bienvenida a RareMap.")
    assert "http://testserver/es/accounts/activate/" in message.body
    assert User.objects.get(email="nueva@example.org").language == "es"


@pytest.mark.django_db
def test_the_account_exists_notice_is_in_the_owners_language(client: Client) -> None:
    UserFactory(email="nueva@example.org", language="es")

    client.post("/accounts/signup/", NEW)  # from an English page: the owner reads Spanish

    [message] = mail.outbox
    assert message.subject == "Alguien intentó registrarse con tu dirección"
    assert "http://testserver/es/accounts/password/reset/" in message.body


@pytest.mark.django_db
def test_the_password_reset_email_is_in_the_members_language(client: Client) -> None:
    UserFactory(email="owner@example.org", language="es")

    client.post("/accounts/password/reset/", {"email": "owner@example.org"})

    [message] = mail.outbox
    assert message.subject == "Restablece tu contraseña de RareMap"
    assert "http://testserver/es/accounts/password/reset/" in message.body


@pytest.mark.django_db
def test_notification_emails_are_in_the_members_language(
    dfsp: Disease, member: User, other_member: User, settings
) -> None:
    settings.NOTIFICATION_EMAILS = True
    User.objects.filter(pk=member.pk).update(language="es")
    question = question_services.question_ensure(disease=dfsp, slug="best-treatments")
    question_services.follow_set(user=member, question=question, follow=True)
    MembershipFactory(user=other_member, disease=dfsp)
    question_services.answer_create(user=other_member, question=question, body="Mohs.")

    assert question_services.notification_emails_send(base_url="https://raremap.example/") == 1

    [message] = mail.outbox
    assert message.subject == "Novedades en RareMap"
    assert message.body.startswith("Hola, Quiet Heron:")
    assert (
        "¿Cuáles son los mejores tratamientos para Dermatofibrosarcoma protuberans (DFSP)?"
        in message.body
    )
    assert "https://raremap.example/es/accounts/settings/" in message.body


@pytest.mark.django_db
def test_a_member_reading_spanish_pages_gets_spanish_emails(
    member: User, member_client: Client
) -> None:
    member_client.get("/es/")
    member.refresh_from_db()
    assert member.language == "es"

    with CaptureQueriesContext(connection) as queries:
        member_client.get("/es/")
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and "language" in q["sql"]]

    member_client.get("/admin/login/")  # the admin site is English for everyone
    member_client.get("/api/v1/diseases/search?q=dfsp")
    member.refresh_from_db()
    assert member.language == "es"

    member_client.get("/")
    member.refresh_from_db()
    assert member.language == "en"


@pytest.mark.django_db
def test_a_member_chooses_the_language_of_emails_in_settings(
    member: User, member_client: Client
) -> None:
    response = member_client.post(
        "/es/accounts/settings/",
        {"display_name": member.display_name, "notification_emails": "on", "language": "de"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/de/accounts/settings/"
    member.refresh_from_db()
    assert member.language == "de"
