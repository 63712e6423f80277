"""The session engine: database sessions read together with their member in one query.

A logged-in member's request needs the session, the member and the header's counts
(raremap.accounts.nav). Django reads the first two with a query each, after building each
query; here one prepared query (raremap.core.prepared) reads the session row, its member's
row (the `user` column of raremap.accounts.models.Session), the member's moderator flag and
every registered count. The member is handed to the authentication middleware
(raremap.accounts.middleware), which still verifies the session's hash as Django does.
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.base import DEFERRED
from django.utils import timezone

from raremap.accounts import nav
from raremap.accounts.models import Session, User
from raremap.accounts.permissions import MODERATORS_GROUP
from raremap.core.prepared import Param, Prepared

# Every column of the member but the long profile text, which no header needs.
_LATER = {"bio", "bio_html"}
_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)


def _session_query(key: str) -> QuerySet:
    moderator = Group.user_set.through.objects.filter(
        user_id=OuterRef("user_id"), group__name=MODERATORS_GROUP
    )
    return Session.objects.filter(session_key=key).values(
        "session_data",
        "expire_date",
        *(f"user__{name}" for name in _FIELDS if name not in _LATER),
        is_moderator=Exists(moderator),
        **nav.count_annotations(OuterRef("user_id")),
    )


_SESSION = Prepared(_session_query, Param("key", str))


def _member(row: dict) -> User | None:
    if row["user__id"] is None:
        return None
    values = [DEFERRED if name in _LATER else row[f"user__{name}"] for name in _FIELDS]
    user = User.from_db("default", _FIELDS, values)
    user._is_moderator = bool(user.is_active and (user.is_superuser or row["is_moderator"]))
    user.nav_counts = {name: row[f"nav_{name}"] or 0 for name in nav.names()}
    return user


class SessionStore(DatabaseSessionStore):
    member: User | None = None  # the session's member, as read with it

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def create_model_instance(self, data: dict) -> Session:
        session = super().create_model_instance(data)
        try:
            session.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            session.user_id = None
        return session

    def load(self) -> dict:
        row = _SESSION.first(key=self.session_key)
        if row is None or row["expire_date"] <= timezone.now():
            self._session_key = None
            return {}
        self.member = _member(row)
        return self.decode(row["session_data"])


def session_for(user: User) -> str:
    """A new logged-in session for a member, as logging in makes it (its key is the cookie's
    value): for browser tests and benchmarks, which log in without a password."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key
