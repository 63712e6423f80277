"""WSGI entry point for granian or gunicorn: `granian --interface wsgi raremap.wsgi:application`."""

import gc
import os

from django import forms
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.forms.renderers import get_default_renderer
from django.template import engines
from django.urls import get_resolver
from django.utils import translation

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raremap.settings")
application = get_wsgi_application()

# Import every view now (the URLconf), build the URLconf's reverse look-ups for every language
# (each language has its own: 50 ms the first time a page links anywhere in that language),
# compile every template (0.5 s) and the form widgets' templates (Django's, with the imports of
# its template tag libraries), so that no member's request pays for a first use: the first
# message a new process sent took 50–60 ms, later ones 15, and 32–36 ms with these. Then move
# what start-up made — ~117,000 objects: modules, classes, the URLconf, templates — out of the
# garbage collector's reach. They live as long as the process, yet a full collection walked
# them all: 61 ms, a pause for every thread of the worker, seen as the p99 of writes under
# bench/cluster.py; after the freeze one takes ~6 ms. (docs/benchmarks.md, "Garbage
# collection and first use".)
_resolver = get_resolver()
for _code, _name in settings.LANGUAGES:
    with translation.override(_code):
        _resolver.reverse_dict  # noqa: B018 (builds this language's look-ups)
_jinja = engines["jinja2"].env  # type: ignore[attr-defined]
for _name in _jinja.list_templates(extensions=("html", "txt", "xml")):
    _jinja.get_template(_name)
_renderer = get_default_renderer()
for _widget in vars(forms.widgets).values():
    for _attribute in ("template_name", "option_template_name"):
        if isinstance(_widget, type) and isinstance(getattr(_widget, _attribute, None), str):
            _renderer.get_template(getattr(_widget, _attribute))
gc.freeze()
