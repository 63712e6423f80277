"""Context processor: the member's data exports, read only by the pages that show them (the
settings page's "Your data" section says when a prepared download is ready)."""

from functools import cache, partial

from django.http import HttpRequest

from raremap.privacy.selectors import export_list_for_user


def data_exports(request: HttpRequest) -> dict[str, object]:
    return {"data_exports": cache(partial(export_list_for_user, request.user))}
