"""The JSON API under /api/v1/ (django-ninja), with its OpenAPI document at /api/v1/openapi.json.

Routers live one per domain (catalog.py, …) and call the same selectors and services as the
pages. Every error answers in one envelope (errors.py).

Authentication: the reads here are public (`auth=None`) and cacheable for anonymous visitors.
Writes take token auth per operation (`@router.post(..., auth=token_auth)`, raremap.api.auth),
so that a public read never asks for credentials.
"""

from ninja import Swagger

from raremap.api import atlas, catalog, connections, questions, treatments
from raremap.api.errors import RareMapAPI
from raremap.core.decorators import cache_for_anonymous

api = RareMapAPI(
    title="RareMap API",
    version="1",
    description=(
        "Disease catalog, communities, questions, treatments and maps. "
        "URLs in answers are paths from the site root; blank values are null. "
        'Errors answer {"error": {"status", "code", "message", "details"?}}.'
    ),
    urls_namespace="api",
    auth=None,
    # "ninja" is an installed app, so the Swagger page uses its bundled files, not a CDN;
    # validatorUrl None stops Swagger UI from sending the document to validator.swagger.io.
    docs_url="/docs",
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=cache_for_anonymous,  # the OpenAPI document is the same for everyone
)

api.add_router("/diseases", catalog.router)
api.add_router("", questions.router)  # /diseases/{slug}/questions…, /answers…, /reports
api.add_router("", treatments.router)  # /treatments…, /diseases/{slug}/treatments…
api.add_router("", atlas.router)  # /diseases/{slug}/map…, /diseases/{slug}/people
api.add_router("", connections.router)  # /connections…, /conversations… (token for reads too)
