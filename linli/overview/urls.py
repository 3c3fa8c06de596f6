from django.urls import path

from linli.overview import views

app_name = "overview"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.screen_page, name="screen"),
    path("<int:pk>/data.json", views.data, name="data"),
    path("<int:pk>/map.geojson", views.map_geojson, name="map"),
]
