from django.urls import path

from linli.tickets import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_new, name="new"),
    path("supervision/", views.supervision, name="supervision"),
    path("rates/", views.rates, name="rates"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    *[path(f"<int:pk>/{move.replace('_', '-')}/", views.handle_move, {"move": move}, name=move)
      for move in sorted(views.HANDLER_MOVES)],
    *[path(f"<int:pk>/{move}/", views.resident_move, {"move": move}, name=move) for move in ("rate", "reopen", "received")],
]
