"""The JSON API under /api/v1/ (django-ninja), with its OpenAPI document at /api/v1/openapi.json."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="RareMap API",
    version="1",
    description="Disease catalog, communities and (later) questions, treatments and maps.",
    urls_namespace="api",
)
