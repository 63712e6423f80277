"""Reading what a page tells search engines: its head's links and meta tags (lxml) and its
JSON-LD, parsed by extruct, the parser search-engine tooling uses."""

from dataclasses import dataclass
from typing import Any

import extruct
import lxml.html
from django.http import HttpResponse


@dataclass
class PageSeo:
    tree: Any  # lxml.html element
    json_ld: list[dict[str, Any]]

    def meta(self, name: str) -> list[str]:
        return self.tree.xpath(f'//head/meta[@name="{name}"]/@content')

    @property
    def canonical(self) -> list[str]:
        return self.tree.xpath('//head/link[@rel="canonical"]/@href')

    @property
    def alternates(self) -> dict[str, str]:
        links = self.tree.xpath('//head/link[@rel="alternate"][@hreflang]')
        return {link.get("hreflang"): link.get("href") for link in links}

    @property
    def title(self) -> str:
        return self.tree.findtext(".//head/title")

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [item for item in self.json_ld if item.get("@type") == kind]

    def text(self, xpath: str) -> list[str]:
        """The visible text of each element found, white space collapsed."""
        return [" ".join(element.text_content().split()) for element in self.tree.xpath(xpath)]


def page_seo(response: HttpResponse) -> PageSeo:
    html = response.content.decode()
    return PageSeo(
        tree=lxml.html.fromstring(html),
        json_ld=extruct.extract(html, syntaxes=["json-ld"], uniform=True)["json-ld"],
    )
