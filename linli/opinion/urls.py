from django.urls import path

from linli.opinion import views

app_name = "opinion"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("places/<int:place_id>/", views.analysis, name="analysis"),
    path("demands/<int:pk>/", views.demand_decide, name="demand"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("reports/<int:pk>/send/", views.report_send, name="report_send"),
]
