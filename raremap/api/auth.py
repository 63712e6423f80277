"""Token authentication for the API's writes: "Authorization: Bearer rm_…".

Members make tokens on their "API tokens" page (accounts/tokens/); only the SHA-256 of a secret
is stored. A token works while it is not revoked and its member is active. The session cookie
is never enough for a write: a browser cannot be tricked into sending a bearer token, so the
API needs no CSRF check.
"""

from django.http import HttpRequest
from ninja.security import HttpBearer

from raremap.accounts.models import ApiToken, User
from raremap.accounts.services import token_mark_used

# A secret is "rm_" and 43 characters; anything much longer is not one of ours (and is not
# worth hashing).
MAX_SECRET_LENGTH = 100


class TokenAuth(HttpBearer):
    """The member of an active API token; ninja answers 401 (in the envelope) without one."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token.startswith(ApiToken.SECRET_PREFIX) or len(token) > MAX_SECRET_LENGTH:
            return None
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(
                key_hash=ApiToken.hash_secret(token),
                revoked_at__isnull=True,
                user__is_active=True,
            )
            .first()
        )
        if api_token is None:
            return None
        token_mark_used(token=api_token)
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


token_auth = TokenAuth()
