"""The short links that reach households (no sign-in): /n/<token>/ and /n/b/<token>/."""

from django.urls import path

from linli.notices import views

urlpatterns = [
    path("b/<str:token>/", views.poster_link, name="notice_poster"),
    path("b/<str:token>/images/<int:image_pk>/", views.poster_image, name="notice_poster_image"),
    path("<str:token>/images/<int:image_pk>/", views.household_image, name="notice_link_image"),
    path("<str:token>/documents/<int:document_pk>/", views.household_document, name="notice_link_document"),
    path("<str:token>/", views.household_link, name="notice_link"),
]
