from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "linli.tasks"
    label = "tasks"
    verbose_name = "Tasks and visits (任务下派、走访)"

    def ready(self) -> None:
        from linli.core import today
        from linli.tasks.today import items

        today.register("tasks", items)
        from linli.tasks import overview

        overview.register()  # the one-screen overview's counters
