"""The privacy notice members agree to, by version.

Each version's text is a template, `accounts/notice/<version>.html`, kept for as long as
members agreed to it (the consent records name the version). To change the notice: copy the
newest template to a new version, edit the copy, and put its version first in NOTICE_VERSIONS.
Every member is then asked again at their next request (raremap.accounts.middleware).
"""

# Newest first. The first is the version members agree to now.
NOTICE_VERSIONS = ("2026-12-07",)
PRIVACY_NOTICE_VERSION = NOTICE_VERSIONS[0]


def notice_template(version: str) -> str:
    """The template of one version of the notice (the version must be in NOTICE_VERSIONS)."""
    if version not in NOTICE_VERSIONS:
        raise ValueError(f"No privacy notice version {version!r}")
    return f"accounts/notice/{version}.html"
