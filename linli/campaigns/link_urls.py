"""The households' short links (no sign-in): /c/<token>/."""

from django.urls import path

from linli.campaigns import views

urlpatterns = [path("<str:token>/", views.household_link, name="campaign_link")]
