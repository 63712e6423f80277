"""Shared markers.

`transactional` is the only way tests may use real transactions: Django flushes the tables of
`available_apps` after such a test, and leaving the catalog out keeps the real catalog that the
session imported once (tests/conftest.py refuses a bare transaction=True).
"""

import pytest
from django.apps import apps

# App names, not INSTALLED_APPS entries (the admin is named by its AppConfig class there).
APPS_WITHOUT_CATALOG = [app.name for app in apps.get_app_configs() if app.name != "raremap.catalog"]

transactional = pytest.mark.django_db(transaction=True, available_apps=APPS_WITHOUT_CATALOG)

# A test that commits task rows only (tests/core/test_tasks*.py): flushing just the task tables
# afterwards leaves the rest of the session's data, the places included, as it was.
transactional_tasks = pytest.mark.django_db(
    transaction=True, available_apps=["raremap.core", "django_tasks", "django_tasks_db"]
)
