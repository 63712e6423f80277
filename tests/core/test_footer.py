"""The site footer: every page links the API documentation (until now only the tokens page did)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

_FOOTER = re.compile(r'<footer class="site-footer">(.*?)</footer>', re.S)


def footer_of(client: Client, path: str) -> str:
    match = _FOOTER.search(client.get(path).content.decode())
    assert match is not None, path
    return match[1]


@pytest.mark.parametrize("path", ["/", "/es/", "/treatments/", "/about/", "/accounts/login/"])
def test_every_page_links_the_api_documentation(client: Client, path: str) -> None:
    docs = reverse("api:openapi-view")

    footer = footer_of(client, path)

    assert f'<a href="{docs}">' in footer
    assert docs == "/api/v1/docs"


def test_the_link_is_named_in_the_page_language(client: Client) -> None:
    assert ">API documentation</a>" in footer_of(client, "/")
    assert ">Documentación de la API</a>" in footer_of(client, "/es/")


def test_members_see_it_too(member_client: Client) -> None:
    assert '<a href="/api/v1/docs">' in footer_of(member_client, "/treatments/")
