from django.urls import path

from linli.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_new, name="new"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("mine/", views.my_notices, name="mine"),
    path("elders/", views.elder_contact, name="elders"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/revise/", views.notice_revise, name="revise"),
    path("<int:pk>/reach/", views.notice_reach, name="reach"),
    path("<int:pk>/files/", views.notice_attach, name="attach"),
    path("<int:pk>/files/remove/", views.notice_detach, name="detach"),
    path("<int:pk>/images/<int:image_pk>/", views.notice_image, name="image"),
    path("<int:pk>/documents/<int:document_pk>/", views.notice_document, name="document"),
    path("<int:pk>/households/", views.notice_households, name="households"),
    path("<int:pk>/posters/", views.notice_posters, name="posters"),
    *[path(f"<int:pk>/{step}/", views.notice_step, {"step": step}, name=step)
      for step in ("submit", "check", "edit", "publish", "send_back", "correct", "withdraw")],
    path("households/<int:pk>/attempt/", views.household_attempt, name="attempt"),
]
