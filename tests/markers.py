"""Shared markers.

`transactional` is the only way tests may use real transactions: Django flushes the tables of
`available_apps` after such a test, and leaving the catalog out keeps the real catalog that the
session imported once (tests/conftest.py refuses a bare transaction=True).
"""

import pytest
from django.conf import settings

APPS_WITHOUT_CATALOG = [app for app in settings.INSTALLED_APPS if app != "raremap.catalog"]

transactional = pytest.mark.django_db(transaction=True, available_apps=APPS_WITHOUT_CATALOG)
