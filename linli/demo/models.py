from django.db import models


class DemoStreet(models.Model):
    """Which synthetic street this database holds, so ``linli demo`` can reuse it."""

    residents = models.PositiveIntegerField()
    seed = models.IntegerField()
    built_at = models.DateTimeField(auto_now_add=True)
    stats = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"demo street: {self.residents} residents, seed {self.seed}"
