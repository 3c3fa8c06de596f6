"""Small summaries the screen reads instead of counting a street's residents on every cold
poll (``linli.overview.tallies``): per building, a source's numbers by key."""

from django.db import models

from linli.core.models import RestrictedQuerySet


class Tally(models.Model):
    """One source's numbers for one building (or, for rows above any building, their own
    shorter path): ``counts`` maps a key ("any", a special group …) to a number."""

    source = models.CharField(max_length=64)
    path = models.CharField(max_length=64)
    counts = models.JSONField(default=dict)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "path"], name="overview_tally_unique",
                                               violation_error_message="one tally per source and place")]

    def __str__(self) -> str:
        return f"{self.source} {self.path}"


class TallyRun(models.Model):
    """When a source's tallies were last computed in full (their age bounds how stale they are)."""

    source = models.CharField(max_length=64, unique=True)
    computed_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    objects = RestrictedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.source} {self.computed_at:%Y-%m-%d %H:%M:%S}"
