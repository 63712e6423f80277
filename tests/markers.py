"""Shared markers.

`transactional` is the only way tests may use real transactions: Django flushes the tables of
`available_apps` after such a test, and leaving the catalog out keeps the real catalog that the
session imported once (tests/conftest.py refuses a bare transaction=True).
"""

import pytest

APPS_WITHOUT_CATALOG = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "js_lib_htmx",
    "raremap.core",
    "raremap.accounts",
    "raremap.communities",
    "raremap.api",
]

transactional = pytest.mark.django_db(transaction=True, available_apps=APPS_WITHOUT_CATALOG)
