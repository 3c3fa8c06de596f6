from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "linli.grids"
    label = "grids"
    verbose_name = "Grids (网格)"
