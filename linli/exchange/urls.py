from django.urls import path

from linli.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.index, name="index"),
    path("send/", views.send, name="send"),
    path("<int:pk>/", views.snapshot, name="snapshot"),
]
