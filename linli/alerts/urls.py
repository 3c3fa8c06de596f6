from django.urls import path

from linli.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_list, name="list"),
    path("rows/", views.alert_rows, name="rows"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/on-site/", views.on_site, name="on_site"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/note/", views.note, name="note"),
    path("door/<str:code>/<str:token>/", views.door, name="door"),
    path("stickers/<int:pk>/", views.sticker_sheet, name="stickers"),
    path("drill/", views.drill, name="drill"),
    path("chains/", views.chains, name="chains"),
    path("chains/<int:pk>/", views.chain_save, name="chain_save"),
    path("rota/", views.rota, name="rota"),
    path("rota/<int:pk>/", views.rota_create, name="rota_create"),
    path("shifts/<int:pk>/swap/", views.shift_swap, name="shift_swap"),
    path("my-shifts/", views.my_shifts, name="my_shifts"),
    path("shifts/<int:pk>/offer/", views.swap_offer, name="swap_offer"),
    path("swaps/<int:pk>/accept/", views.swap_accept, name="swap_accept"),
    path("swaps/<int:pk>/decline/", views.swap_decline, name="swap_decline"),
    path("swaps/<int:pk>/cancel/", views.swap_cancel, name="swap_cancel"),
    path("measures/", views.measures, name="measures"),
    path("measures.csv", views.measures_csv, name="measures_csv"),
    path("measures.xlsx", views.measures_xlsx, name="measures_xlsx"),
]
