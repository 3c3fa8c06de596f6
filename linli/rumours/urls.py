from django.urls import path

from linli.rumours import views

app_name = "rumours"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("report/", views.report, name="report"),
    path("<int:pk>/", views.suspect_detail, name="suspect"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/clarify/", views.clarify, name="clarify"),
    path("clarifications/<int:pk>/edit/", views.edit_clarification, name="edit"),
    path("clarifications/<int:pk>/sign/", views.sign, name="sign"),
    path("clarifications/<int:pk>/release/", views.release, name="release"),
    path("facts/", views.fact_list, name="facts"),
    path("facts/new/", views.fact_new, name="fact_new"),
    path("facts/<int:pk>/", views.fact_detail, name="fact"),
    path("facts/<int:pk>/edit/", views.fact_edit, name="fact_edit"),
    path("facts/<int:pk>/sign-off/", views.fact_sign_off, name="fact_sign_off"),
]
