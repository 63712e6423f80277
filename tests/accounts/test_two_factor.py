"""Two-factor log-in: enrolment, the code step of the log-in, recovery codes, and who needs it
(staff on /admin/, moderators on the moderation pages); /admin/ logs in under the site's limits;
staff sessions end after a while without activity."""

import re
from binascii import unhexlify

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from raremap.accounts import twofactor
from raremap.accounts.middleware import LAST_SEEN_KEY
from raremap.accounts.models import User
from raremap.accounts.services import two_factor_enable
from tests.accounts.helpers import LOGIN, SETTINGS, TOO_MANY, Clock, text_of, verified_login
from tests.factories import PASSWORD, UserFactory

TWO_FACTOR = "/accounts/settings/two-factor/"
CODE = "/accounts/login/code/"
ADMIN = "/admin/"
ADMIN_LOGIN = "/admin/login/"
QUEUE = "/moderation/"
KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret, in hex
WRONG_CODE = (
    "This code does not work. Check that the clock of your phone is right, or use a recovery code."
)


def code_for(key: str, offset: int = 0) -> str:
    """What the authenticator app shows now (or `offset` steps from now)."""
    totp = TOTP(unhexlify(key))
    totp.drift = offset
    return f"{totp.token():06d}"


def enrolled(user: User) -> list[str]:
    """Turn two-factor log-in on for `user` with KEY; return the recovery codes."""
    _device, codes = two_factor_enable(user=user, key=KEY, last_t=0)
    return codes


def password_step(client: Client, user: User, next_url: str = "") -> Client:
    form = {"email": user.email, "password": PASSWORD}
    if next_url:
        form["next"] = next_url
    response = client.post(LOGIN, form)
    assert response.status_code == 302, text_of(response)
    return response


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(email="staff@example.org", display_name="Steady Crane", is_staff=True)


@pytest.fixture
def moderator_unverified(moderator: User) -> Client:
    client = Client()
    client.force_login(moderator)
    return client


# --- enrolment ------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_made_here_and_the_key_as_text(
    member: User, member_client: Client
) -> None:
    page = member_client.get(TWO_FACTOR)

    html = page.content.decode()
    key = member_client.session[twofactor.ENROL_KEY]
    secret = twofactor.enrol_secret(key)
    assert page.status_code == 200
    assert re.search(r'<img src="data:image/svg\+xml;charset=utf-8,%3Csvg[^"]+"', html)
    assert f'<code id="two-factor-secret">{secret}</code>' in html
    assert len(secret.replace(" ", "")) == 32  # base32 of 20 bytes
    assert "http" not in re.search(r'<img src="([^"]+)"', html)[1].replace(
        "http%3A%2F%2Fwww.w3.org", ""
    )
    assert TOTPDevice.objects.filter(user=member).exists() is False  # a visit writes no device


def test_enrolment_keeps_its_key_until_the_first_code(member_client: Client) -> None:
    member_client.get(TWO_FACTOR)
    first = member_client.session[twofactor.ENROL_KEY]

    member_client.get(TWO_FACTOR)

    assert member_client.session[twofactor.ENROL_KEY] == first


def test_a_wrong_first_code_turns_nothing_on(member: User, member_client: Client) -> None:
    member_client.get(TWO_FACTOR)
    key = member_client.session[twofactor.ENROL_KEY]

    response = member_client.post(TWO_FACTOR, {"code": code_for(key, offset=5)})

    assert WRONG_CODE in text_of(response)
    assert TOTPDevice.objects.filter(user=member).exists() is False


def test_the_first_code_turns_it_on_and_shows_ten_recovery_codes_once(
    member: User, member_client: Client
) -> None:
    member_client.get(TWO_FACTOR)
    key = member_client.session[twofactor.ENROL_KEY]

    response = member_client.post(TWO_FACTOR, {"code": code_for(key)})

    shown = re.findall(
        r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", response.content.decode()
    )
    stored = sorted(StaticToken.objects.filter(device__user=member).values_list("token", flat=True))
    device = TOTPDevice.objects.get(user=member)
    assert response.status_code == 200
    assert "Save these recovery codes now: they will not be shown again." in text_of(response)
    assert sorted(code.replace("-", "") for code in shown) == stored
    assert len(stored) == 10
    assert (device.key, device.confirmed) == (key, True)
    assert member_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert twofactor.ENROL_KEY not in member_client.session
    # The page afterwards says it is on and shows no code.
    page = member_client.get(TWO_FACTOR)
    assert "You have 10 unused recovery codes." in text_of(page)
    assert shown[0] not in page.content.decode()


def test_settings_page_links_to_two_factor_log_in(member: User, member_client: Client) -> None:
    before = text_of(member_client.get(SETTINGS))
    enrolled(member)
    after = text_of(member_client.get(SETTINGS))

    assert "Off: your password alone logs you in. Turn on two-factor log-in" in before
    assert "On: after your password, you type a code from your authenticator app." in after


def test_new_recovery_codes_need_a_code_and_replace_the_old(
    member: User, member_client: Client
) -> None:
    old = enrolled(member)

    refused = member_client.post(TWO_FACTOR, {"code": "000000", "action": "codes"})
    renewed = member_client.post(TWO_FACTOR, {"code": old[0], "action": "codes"})

    assert WRONG_CODE in text_of(refused)
    new = set(StaticToken.objects.filter(device__user=member).values_list("token", flat=True))
    assert len(new) == 10
    assert new.isdisjoint(old)
    assert "they will not be shown again" in text_of(renewed)


def test_turning_it_off_needs_a_code_and_unverifies_the_session(member: User) -> None:
    client = Client()
    verified_login(client, member)
    device = TOTPDevice.objects.get(user=member)

    response = client.post(TWO_FACTOR, {"code": code_for(device.key), "action": "off"})

    assert (response.status_code, response["Location"]) == (302, TWO_FACTOR)
    assert TOTPDevice.objects.filter(user=member).exists() is False
    assert StaticToken.objects.filter(device__user=member).exists() is False
    assert DEVICE_ID_SESSION_KEY not in client.session


# --- the log-in's second step ---------------------------------------------------------------


def test_password_alone_does_not_log_in_a_member_with_a_device(member: User) -> None:
    enrolled(member)
    client = Client()

    response = password_step(client, member, next_url="/accounts/settings/")

    assert response["Location"] == f"{CODE}?next=%2Faccounts%2Fsettings%2F"
    assert SESSION_KEY not in client.session
    assert client.get(SETTINGS)["Location"] == f"{LOGIN}?next={SETTINGS}"


def test_the_code_logs_in_and_follows_next(member: User) -> None:
    enrolled(member)
    client = Client()
    password_step(client, member, next_url="/accounts/settings/")

    response = client.post(CODE, {"code": code_for(KEY), "next": "/accounts/settings/"})

    assert (response.status_code, response["Location"]) == (302, "/accounts/settings/")
    assert client.session[SESSION_KEY] == str(member.pk)
    assert (
        client.session[DEVICE_ID_SESSION_KEY] == TOTPDevice.objects.get(user=member).persistent_id
    )
    assert twofactor.PENDING_KEY not in client.session


def test_an_authenticator_code_works_once(member: User) -> None:
    enrolled(member)
    code = code_for(KEY)
    first = Client()
    password_step(first, member)
    first.post(CODE, {"code": code})
    second = Client()
    password_step(second, member)

    replay = second.post(CODE, {"code": code})

    assert WRONG_CODE in text_of(replay)
    assert SESSION_KEY not in second.session


def test_a_recovery_code_logs_in_once(member: User) -> None:
    codes = enrolled(member)
    shown = f"{codes[0][:4]}-{codes[0][4:].upper()}"  # as printed, typed in capitals
    first = Client()
    password_step(first, member)

    used = first.post(CODE, {"code": shown})
    second = Client()
    password_step(second, member)
    again = second.post(CODE, {"code": shown})

    assert used.status_code == 302
    assert first.session[SESSION_KEY] == str(member.pk)
    assert WRONG_CODE in text_of(again)
    assert StaticToken.objects.filter(device__user=member).count() == 9


def test_the_code_step_without_a_password_step_goes_to_log_in(client: Client) -> None:
    response = client.post(CODE, {"code": "123456"})

    assert response["Location"] == f"{LOGIN}?next=%2F"


def test_the_password_step_expires(member: User, monkeypatch: pytest.MonkeyPatch) -> None:
    enrolled(member)
    client = Client()
    password_step(client, member)
    later = Clock(twofactor.time.time() + twofactor.PENDING_SECONDS + 1)
    monkeypatch.setattr("raremap.accounts.twofactor.time", later)

    response = client.post(CODE, {"code": code_for(KEY)})

    assert response["Location"] == f"{LOGIN}?next=%2F"
    assert SESSION_KEY not in client.session


@pytest.mark.usefixtures("clock")
def test_code_guesses_are_limited_per_member(member: User) -> None:
    enrolled(member)
    answers = []
    for n in range(6):  # from as many clients: the limit is the member's
        client = Client(REMOTE_ADDR=f"192.0.2.{n}")
        password_step(client, member)
        answers.append(client.post(CODE, {"code": "000000"}))
    client = Client(REMOTE_ADDR="192.0.2.99")
    password_step(client, member)
    right = client.post(CODE, {"code": code_for(KEY)})

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert (right.status_code, TOO_MANY in text_of(right)) == (429, True)
    assert SESSION_KEY not in client.session


def test_the_code_step_fails_closed_when_the_throttle_store_is_down(
    member: User, settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from tests.doubles import unreachable_redis

    enrolled(member)
    client = Client()
    password_step(client, member)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # the store goes down between the steps
    monkeypatch.setattr("raremap.core.throttle.cache", unreachable_redis())

    response = client.post(CODE, {"code": code_for(KEY)})

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


# --- who needs it: /admin/ and the moderation pages -----------------------------------------


def test_staff_without_a_device_are_sent_from_admin_to_enrol(staff: User) -> None:
    client = Client()
    client.force_login(staff)

    response = client.get(ADMIN, follow=True)

    assert response.redirect_chain[-1] == (f"{TWO_FACTOR}?next=%2Fadmin%2F", 302)
    assert "Staff and moderators can read what members keep private" in text_of(response)


def test_staff_with_a_device_but_an_unverified_session_type_a_code(staff: User) -> None:
    enrolled(staff)
    client = Client()
    client.force_login(staff)  # a session from before, or made without the code step

    response = client.get(ADMIN, follow=True)
    entered = client.post(CODE, {"code": code_for(KEY), "next": ADMIN})

    assert response.redirect_chain[-1] == (f"{CODE}?next=%2Fadmin%2F", 302)
    assert (entered.status_code, entered["Location"]) == (302, ADMIN)
    assert client.get(ADMIN).status_code == 200


def test_staff_log_in_to_admin_with_password_and_code(staff: User) -> None:
    enrolled(staff)
    client = Client()

    page = client.get(ADMIN, follow=True)
    password = client.post(
        f"{ADMIN_LOGIN}?next=/admin/", {"email": staff.email, "password": PASSWORD, "next": ADMIN}
    )
    code = client.post(password["Location"], {"code": code_for(KEY), "next": ADMIN})

    assert page.redirect_chain == [(f"{ADMIN_LOGIN}?next=/admin/", 302)]
    assert 'name="password"' in page.content.decode()
    assert password["Location"] == f"{CODE}?next=%2Fadmin%2F"
    assert code["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_a_verified_member_who_is_not_staff_is_not_let_into_admin(member: User) -> None:
    client = Client()
    verified_login(client, member)

    response = client.get(ADMIN)

    assert response.status_code == 302
    assert response["Location"].startswith(ADMIN_LOGIN)


@pytest.mark.usefixtures("clock")
def test_admin_log_in_is_limited_like_the_site_and_shares_its_counters(staff: User) -> None:
    wrong = {"email": staff.email, "password": "not the password at all"}
    site = [Client(REMOTE_ADDR=f"192.0.2.{n}").post(LOGIN, wrong) for n in range(3)]
    admin = [Client(REMOTE_ADDR=f"192.0.2.{n}").post(ADMIN_LOGIN, wrong) for n in range(10, 12)]
    right = Client(REMOTE_ADDR="192.0.2.50").post(
        ADMIN_LOGIN, {"email": staff.email, "password": PASSWORD}
    )

    assert [r.status_code for r in site + admin] == [200] * 5
    assert right.status_code == 429
    assert right["Retry-After"] == str(30 * 60 - 100)


@pytest.mark.usefixtures("clock")
def test_admin_log_in_is_limited_per_client_address(db: None) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    answers = [
        client.post(ADMIN_LOGIN, {"email": f"guess{n}@example.org", "password": "x" * 12})
        for n in range(26)
    ]

    assert [a.status_code for a in answers] == [200] * 25 + [429]


@pytest.mark.usefixtures("store_down")
def test_admin_log_in_fails_closed_when_the_throttle_store_is_down(staff: User) -> None:
    client = Client()

    response = client.post(ADMIN_LOGIN, {"email": staff.email, "password": PASSWORD})

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_moderators_without_a_device_are_sent_to_enrol(moderator_unverified: Client) -> None:
    response = moderator_unverified.get(QUEUE)

    assert (response.status_code, response["Location"]) == (
        302,
        f"{TWO_FACTOR}?next=%2Fmoderation%2F",
    )


def test_moderators_with_a_device_type_a_code_first(
    moderator: User, moderator_unverified: Client
) -> None:
    enrolled(moderator)

    response = moderator_unverified.get(QUEUE)
    moderator_unverified.post(CODE, {"code": code_for(KEY)})

    assert (response.status_code, response["Location"]) == (302, f"{CODE}?next=%2Fmoderation%2F")
    assert moderator_unverified.get(QUEUE).status_code == 200


def test_moderation_pages_still_answer_404_to_members(member_client: Client) -> None:
    assert member_client.get(QUEUE).status_code == 404


def test_the_treatment_review_needs_the_second_factor_too(moderator_unverified: Client) -> None:
    response = moderator_unverified.get("/treatments/proposed/")

    assert response.status_code == 302
    assert response["Location"].startswith(TWO_FACTOR)


# --- staff sessions end after a while without activity --------------------------------------


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(1_800_000_000)
    monkeypatch.setattr("raremap.accounts.middleware.time", clock)
    return clock


@pytest.mark.parametrize("role", ["staff", "moderator"])
def test_staff_sessions_end_after_the_idle_time(
    role: str, staff: User, moderator: User, now: Clock, settings
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    verified_login(client, staff if role == "staff" else moderator)
    client.get(SETTINGS)  # the clock's first request
    now.now += settings.STAFF_IDLE_SECONDS - 10
    active = client.get(SETTINGS)
    now.now += settings.STAFF_IDLE_SECONDS + 1

    idle = client.get(SETTINGS)

    assert active.status_code == 200
    assert (idle.status_code, idle["Location"]) == (302, f"{LOGIN}?next={SETTINGS}")
    assert SESSION_KEY not in client.session
    assert "You were logged out after a while without activity." in text_of(client.get(LOGIN))


def test_a_request_within_the_idle_time_keeps_the_session(
    staff: User, now: Clock, settings
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    verified_login(client, staff)
    for _ in range(4):  # four requests, each just within the idle time of the one before
        client.get(SETTINGS)
        now.now += settings.STAFF_IDLE_SECONDS - 61

    assert client.get(SETTINGS).status_code == 200
    assert client.session[SESSION_KEY] == str(staff.pk)


def test_members_are_not_logged_out_for_idling(member_client: Client, now: Clock) -> None:
    member_client.get(SETTINGS)
    now.now += 24 * 60 * 60

    assert member_client.get(SETTINGS).status_code == 200
    assert LAST_SEEN_KEY not in member_client.session


def test_the_last_request_time_is_written_at_most_once_a_minute(staff: User, now: Clock) -> None:
    client = Client()
    verified_login(client, staff)
    client.get(SETTINGS)
    first = client.session[LAST_SEEN_KEY]
    now.now += 59
    client.get(SETTINGS)
    unchanged = client.session[LAST_SEEN_KEY]
    now.now += 1
    client.get(SETTINGS)

    assert (first, unchanged, client.session[LAST_SEEN_KEY]) == (
        now.now - 60,
        now.now - 60,
        now.now,
    )


def test_moderators_group_counts_as_staff_for_two_factor(moderator: User, member: User) -> None:
    Group.objects.get(name="Moderators")  # made by a migration

    assert (twofactor.needs_second_factor(moderator), twofactor.needs_second_factor(member)) == (
        True,
        False,
    )
