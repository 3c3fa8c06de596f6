from django.urls import path

from linli.consult import views

app_name = "consult"
urlpatterns = [
    path("", views.consult_list, name="list"),
    path("new/", views.consult_new, name="new"),
    path("mine/", views.my_consultations, name="mine"),
    path("<int:pk>/", views.consult_detail, name="detail"),
    path("<int:pk>/revise/", views.consult_revise, name="revise"),
    path("<int:pk>/report/", views.consult_report, name="report"),
    path("<int:pk>/report.xlsx", views.consult_report_xlsx, name="report_xlsx"),
    path("<int:pk>/take-part/", views.take_part, name="take_part"),
    *[path(f"<int:pk>/{step}/", views.consult_step, {"step": step}, name=step)
      for step in ("open", "close", "report-upward", "announce")],
    path("comments/<int:pk>/hide/", views.comment_hide, name="hide_comment"),
    path("proposals/<int:pk>/hide/", views.proposal_hide, name="hide_proposal"),
    path("proposals/<int:pk>/answer/", views.proposal_answer, name="answer"),
    path("themes/<int:pk>/respond/", views.theme_respond, name="respond"),
]
