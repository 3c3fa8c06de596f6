from django.urls import path

from linli.tickets import open311

app_name = "open311"
urlpatterns = [
    route
    for fmt in ("json", "xml")
    for route in (
        path(f"services.{fmt}", open311.services, {"fmt": fmt}, name=f"services_{fmt}"),
        path(f"services/<str:code>.{fmt}", open311.service_definition, {"fmt": fmt}, name=f"service_{fmt}"),
        path(f"requests.{fmt}", open311.requests_view, {"fmt": fmt}, name=f"requests_{fmt}"),
        path(f"requests/<str:number>.{fmt}", open311.request_detail, {"fmt": fmt}, name=f"request_{fmt}"),
        path(f"tokens/<str:token>.{fmt}", open311.token_view, {"fmt": fmt}, name=f"token_{fmt}"),
    )
]
