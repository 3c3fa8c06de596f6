from django.urls import path

from linli.tickets import delivery_views as views

app_name = "deliveries"
urlpatterns = [
    path("", views.delivery_list, name="list"),
    path("<int:pk>/", views.delivery_detail, name="detail"),
    path("<int:pk>/take/", views.take, name="take"),
    path("<int:pk>/picked-up/", views.picked_up, name="picked_up"),
    path("<int:pk>/at-door/", views.at_door, name="at_door"),
    path("<int:pk>/photo/", views.delivery_photo, name="photo"),
]
