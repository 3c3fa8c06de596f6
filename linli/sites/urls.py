from django.urls import path

from linli.sites import views

app_name = "sites"
urlpatterns = [
    path("", views.point_list, name="points"),
    path("points/add/", views.point_add, name="point_add"),
    path("points/<int:pk>/visit/", views.visit_add, name="visit_add"),
    path("points/<int:pk>/", views.point_edit, name="point_edit"),
    path("shelters/<int:pk>/", views.shelter_edit, name="shelter_edit"),
    path("shelters/", views.shelter_list, name="shelters"),
    path("shelters/add/", views.shelter_add, name="shelter_add"),
    path("today/", views.today, name="today"),
]
