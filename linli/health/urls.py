from django.urls import path

from linli.health import views

app_name = "health"
urlpatterns = [
    path("", views.index, name="index"),
    path("mode/", views.mode, name="mode"),
    path("risk-areas/", views.risk_areas, name="risk_areas"),
    path("risk-areas/import/", views.risk_area_import, name="risk_area_import"),
    # the resident's own phone pages
    path("me/", views.my_code, name="my_code"),
    path("me/checkin/", views.my_checkin, name="my_checkin"),
    path("me/arrival/", views.my_arrival, name="my_arrival"),
    # arrivals and overviews
    path("arrivals/", views.arrivals, name="arrivals"),
    path("compounds/", views.compounds, name="compounds"),
    path("buildings/<int:pk>/arrivals/", views.building_arrivals, name="building_arrivals"),
    # people and records
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/arrival/", views.person_arrival, name="person_arrival"),
    path("people/<int:pk>/test/", views.person_test, name="person_test"),
    path("people/<int:pk>/case/", views.person_case, name="person_case"),
    path("people/<int:pk>/checkin/", views.checkin_on_behalf, name="checkin_on_behalf"),
    path("people/<int:pk>/paper-pass/", views.paper_pass, name="paper_pass"),
    path("checkins/", views.checkins, name="checkins"),
    # cases, traces, quarantine
    path("cases/", views.cases, name="cases"),
    path("tests/import/", views.lab_import, name="lab_import"),
    path("cases/<int:pk>/trace/", views.start_trace, name="start_trace"),
    path("traces/<int:pk>/", views.trace, name="trace"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("quarantine/print/", views.orders_print, name="orders_print"),
    path("quarantine/<int:pk>/", views.order, name="order"),
    path("quarantine/<int:pk>/extend/", views.order_extend, name="order_extend"),
    path("quarantine/<int:pk>/end/", views.order_end, name="order_end"),
    path("quarantine/<int:pk>/devices/", views.order_device, name="order_device"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up, name="follow_up"),
    path("rules/", views.rules_bench, name="rules"),
]
