from django.urls import path

from linli.tasks import views

app_name = "tasks"
urlpatterns = [
    path("", views.task_list, name="list"),
    path("new/", views.task_new, name="new"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/close/", views.task_close, name="close"),
    path("items/<int:pk>/", views.item_tick, name="item"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
