from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "linli.notices"
    label = "notices"
    verbose_name = "Notices and read receipts (通知公告、知晓率)"

    def ready(self) -> None:
        from linli.core import today
        from linli.notices.today import items

        today.register("notices", items)
