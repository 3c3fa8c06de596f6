"""Screening campaigns (摸排) and surveys: one questionnaire core.

A ``Campaign`` is drafted in an office's area (``path``: its community or street), asks its
``Question``s of a target list of households taken from the registry when it starts (the
audience of notices: areas, grids and a group such as elders living alone or the arrivals of
the last 14 days), by its channels: outbound calls through the call gateway, the household's
link sent by text message, a grid worker's door-knock or phone call with the script on her
phone, and (surveys) the resident's own notices page. Each household is one ``Target`` (filed
under its house) moving through ``linli.campaigns.machine``; each call, link answer or knock
is an ``Attempt``; each answer an ``Answer``, with the confidence of its extraction from a
call's transcript. Answers act on the registry only through the apps' own actions
(``linli.campaigns.effects``): a check-in, a request, the house's usage.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.campaigns import extract, machine
from linli.core.models import PlaceScopedModel, path_index


class Kind(models.TextChoices):
    SCREENING = "screening", _("screening campaign (摸排)")
    SURVEY = "survey", _("survey (问卷)")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    RUNNING = "running", _("running")
    FINISHED = "finished", _("finished")


class Channel(models.TextChoices):
    CALL = machine.CALL, _("outbound voice call")
    LINK = machine.LINK, _("link by text message")
    KNOCK = machine.KNOCK_CHANNEL, _("grid worker (door-knock or phone)")
    PAGE = machine.PAGE, _("the resident's notices page")


class Group(models.TextChoices):
    EVERYONE = "", _("every household")
    ARRIVED = "arrived", _("households of arrivals of the last 14 days")
    ALONE_ELDER = "alone_elder", _("households of elders living alone")
    INFANT = "infant", _("households with young children")
    FLOATING = "floating", _("households of the floating population")
    QUARANTINED = "quarantined", _("households under home quarantine")


class Campaign(PlaceScopedModel):
    """``path`` is the area of the office that runs it (its community or street)."""

    area = models.ForeignKey("places.Place", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCREENING)
    title = models.CharField(_("title"), max_length=100)
    intro = models.CharField(_("opening words"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    channels = models.JSONField(_("channels"), default=list)
    audience_places = models.ManyToManyField("places.Place", verbose_name=_("areas"), related_name="+", blank=True)
    audience_grids = models.ManyToManyField("grids.Grid", verbose_name=_("grids"), related_name="+", blank=True)
    audience_group = models.CharField(_("who"), max_length=16, choices=Group.choices, blank=True, default="")
    max_calls = models.PositiveSmallIntegerField(_("calls before a knock"), default=2)
    retry_minutes = models.PositiveIntegerField(_("minutes between calls"), default=120)
    households = models.PositiveIntegerField(_("households"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-pk"]
        indexes = [path_index("campaign_path_prefix"), models.Index(fields=["status"], name="campaign_status")]

    def __str__(self) -> str:
        return self.title

    def channel_names(self) -> list[str]:
        return [str(Channel(c).label) for c in self.channels if c in Channel.values]

    def plan(self) -> machine.Plan:
        return machine.Plan(channels=tuple(self.channels), max_calls=self.max_calls, retry_minutes=self.retry_minutes)


class QuestionKind(models.TextChoices):
    YES_NO = extract.YES_NO, _("yes or no")
    NUMBER = extract.NUMBER, pgettext_lazy("kind of answer", "number")
    CHOICE = extract.CHOICE, _("choice")
    TEXT = extract.TEXT, _("free text")
    TEMPERATURE = extract.TEMPERATURE, _("temperature (°C)")


class Effect(models.TextChoices):
    NONE = "", _("nothing: the answer is kept")
    CHECK_IN = "checkin", _("a health check-in (temperature; fever as a symptom)")
    FEVER = "fever", _("a symptom for the check-in (yes: fever)")
    REQUEST = "request", _("a request (诉求) when the answer is yes")
    VISIT = "visit", _("a visit need for the grid worker when the answer is yes")
    HOUSE_USAGE = "house_usage", _("the house's usage in the registry (自住/出租/空置/商用)")


class Question(PlaceScopedModel):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("answer"), max_length=12, choices=QuestionKind.choices)
    # a choice question: its choices, each "name|synonym|synonym"
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # the words of a yes/no question's topic ("发烧", "发热"), read with their negation
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    effect = models.CharField(_("what the answer does"), max_length=12, choices=Effect.choices, blank=True,
                              default="")
    category = models.CharField(_("request category"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["campaign", "number"]
        indexes = [path_index("campaign_question_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="campaign_question_once",
                                               violation_error_message=_("This question number is taken."))]

    def __str__(self) -> str:
        return self.text

    def rule(self) -> extract.Rule:
        choices = tuple(tuple(w for w in str(c).split("|") if w) for c in self.choices)
        topic = tuple(self.keywords) or extract.topic_of(self.text)
        return extract.Rule(self.kind, topic=topic, choices=tuple(c for c in choices if c),
                            all_well_means_no=self.effect != Effect.REQUEST and self.effect != Effect.VISIT)

    def choice_names(self) -> list[str]:
        return [str(c).split("|")[0] for c in self.choices]


class TargetStatus(models.TextChoices):
    WAITING = machine.WAITING, _("waiting")
    KNOCK = machine.KNOCK, _("for a grid worker")
    REVIEW = machine.REVIEW, _("answers to check")
    DONE = machine.DONE, _("answered")
    REFUSED = machine.REFUSED, _("refused")
    UNREACHABLE = machine.UNREACHABLE, _("unreachable")


class Target(PlaceScopedModel):
    """A household the campaign asks (``path``: its house's); ``person``: whom to ask."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    house = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    grid = models.ForeignKey("grids.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    address = models.CharField(_("address"), max_length=200)
    priority = models.BooleanField(_("special group"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=TargetStatus.choices, default=TargetStatus.WAITING)
    calls = models.PositiveSmallIntegerField(_("calls"), default=0)
    knocks = models.PositiveSmallIntegerField(_("knocks"), default=0)
    next_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    last_outcome = models.CharField(_("last attempt"), max_length=12, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_via = models.CharField(_("answered by"), max_length=8, choices=Channel.choices, blank=True)

    class Meta:
        verbose_name = _("campaign household")
        verbose_name_plural = _("campaign households")
        ordering = ["campaign", "path"]
        indexes = [path_index("campaign_target_path_prefix"),
                   models.Index(fields=["campaign", "status", "next_at"], name="campaign_target_due"),
                   models.Index(fields=["campaign", "grid", "status"], name="campaign_target_grid")]
        constraints = [models.UniqueConstraint(fields=["campaign", "house"], name="campaign_target_once",
                                               violation_error_message=_("This household is already listed."))]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.address}"

    def state(self) -> machine.State:
        return machine.State(self.status, calls=self.calls, knocks=self.knocks, next_at=self.next_at)


class Attempt(PlaceScopedModel):
    """One call, link answer, page answer or knock, with its outcome (a call's transcript)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="attempts")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=12)
    transcript = models.JSONField(_("transcript"), default=list, blank=True)
    call_id = models.CharField(max_length=100, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("campaign attempt")
        verbose_name_plural = _("campaign attempts")
        ordering = ["-created_at", "-pk"]
        indexes = [path_index("campaign_attempt_path_prefix")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.channel} {self.outcome}"


class ApplyState(models.TextChoices):
    NONE = "", _("nothing to do")
    PENDING = "pending", _("to be applied")
    APPLIED = "applied", _("applied")
    FAILED = "failed", _("could not be applied")


class Answer(PlaceScopedModel):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(_("answer"), null=True, blank=True)
    heard = models.CharField(_("heard"), max_length=300, blank=True)
    confidence = models.FloatField(_("confidence"), default=1.0)
    needs_review = models.BooleanField(_("to be checked by a person"), default=False)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    apply_state = models.CharField(_("effect"), max_length=8, choices=ApplyState.choices, blank=True, default="")
    applied_to = models.CharField(_("applied to"), max_length=100, blank=True)
    apply_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("campaign answer")
        verbose_name_plural = _("campaign answers")
        ordering = ["target", "question__number"]
        indexes = [path_index("campaign_answer_path_prefix"),
                   models.Index(fields=["question", "needs_review"], name="campaign_answer_review"),
                   models.Index(fields=["apply_state"], name="campaign_answer_apply")]
        constraints = [models.UniqueConstraint(fields=["target", "question"], name="campaign_answer_once",
                                               violation_error_message=_("This question is already answered."))]

    def __str__(self) -> str:
        return f"{self.target_id} q{self.question_id}: {self.value}"
