"""The session engine: database sessions read together with their member in one query.

A logged-in member's request needs the session, the member and whether the member is a
moderator. Django reads the first two with a query each; here one statement reads the session
row, its member's row (the `user` column of raremap.accounts.models.Session) and the moderator
flag. The member is handed to the authentication middleware (raremap.accounts.middleware),
which still verifies the session's hash as Django does. The header's counts are read when a
page shows them (raremap.accounts.nav).
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection
from django.utils import timezone

from raremap.accounts.models import Session, User

# Every member's request runs this, so it is written out in SQL rather than built by the ORM:
# the same query costs about 1 ms with the ORM, 0.1 ms here (docs/architecture.md, "Reads
# every request makes"). "Moderators" is raremap.accounts.permissions.MODERATORS_GROUP.
# A session before log-in has no member: its member columns are NULL. The tests compare every
# value with what the ORM reads (tests/accounts/test_sessions.py).
SESSION_SQL = """
SELECT u.*, s.session_data AS session_data, EXISTS (
    SELECT 1 FROM accounts_user_groups ug
    INNER JOIN auth_group g ON g.id = ug.group_id
    WHERE ug.user_id = s.user_id AND g.name = 'Moderators'
) AS session_is_moderator
FROM accounts_session s
LEFT OUTER JOIN accounts_user u ON u.id = s.user_id
WHERE s.session_key = %s AND s.expire_date > %s
"""


def session_read(key: str) -> tuple[str, User | None] | None:
    """A session that has not expired: its data and its member, with the moderator flag known
    (None for no such session)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # A raw query: the member's columns go through the ORM's converters.
    row = next(iter(User.objects.raw(SESSION_SQL, [key, now])), None)
    if row is None:
        return None
    data, moderator = row.session_data, row.session_is_moderator
    del row.session_data, row.session_is_moderator
    if row.pk is None:
        return data, None
    row._is_moderator = bool(row.is_active and (row.is_superuser or moderator))
    return data, row


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
        read = session_read(self.session_key)
        if read is None:
            self._session_key = None
            return {}
        data, self.member = read
        return self.decode(data)


def session_for(user: User) -> str:
    """A new logged-in session for a member, as logging in makes it (its key is the cookie's
    value): for browser tests and benchmarks, which log in without a password."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key
