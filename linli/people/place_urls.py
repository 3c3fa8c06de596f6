from django.urls import path

from linli.people import place_views as views

# The place pages kept their /places/ address and "places:" names when they moved to people.
app_name = "places"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/usage/", views.set_usage, name="set_usage"),
]
