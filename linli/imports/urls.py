from django.urls import path

from linli.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("template.xlsx", views.template_file, {"fmt": "xlsx"}, name="template_xlsx"),
    path("template.csv", views.template_file, {"fmt": "csv"}, name="template_csv"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("<int:pk>/stop/", views.stop, name="stop"),
    path("<int:pk>/rerun/", views.rerun, name="rerun"),
]
