"""The header's account links on kept pages (raremap.core.shell): the `nav` region of
base.html, filled per member from the counts read with their session (raremap.accounts.nav)."""

from django.http import HttpRequest

from raremap.accounts.nav import nav_counts
from raremap.core.shell import Filler, Viewer, base_fillers


def page_fillers(viewer: Viewer) -> dict[str, Filler]:
    """The fillers of base.html's regions: flash messages and, for a member, the account
    links (remembered per process under everything they show)."""
    fillers = base_fillers(viewer)
    request: HttpRequest = viewer.request
    user = request.user
    if user.is_authenticated:
        language = getattr(request, "LANGUAGE_CODE", None)

        def nav(_argument: str, _anonymous: str) -> str:
            counts = nav_counts(user)
            return viewer.fragment(
                "accounts/_nav.html",
                (language, user.pk, user.display_name, user.public_id, *counts.items()),
                lambda: {
                    "request": request,
                    "LANGUAGE_CODE": language,
                    "nav_count": counts.__getitem__,
                },
            )

        fillers["nav"] = nav
    return fillers
