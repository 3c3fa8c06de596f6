from django.urls import path

from linli.grids import views

app_name = "grids"
urlpatterns = [
    path("", views.grid_list, name="list"),
    path("<int:pk>/", views.grid_detail, name="detail"),
    path("<int:pk>/edit/", views.grid_edit, name="edit"),
]
