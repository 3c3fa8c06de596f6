from django.urls import path

from linli.handout import views

app_name = "handout"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new_round, name="new"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/reserve/", views.reserve, name="reserve"),
    path("rounds/<int:pk>/export/", views.export, name="export"),
    path("rounds/<int:pk>/import/", views.import_list, name="import"),
    path("pickup/", views.pickup, name="pickup"),
    path("checklist/", views.reserve_checklist, name="checklist"),
]
