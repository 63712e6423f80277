"""For the tests of the reads written out in SQL: what a model instance holds, as the ORM
would give it."""

from django.db.models import Model


def values_of(instance: Model | None) -> list[tuple[str, object, type]] | None:
    """Every column's value and its Python type (a date read as text would differ)."""
    if instance is None:
        return None
    return [
        (field.attname, getattr(instance, field.attname), type(getattr(instance, field.attname)))
        for field in instance._meta.concrete_fields
    ]
