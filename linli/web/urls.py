from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from linli.core.access import route
from linli.web import account, roles, views
from linli.web.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # Django's own views, declared here: anyone may choose a language, sign in and sign out.
    path("i18n/setlang/", route(public=True)(set_language), name="set_language"),
    path("", views.home, name="home"),
    path("login/", route(public=True)(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
         name="login"),
    path("logout/", route(public=True)(views.LogoutView.as_view()), name="logout"),
    # Everyone changes her own password here (the admin site is for administrators only).
    path("password/", route(signed_in=True)(auth_views.PasswordChangeView.as_view()), name="password_change"),
    path("password/done/", route(signed_in=True)(auth_views.PasswordChangeDoneView.as_view()),
         name="password_change_done"),
    # Her own account: the second factor and API tokens (decision 0022).
    path("account/", account.account, name="account"),
    path("account/tokens/", account.create_token, name="account_token_create"),
    path("account/tokens/<int:pk>/revoke/", account.revoke_token, name="account_token_revoke"),
    path("account/second-factor/", account.enrol, name="second_factor_enrol"),
    path("account/second-factor/verify/", account.verify, name="second_factor_verify"),
    path("account/second-factor/backup-codes/", account.backup_codes, name="second_factor_backup_codes"),
    path("account/second-factor/off/", account.turn_off, name="second_factor_off"),
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("roles/", roles.roles, name="roles"),
    path("roles/<int:pk>/revoke/", roles.revoke, name="roles_revoke"),
    path("", include("linli.core.urls")),
    path("people/", include("linli.people.urls")),
    path("places/", include("linli.people.place_urls")),
    path("grids/", include("linli.grids.urls")),
    path("ledger/", include("linli.ledger.urls")),
    path("reports/", include("linli.reports.urls")),
    path("downloads/", include("linli.downloads.urls")),
    path("imports/", include("linli.imports.urls")),
    path("exchange/", include("linli.exchange.urls")),
    path("gates/", include("linli.gates.urls")),
    path("health/", include("linli.health.urls")),
    path("requests/", include("linli.tickets.urls")),
    path("open311/v2/", include("linli.tickets.open311_urls")),
    path("deliveries/", include("linli.tickets.delivery_urls")),
    path("tasks/", include("linli.tasks.urls")),
    path("visits/", include("linli.tasks.visit_urls")),
    path("alerts/", include("linli.alerts.urls")),
    path("sites/", include("linli.sites.urls")),
    path("overview/", include("linli.overview.urls")),
    path("devices/", include("linli.devices.urls")),
    path("notices/", include("linli.notices.urls")),
    path("n/", include("linli.notices.link_urls")),  # households' short links (no sign-in)
    path("consult/", include("linli.consult.urls")),
    path("supplies/", include("linli.suppliers.urls")),  # suppliers, orders, donations, stock files
    path("supplies/", include("linli.supplies.urls")),
    path("rumours/", include("linli.rumours.urls")),
    path("handout/", include("linli.handout.urls")),
    path("campaigns/", include("linli.campaigns.urls")),
    path("c/", include("linli.campaigns.link_urls")),  # households' survey links (no sign-in)
    path("opinion/", include("linli.opinion.urls")),
]
