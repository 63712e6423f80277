"""HTTP baseline: security headers, methods, health, deployment checks."""

import os
import re
import subprocess
import sys

import pytest
from django.test import Client

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


PAGES = [
    "/",
    "/search/?q=dfsp",
    "/d/dermatofibrosarcoma-protuberans/",
    "/sources/",
    "/about/",
    "/accounts/login/",
    "/accounts/signup/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_page(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == directives(CSP)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_no_inline_script_or_style(client: Client, path: str) -> None:
    html = client.get(path).content.decode()

    # Structured data (JSON-LD) is a data block, never run, so script-src does not apply to it.
    assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/ld\+json\")", html) is None
    assert "<style" not in html
    assert " style=" not in html
    assert re.search(r"<[^>]*\son[a-z]+\s*=", html) is None


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["trace", "put", "patch", "delete"])
@pytest.mark.parametrize("path", PAGES[:5])
def test_unlisted_methods_answer_405(client: Client, path: str, method: str) -> None:
    response = getattr(client, method)(path)

    assert response.status_code == 405


@pytest.mark.django_db
def test_health_says_the_database_is_up(client: Client) -> None:
    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "up"})
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_not_found_page_is_ours_and_generic(client: Client) -> None:
    response = client.get("/nothing-here/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"email": "a@example.org", "password": "x"})

    assert response.status_code == 403


def test_deploy_check_passes_with_production_settings() -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "SECRET_KEY": "x9!Rk2#pV8$wL5@qZ1^mN7&bT4*cY6(hJ3)gF0_dS-uE+aO=iW" * 2,
        "RAREMAP_HTTPS": "1",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "raremap.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-m", "raremap", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_no_secret_key_means_no_boot() -> None:
    env = {**os.environ, "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "-m", "raremap", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
