from django.urls import path

from linli.devices import views

app_name = "devices"
urlpatterns = [
    path("", views.device_list, name="list"),
    path("new/", views.device_new, name="new"),
    path("import/", views.device_import, name="import"),
    path("<int:pk>/", views.device_detail, name="detail"),
    path("<int:pk>/activate/", views.device_activate, name="activate"),
    path("<int:pk>/status/", views.device_status, name="status"),
]
