"""Consultations (协商): a draft policy opened to the residents of an area for a period.

A consultation lies in the area it is opened to (``path``: a street, community or compound)
and has numbered sections. Each resident who takes part is one ``Participant`` (one row per
person and consultation, checked against the registry: she lives in the area), filed under
her house; every comment, vote, proposal and support refers to her participant row, so the
database itself keeps one voice per resident (unique constraints), whatever account she uses.

Proposals that reach the consultation's support threshold get an official answer; moderators
hide abusive content with a reason shown in its place. When the consultation closes its
themes are computed (``linli.consult.themes``) and kept (``Theme``); the final announcement
("你说我改") gives, for each theme and each answered proposal, what was done with it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.models import PlaceScopedModel, path_index


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open for comments")
    CLOSED = "closed", _("closed, being answered")
    ANSWERED = "answered", _("answered (你说我改)")


class Consultation(PlaceScopedModel):
    """``path`` is the area's: its residents take part."""

    area = models.ForeignKey("places.Place", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    summary = models.TextField(_("what it is about"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    threshold = models.PositiveIntegerField(_("supports for an official answer"), default=10)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # the summary report as sent upward (figures frozen at that moment)
    reported_at = models.DateTimeField(_("reported upward at"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    report = models.JSONField(_("summary report"), default=dict, blank=True)
    announcement = models.TextField(_("final announcement"), blank=True)
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    notice = models.ForeignKey("notices.Notice", verbose_name=_("notice of the result"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_on", "-pk"]
        indexes = [path_index("consult_path_prefix"),
                   models.Index(fields=["status", "closes_on"], name="consult_status_closes")]
        constraints = [models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")),
                                              name="consult_dates_in_order",
                                              violation_error_message=_("It cannot close before it opens."))]

    def __str__(self) -> str:
        return self.title


class Section(PlaceScopedModel):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"))
    supports = models.PositiveIntegerField(_("support"), default=0)
    opposes = models.PositiveIntegerField(_("oppose"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["consultation", "number"]
        indexes = [path_index("consult_section_path")]
        constraints = [models.UniqueConstraint(fields=["consultation", "number"], name="consult_section_once",
                                               violation_error_message=_("This section number is taken."))]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class AgeBand(models.TextChoices):
    UNDER_18 = "0-17", _("under 18")
    UNDER_30 = "18-29", "18–29"
    UNDER_45 = "30-44", "30–44"
    UNDER_60 = "45-59", "45–59"
    UNDER_75 = "60-74", "60–74"
    OLDER = "75+", "75+"
    UNKNOWN = "", _("unknown")


class Participant(PlaceScopedModel):
    """One resident in one consultation (``path``: her house when she first took part)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # shown to other residents instead of her name: "牡丹苑 居民 12"
    number = models.PositiveIntegerField()
    compound = models.ForeignKey("places.Place", null=True, on_delete=models.SET_NULL, related_name="+")
    compound_name = models.CharField(max_length=100, blank=True)
    age_band = models.CharField(_("age"), max_length=5, choices=AgeBand.choices, blank=True)
    # the answers she was told of, and when she last looked (the "new answer" marks)
    told_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["consultation", "number"]
        indexes = [path_index("consult_person_path")]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "person"], name="consult_one_voice_per_resident",
                                    violation_error_message=_("This resident already takes part.")),
            models.UniqueConstraint(fields=["consultation", "number"], name="consult_participant_number_once"),
        ]

    def __str__(self) -> str:
        return self.alias

    @property
    def alias(self) -> str:
        return f"{self.compound_name or ''} 居民 {self.number}".strip()


class Stance(models.TextChoices):
    SUPPORT = "support", _("support")
    OPPOSE = "oppose", _("oppose")


class Moderated(PlaceScopedModel):
    """A resident's text that a moderator may hide, with a reason shown in its place."""

    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("why it was hidden"), max_length=200, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        abstract = True


class Comment(Moderated):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="comments")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("comment"))
    theme = models.ForeignKey("Theme", null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["consultation", "created_at", "pk"]
        indexes = [path_index("consult_comment_path")]

    def __str__(self) -> str:
        return self.text[:40]


class SectionVote(PlaceScopedModel):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="section_votes")
    stance = models.CharField(_("stance"), max_length=8, choices=Stance.choices)

    class Meta:
        verbose_name = _("vote on a section")
        verbose_name_plural = _("votes on sections")
        indexes = [path_index("consult_svote_path")]
        constraints = [models.UniqueConstraint(fields=["section", "participant"], name="consult_section_one_vote",
                                               violation_error_message=_("One vote per resident and section."))]

    def __str__(self) -> str:
        return f"{self.section_id} {self.stance}"


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", pgettext_lazy("consultation answer", "accepted")
    PARTLY = "partly", pgettext_lazy("consultation answer", "partly accepted")
    NOT_ADOPTED = "not_adopted", pgettext_lazy("consultation answer", "not adopted")


class Proposal(Moderated):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="proposals")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(_("title"), max_length=80)
    text = models.TextField(_("proposal"))
    supports = models.PositiveIntegerField(_("support"), default=0)
    opposes = models.PositiveIntegerField(_("oppose"), default=0)
    outcome = models.CharField(_("answer"), max_length=12, choices=Outcome.choices, blank=True)
    answer = models.TextField(_("official answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["consultation", "-supports", "pk"]
        indexes = [path_index("consult_proposal_path")]

    def __str__(self) -> str:
        return self.title


class ProposalVote(PlaceScopedModel):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="proposal_votes")
    stance = models.CharField(_("stance"), max_length=8, choices=Stance.choices)

    class Meta:
        verbose_name = _("vote on a proposal")
        verbose_name_plural = _("votes on proposals")
        indexes = [path_index("consult_pvote_path")]
        constraints = [models.UniqueConstraint(fields=["proposal", "participant"], name="consult_proposal_one_vote",
                                               violation_error_message=_("One vote per resident and proposal."))]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.stance}"


class Theme(PlaceScopedModel):
    """A theme of the comments found at closing, and what was done with it."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="themes")
    number = models.PositiveSmallIntegerField()
    label = models.CharField(_("theme"), max_length=100)
    keywords = models.JSONField(_("keywords"), default=list)
    size = models.PositiveIntegerField(_("comments"), default=0)
    representatives = models.JSONField(default=list)  # comment ids
    outcome = models.CharField(_("what was done"), max_length=12, choices=Outcome.choices, blank=True)
    response = models.TextField(_("our response"), blank=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["consultation", "number"]
        indexes = [path_index("consult_theme_path")]
        constraints = [models.UniqueConstraint(fields=["consultation", "number"], name="consult_theme_once")]

    def __str__(self) -> str:
        return self.label
