from django.urls import path

from linli.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("work/", views.worklist, name="work"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/progress/", views.campaign_progress, name="progress"),
    path("<int:pk>/review/", views.review, name="review"),
    *[path(f"<int:pk>/{step}/", views.campaign_step, {"step": step}, name=step) for step in ("start", "finish")],
    path("households/<int:pk>/", views.knock, name="knock"),
    path("mine/", views.my_survey, name="mine"),
]
