"""WSGI entry point for granian or gunicorn: `granian --interface wsgi raremap.wsgi:application`."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.template import engines
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raremap.settings")
application = get_wsgi_application()

# Import every view now (the URLconf) and compile every template (0.5 s), so that no member's
# request pays for a first use; then move what start-up made — ~117,000 objects: modules,
# classes, the URLconf, templates — out of the garbage collector's reach. They live as long as
# the process, yet a full collection walked them all: 61 ms, a pause for every thread of the
# worker, seen as the p99 of writes under bench/cluster.py; after the freeze one takes ~6 ms.
# (docs/benchmarks.md, "Garbage collection and first use".)
get_resolver().url_patterns  # noqa: B018 (imports the views)
_jinja = engines["jinja2"].env  # type: ignore[attr-defined]
for _name in _jinja.list_templates(extensions=("html", "txt", "xml")):
    _jinja.get_template(_name)
gc.freeze()
