from django.urls import path

from linli.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("<int:pk>/stop/", views.stop, name="stop"),
    path("<int:pk>/rerun/", views.rerun, name="rerun"),
]
