from django.urls import path

from linli.tickets import hotline_views, views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_new, name="new"),
    path("supervision/", views.supervision, name="supervision"),
    path("rates/", views.rates, name="rates"),
    path("hotline/", hotline_views.hotline_index, name="hotline"),
    path("hotline/<int:pk>/", hotline_views.hotline_detail, name="hotline_detail"),
    path("hotline/<int:pk>/columns/", hotline_views.hotline_columns, name="hotline_columns"),
    path("hotline/<int:pk>/places/", hotline_views.hotline_places, name="hotline_places"),
    path("hotline/<int:pk>/commit/", hotline_views.hotline_commit, name="hotline_commit"),
    path("hotline/<int:pk>/stop/", hotline_views.hotline_stop, name="hotline_stop"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    *[path(f"<int:pk>/{move.replace('_', '-')}/", views.handle_move, {"move": move}, name=move)
      for move in sorted(views.HANDLER_MOVES)],
    *[path(f"<int:pk>/{move}/", views.resident_move, {"move": move}, name=move) for move in ("rate", "reopen")],
]
