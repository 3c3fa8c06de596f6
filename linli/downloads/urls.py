from django.urls import path

from linli.downloads import views

app_name = "downloads"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/file/", views.file, name="file"),
    path("approvals/", views.approvals, name="approvals"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/refuse/", views.refuse, name="refuse"),
]
