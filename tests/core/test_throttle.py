"""The throttle: fixed windows counted in the shared store (the database, or Redis on a site
with REDIS_URL), client addresses, and a store that is down."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from raremap.accounts.models import User
from raremap.core.models import LimitCount
from raremap.core.throttle import Limit, client_ip, throttle_hit, throttle_reset, throttled
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db  # the database store; harmless for the others

THREE_A_MINUTE = Limit("test", 3, 60)
START = 1_800_000_000  # a multiple of 60 (and of every other window in use)


@dataclass
class Clock:
    """Stands in for the `time` module inside raremap.core.throttle."""

    now: float

    def time(self) -> float:
        return self.now


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest) -> str:
    """Each counting test runs against both stores a site can have."""
    if request.param == "redis":
        request.getfixturevalue("redis_store")
    return request.param


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(START + 10)
    monkeypatch.setattr("raremap.core.throttle.time", fake)
    return fake


@pytest.mark.usefixtures("clock", "store")
def test_allows_count_attempts_then_says_when_to_come_back() -> None:
    results = [throttle_hit(THREE_A_MINUTE, "key") for _n in range(5)]

    assert results == [0, 0, 0, 50, 50]


@pytest.mark.usefixtures("store")
def test_retry_after_counts_down_to_the_end_of_the_window(clock: Clock) -> None:
    for _n in range(3):
        throttle_hit(THREE_A_MINUTE, "key")
    clock.now = START + 59.5

    assert throttle_hit(THREE_A_MINUTE, "key") == 1


@pytest.mark.usefixtures("store")
def test_a_new_window_starts_from_zero(clock: Clock) -> None:
    for _n in range(4):
        throttle_hit(THREE_A_MINUTE, "key")
    clock.now = START + 60

    results = [throttle_hit(THREE_A_MINUTE, "key") for _n in range(4)]

    assert results == [0, 0, 0, 60]


@pytest.mark.usefixtures("clock", "store")
def test_keys_and_scopes_are_counted_apart() -> None:
    for _n in range(3):
        throttle_hit(THREE_A_MINUTE, "key")

    assert [
        throttle_hit(THREE_A_MINUTE, "key"),
        throttle_hit(THREE_A_MINUTE, "other key"),
        throttle_hit(Limit("other scope", 3, 60), "key"),
    ] == [50, 0, 0]


@pytest.mark.usefixtures("clock", "store")
def test_reset_forgets_the_attempts_of_one_key() -> None:
    for _n in range(3):
        throttle_hit(THREE_A_MINUTE, "key")
        throttle_hit(THREE_A_MINUTE, "other key")

    throttle_reset(THREE_A_MINUTE, "key")

    assert [throttle_hit(THREE_A_MINUTE, "key"), throttle_hit(THREE_A_MINUTE, "other key")] == [
        0,
        50,
    ]


@pytest.mark.usefixtures("clock", "store")
def test_long_and_odd_keys_are_fine() -> None:
    keys = ["x" * 10_000, "späce and ünicode", "key:with:colons", ""]

    assert [throttle_hit(THREE_A_MINUTE, key) for key in keys] == [0, 0, 0, 0]


def request_from(address: str | None) -> HttpRequest:
    request = RequestFactory().get("/")
    if address is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = address
    return request


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2:FFFF:FFFF:FFFF:FFFF", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::1", "::/64"),
        ("not an address", "not an address"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_client_ip_groups_ipv6_per_64(address: str | None, key: str) -> None:
    assert client_ip(request_from(address)) == key


def test_ipv4_mapped_addresses_are_counted_per_ipv4_address() -> None:
    keys = {client_ip(request_from(f"::ffff:192.0.2.{n}")) for n in (1, 2)}

    assert keys == {"192.0.2.1", "192.0.2.2"}


def test_behind_proxy_the_last_forwarded_hop_is_the_client(settings) -> None:  # type: ignore[no-untyped-def]
    settings.BEHIND_PROXY = True
    request = request_from("10.0.0.1")
    request.META["HTTP_X_FORWARDED_FOR"] = "203.0.113.9, 198.51.100.7"

    assert client_ip(request) == "198.51.100.7"


def test_forwarded_header_is_ignored_without_a_proxy() -> None:
    request = request_from("198.51.100.7")
    request.META["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"

    assert client_ip(request) == "198.51.100.7"


@pytest.mark.usefixtures("store_down")
def test_store_down_fails_open_by_default() -> None:
    assert throttle_hit(THREE_A_MINUTE, "key") == 0


@pytest.mark.usefixtures("store_down")
def test_store_down_fails_closed_for_login_style_limits() -> None:
    assert throttle_hit(THREE_A_MINUTE, "key", fail_open=False) == 60


@pytest.mark.usefixtures("store_down")
def test_reset_with_the_store_down_does_not_raise() -> None:
    throttle_reset(THREE_A_MINUTE, "key")


def view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("done")


def post(address: str = "192.0.2.7", user: User | None = None) -> HttpRequest:
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    request.user = user or AnonymousUser()
    return request


@pytest.mark.usefixtures("clock", "store")
def test_throttled_view_answers_429_with_retry_after() -> None:
    limited = throttled(Limit("view", 2, 60))(view)

    statuses = [limited(post()).status_code for _n in range(2)]
    response = limited(post())

    assert statuses == [200, 200]
    assert (response.status_code, response["Retry-After"]) == (429, "50")
    assert "Too many attempts. Please wait a little and try again." in response.content.decode()


@pytest.mark.usefixtures("clock", "store")
def test_throttled_counts_only_the_given_methods() -> None:
    limited = throttled(Limit("view", 1, 60))(view)
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    request.user = AnonymousUser()

    assert [limited(request).status_code for _n in range(3)] == [200, 200, 200]


@pytest.mark.usefixtures("clock", "store")
def test_throttled_counts_a_member_wherever_they_come_from() -> None:
    member = UserFactory()
    limited = throttled(Limit("view", 1, 60))(view)

    first = limited(post("192.0.2.1", member))
    second = limited(post("198.51.100.1", member))
    stranger = limited(post("192.0.2.1"))

    assert [first.status_code, second.status_code, stranger.status_code] == [200, 429, 200]


@pytest.mark.usefixtures("store_down")
def test_throttled_fail_closed_refuses_when_the_store_is_down() -> None:
    open_view = throttled(Limit("view", 1, 60))(view)
    closed_view = throttled(Limit("view", 1, 60), fail_open=False)(view)

    assert [open_view(post()).status_code, closed_view(post()).status_code] == [200, 429]


def test_counts_of_windows_that_have_passed_are_deleted(clock: Clock) -> None:
    for key in ("a", "b"):
        throttle_hit(THREE_A_MINUTE, key)
    clock.now = START + 60 * 60  # an hour later: a new window's first attempt cleans up

    throttle_hit(THREE_A_MINUTE, "c")

    assert list(LimitCount.objects.values_list("period", "count")) == [((START + 3600) // 60, 1)]


def test_database_counts_are_one_row_per_scope_address_and_window() -> None:
    for _n in range(4):
        throttle_hit(THREE_A_MINUTE, "key")
    throttle_hit(Limit("other scope", 3, 60), "key")

    assert sorted(LimitCount.objects.values_list("scope", "count")) == [
        ("other scope", 1),
        ("test", 4),
    ]
