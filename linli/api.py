"""The JSON API: django-ninja under /api/, OpenAPI at /api/openapi.json."""

from ninja import NinjaAPI

api = NinjaAPI(title="Linli API", version="1", urls_namespace="api")
