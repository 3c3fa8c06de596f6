from django.urls import path

from linli.tasks import views

app_name = "visits"
urlpatterns = [
    path("", views.visits_today, name="today"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/record/", views.visit_record, name="record"),
    path("levels/", views.care_levels, name="levels"),
    path("workload/", views.workload, name="workload"),
]
