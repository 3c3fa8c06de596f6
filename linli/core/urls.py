from django.urls import path

from linli.core import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
    path("regions/", views.region_choices, name="regions"),
]
