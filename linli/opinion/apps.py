from django.apps import AppConfig


class OpinionConfig(AppConfig):
    name = "linli.opinion"
    label = "opinion"
    verbose_name = "Opinion analysis (舆情)"
