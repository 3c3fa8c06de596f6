from django.urls import path

from linli.tickets import catalogue_views, hotline_views, views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_new, name="new"),
    path("supervision/", views.supervision, name="supervision"),
    path("rates/", views.rates, name="rates"),
    path("catalogue/", catalogue_views.categories, name="catalogue"),
    path("catalogue/new/", catalogue_views.category_new, name="category_new"),
    path("catalogue/<int:pk>/", catalogue_views.category_edit, name="category_edit"),
    path("catalogue/<int:pk>/active/", catalogue_views.category_active, name="category_active"),
    path("calendar/", catalogue_views.calendar, name="calendar"),
    path("calendar/<int:pk>/", catalogue_views.calendar_edit, name="calendar_edit"),
    path("calendar/<int:pk>/remove/", catalogue_views.calendar_remove, name="calendar_remove"),
    path("duties/", catalogue_views.duties, name="duties"),
    path("duties/<int:pk>/", catalogue_views.duty_edit, name="duty_edit"),
    path("duties/<int:pk>/remove/", catalogue_views.duty_remove, name="duty_remove"),
    path("hotline/", hotline_views.hotline_index, name="hotline"),
    path("hotline/<int:pk>/", hotline_views.hotline_detail, name="hotline_detail"),
    path("hotline/<int:pk>/columns/", hotline_views.hotline_columns, name="hotline_columns"),
    path("hotline/<int:pk>/places/", hotline_views.hotline_places, name="hotline_places"),
    path("hotline/<int:pk>/commit/", hotline_views.hotline_commit, name="hotline_commit"),
    path("hotline/<int:pk>/stop/", hotline_views.hotline_stop, name="hotline_stop"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    *[path(f"<int:pk>/{move.replace('_', '-')}/", views.handle_move, {"move": move}, name=move)
      for move in sorted(views.HANDLER_MOVES)],
    *[path(f"<int:pk>/{move}/", views.resident_move, {"move": move}, name=move) for move in ("rate", "reopen", "received")],
]
