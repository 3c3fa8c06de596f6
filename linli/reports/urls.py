from django.urls import path

from linli.reports import dictionary_views, views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("run/", views.run, name="run"),
    path("dictionary/", dictionary_views.dictionary, name="dictionary"),
]
