from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "linli.campaigns"
    label = "campaigns"
    verbose_name = "Screening campaigns and surveys (摸排、问卷)"
