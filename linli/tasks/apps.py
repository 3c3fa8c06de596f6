from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "linli.tasks"
    label = "tasks"
    verbose_name = "Tasks and visits (任务下派、走访)"
