"""Base models shared by every app."""

from django.db import models


class TimeStampedModel(models.Model):
    """Adds creation and modification times."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class LimitCount(models.Model):
    """Attempts counted against one limit (raremap.core.throttle) in one time window.

    In the database, so that every process of the embedded site counts the same attempts; a
    site with REDIS_URL counts in Redis instead.
    """

    scope = models.CharField(max_length=40)
    who = models.CharField(max_length=64)  # a digest of the address or member counted
    period = models.BigIntegerField()  # the window's number: its start in seconds / its length
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Also the conflict target of throttle.COUNT_SQL.
            models.UniqueConstraint(fields=["scope", "who", "period"], name="limit_count_unique")
        ]
        indexes = [
            # Deleting the counts of windows that have passed (throttle._count_in_database).
            models.Index(fields=["expires_at"], name="limit_count_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.period}: {self.count}"
