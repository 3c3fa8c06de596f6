from django.urls import path

from linli.people import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reveal/<str:field>/", views.reveal, name="reveal"),
    path("new/", views.new, name="new"),
    path("export/", views.export, name="export"),
    path("organizations/", views.organizations, name="organizations"),
    path("organizations/new/", views.new_organization, name="new_organization"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("residence/<int:pk>/move-out/", views.move_out, name="move_out"),
]
