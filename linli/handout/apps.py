from django.apps import AppConfig


class HandoutConfig(AppConfig):
    name = "linli.handout"
    label = "handout"
    verbose_name = "Fair hand-out (预约领取)"
