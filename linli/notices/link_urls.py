"""The short links that reach households (no sign-in): /n/<token>/ and /n/b/<token>/."""

from django.urls import path

from linli.notices import views

urlpatterns = [
    path("b/<str:token>/", views.poster_link, name="notice_poster"),
    path("<str:token>/", views.household_link, name="notice_link"),
]
