from django.urls import path

from linli.gates import views

app_name = "gates"
urlpatterns = [
    path("", views.gate_list, name="list"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("records/", views.gate_records, name="records"),
    path("<int:pk>/", views.gate_screen, name="screen"),
    path("<int:pk>/roster/", views.gate_roster, name="roster"),
    path("<int:pk>/roster/add/", views.shift_add, name="shift_add"),
    path("<int:pk>/roster/<int:shift_id>/remove/", views.shift_remove, name="shift_remove"),
]
