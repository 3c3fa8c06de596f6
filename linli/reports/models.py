from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import RestrictedQuerySet
from linli.reports.spec import TemplateError, parse_spec


class Department(models.TextChoices):
    HEALTH = "health", _("health commission (卫健委)")
    CDC = "cdc", _("centre for disease control (疾控中心)")
    POLICE = "police", _("public security (公安)")
    CIVIL_AFFAIRS = "civil_affairs", _("civil affairs (民政)")
    WOMEN = "women", _("women's federation (妇联)")
    EDUCATION = "education", _("education bureau (教育局)")


class ReportTemplate(models.Model):
    """A department's form as data: columns mapped to canonical fields, a population filter,
    grouping and sort. Editable in the admin; every change bumps the version."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    department = models.CharField(_("department"), max_length=16, choices=Department.choices)
    title = models.CharField(_("title"), max_length=128)
    spec = models.JSONField(_("definition"))
    version = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    builtin = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        ordering = ["department", "code"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk:
            previous = ReportTemplate.objects.filter(pk=self.pk).values_list("spec", flat=True).first()
            if previous is not None and previous != self.spec:
                self.version += 1
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        try:
            parse_spec(self.spec)
        except TemplateError as exc:
            raise ValidationError({"spec": str(exc)}) from exc


class ReportRun(models.Model):
    """One generation: who, for which scope, which template version, how many rows, and the
    file's hash (the file itself goes to the user, not into the database)."""

    template = models.ForeignKey(ReportTemplate, on_delete=models.PROTECT, related_name="runs")
    template_version = models.PositiveIntegerField()
    scope_code = models.CharField(max_length=32)
    generated_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField()
    cells = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-generated_at"]

    def __str__(self) -> str:
        return f"{self.template} · {self.scope_code}"
