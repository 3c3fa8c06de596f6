from django.urls import path

from linli.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("subject/<str:ref>/", views.subject, name="subject"),
]
