from django.urls import path

from linli.supplies import views

app_name = "supplies"
urlpatterns = [
    path("", views.index, name="index"),
    path("street/", views.street, name="street"),
    path("points/<int:pk>/", views.point_detail, name="point"),
    path("points/<int:pk>/move/", views.point_move, name="move"),
    path("points/<int:pk>/count/", views.count_start, name="count_start"),
    path("counts/<int:pk>/", views.count_sheet, name="count"),
    path("shipments/", views.shipments, name="shipments"),
    path("shipments/<int:pk>/", views.shipment_step, name="shipment"),
]
