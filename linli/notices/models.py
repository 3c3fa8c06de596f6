"""Notices (通知公告) checked before they go out, and who they reached (知晓率).

A notice is drafted in an office's area (``path``: the community or street), passes three
review steps by three different people (核实 fact-check → 编辑 edit → 发布 publish), and is
published to an audience. Every text it ever had is kept (``NoticeVersion``) and every step
is logged (``NoticeStep``). On publishing, one ``NoticeHousehold`` row is written per
household of the audience (filed under its house, so a grid worker sees her grid's); a
household counts as reached when someone confirms or a grid worker records a knock or a
call that informed it. Each confirmation or attempt is a ``Receipt``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.fields import EncryptedTextField
from linli.core.models import PlaceScopedModel, SealedPhoto, path_index


class Category(models.TextChoices):
    POLICY = "policy", _("policy")
    EPIDEMIC = "epidemic", _("epidemic prevention")
    SAFETY = "safety", _("safety")
    ACTIVITY = "activity", _("community activity")
    OTHER = "other", pgettext_lazy("notice category", "other")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    CHECKING = "checking", _("waiting for fact-check (核实)")
    EDITING = "editing", _("waiting for editing (编辑)")
    APPROVING = "approving", _("waiting for approval (发布)")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class AudienceGroup(models.TextChoices):
    EVERYONE = "", _("every household")
    ALONE_ELDER = "alone_elder", _("households of elders living alone")
    INFANT = "infant", _("households with young children")
    FLOATING = "floating", _("households of the floating population")
    QUARANTINED = "quarantined", _("households under home quarantine")


class Notice(PlaceScopedModel):
    """``path`` is the area of the office that drafted it (its community or street)."""

    area = models.ForeignKey("places.Place", verbose_name=_("office"), on_delete=models.PROTECT,
                             related_name="+")
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    deadline = models.DateTimeField(_("read by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    audience_places = models.ManyToManyField("places.Place", verbose_name=_("audience areas"), related_name="+",
                                             blank=True)
    audience_grids = models.ManyToManyField("grids.Grid", verbose_name=_("audience grids"), related_name="+",
                                            blank=True)
    audience_group = models.CharField(_("who"), max_length=16, choices=AudienceGroup.choices, blank=True,
                                      default=AudienceGroup.EVERYONE)
    # The urgent path skips the editing step; it is recorded here and in the step log.
    shortened = models.BooleanField(_("shortened review (urgent)"), default=False)
    shortened_reason = models.CharField(_("why the review was shortened"), max_length=200, blank=True)
    households = models.PositiveIntegerField(_("households"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.CharField(_("why it was withdrawn"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [path_index("notice_path_prefix"),
                   models.Index(fields=["status", "deadline"], name="notice_status_deadline")]

    def __str__(self) -> str:
        return self.title


class NoticeImage(SealedPhoto):
    """A picture in the notice's body (a map of the cut-off, a poster): re-encoded, no metadata,
    sealed like every photo (``linli.core.photos``); shown on the households' pages and printed
    on the building's poster (the first one)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="images")

    class Meta:
        verbose_name = _("notice picture")
        verbose_name_plural = _("notice pictures")
        ordering = ["notice", "pk"]
        indexes = [path_index("notice_image_path_prefix")]


class NoticeDocument(PlaceScopedModel):
    """A PDF attached to the notice (the water company's letter, a form to fill in), checked by
    its first bytes, sealed with the data keys like the photos, offered for download."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("file name"), max_length=100)
    data = EncryptedTextField(_("file (base64)"))
    size = models.PositiveIntegerField(_("bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("notice attachment")
        verbose_name_plural = _("notice attachments")
        ordering = ["notice", "pk"]
        indexes = [path_index("notice_document_path_prefix")]

    def __str__(self) -> str:
        return self.name


class VersionKind(models.TextChoices):
    DRAFT = "draft", _("draft")
    EDIT = "edit", _("edited")
    CORRECTION = "correction", _("correction")


class NoticeVersion(PlaceScopedModel):
    """One text the notice had; never changed once written."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=12, choices=VersionKind.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("notice version")
        verbose_name_plural = _("notice versions")
        ordering = ["notice", "number"]
        indexes = [path_index("notice_version_path_prefix")]
        constraints = [models.UniqueConstraint(fields=["notice", "number"], name="notice_version_once",
                                               violation_error_message=_("This version already exists."))]

    def __str__(self) -> str:
        return f"{self.notice_id} v{self.number}"


class StepKind(models.TextChoices):
    SUBMIT = "submit", _("submitted for review")
    CHECK = "check", _("fact-checked (核实)")
    EDIT = "edit", _("edited (编辑)")
    PUBLISH = "publish", _("approved and published (发布)")
    SEND_BACK = "send_back", _("sent back")
    CORRECT = "correct", _("corrected")
    WITHDRAW = "withdraw", _("withdrawn")


# The steps whose doers must be three different people (and none of them the author).
REVIEW_STEPS = (StepKind.CHECK, StepKind.EDIT, StepKind.PUBLISH)


class NoticeStep(PlaceScopedModel):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=10, choices=StepKind.choices)
    # the step a send-back was made at (check, edit or publish)
    at_step = models.CharField(_("at step"), max_length=10, blank=True)
    version = models.PositiveIntegerField(_("version"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["notice", "created_at", "pk"]
        indexes = [path_index("notice_step_path_prefix")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.kind}"


class Via(models.TextChoices):
    LINK = "link", _("confirmed through the household's link")
    PAGE = "page", _("confirmed on Linli")
    POSTER = "poster", _("confirmed from the building's poster")
    KNOCK = "knock", _("door-knock")
    CALL = "call", _("phone call")


class Outcome(models.TextChoices):
    INFORMED = "informed", _("informed")
    NOT_HOME = "not_home", _("nobody at home")
    NO_ANSWER = "no_answer", _("no answer")
    REFUSED = "refused", _("refused to listen")


class ElderContact(models.TextChoices):
    LINK = "link", _("the link, like everyone")
    CALL = "call", _("a voice call instead of the link")
    VISIT = "visit", _("a grid worker's visit instead of the link")


class CommunityNoticeSetting(PlaceScopedModel):
    """How a community's notices reach its elders' households (someone aged 80 or over, or an
    elder living alone): applied when a notice is published (``path``: the community's)."""

    community = models.OneToOneField("places.Place", on_delete=models.CASCADE, related_name="notice_setting")
    elder_contact = models.CharField(_("elders' households get"), max_length=8, choices=ElderContact.choices,
                                     default=ElderContact.LINK)

    class Meta:
        verbose_name = _("community notice setting")
        verbose_name_plural = _("community notice settings")
        indexes = [path_index("notice_setting_path_prefix")]

    def __str__(self) -> str:
        return f"{self.community_id}: {self.elder_contact}"


class NoticeHousehold(PlaceScopedModel):
    """A household the published notice is meant to reach (``path``: its house's)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reach")
    house = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    building_path = models.CharField(max_length=64)
    grid = models.ForeignKey("grids.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    address = models.CharField(_("address"), max_length=200)
    residents = models.PositiveSmallIntegerField(_("residents"), default=0)
    # someone there belongs to a special group or is 80 or over: worked first on the follow-up list
    priority = models.BooleanField(_("special group"), default=False)
    # an elder's household whose community has it called or visited instead of sent the link
    contact = models.CharField(_("reached by"), max_length=8, choices=ElderContact.choices, default=ElderContact.LINK)
    reached_at = models.DateTimeField(_("reached at"), null=True, blank=True)
    reached_via = models.CharField(_("reached by"), max_length=8, choices=Via.choices, blank=True)
    reached_version = models.PositiveIntegerField(default=0)
    # it had read a version since corrected: asked to read the correction
    reread = models.BooleanField(_("asked to read the correction"), default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_outcome = models.CharField(_("last attempt"), max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("household reached by a notice")
        verbose_name_plural = _("households reached by notices")
        ordering = ["notice", "path"]
        indexes = [path_index("notice_household_path_prefix"),
                   models.Index(fields=["notice", "building_path"], name="notice_household_building"),
                   models.Index(fields=["notice", "grid", "reached_at"], name="notice_household_grid")]
        constraints = [models.UniqueConstraint(fields=["notice", "house"], name="notice_household_once",
                                               violation_error_message=_("This household is already listed."))]

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.address}"


class Receipt(PlaceScopedModel):
    """One confirmation or one attempt to inform a household, by one channel."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    household = models.ForeignKey(NoticeHousehold, on_delete=models.CASCADE, related_name="receipts")
    via = models.CharField(_("channel"), max_length=8, choices=Via.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.INFORMED)
    version = models.PositiveIntegerField(_("version"))
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        ordering = ["-created_at", "-pk"]
        indexes = [path_index("notice_receipt_path_prefix"),
                   models.Index(fields=["household", "via", "version"], name="notice_receipt_channel")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.via} {self.outcome}"


class ReachCount(PlaceScopedModel):
    """The households of a published notice in one building and grid and how many were reached
    (by the channel that reached them first), kept current by the actions in the transaction
    that changes a household: the reach page reads a few thousand of these rather than grouping
    90,000 households (``path``: the building's)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reach_counts")
    grid = models.ForeignKey("grids.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    households = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)
    reread = models.PositiveIntegerField(default=0)
    link = models.PositiveIntegerField(default=0)
    page = models.PositiveIntegerField(default=0)
    poster = models.PositiveIntegerField(default=0)
    knock = models.PositiveIntegerField(default=0)
    call = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reach by building")
        verbose_name_plural = _("reach by building")
        ordering = ["notice", "path"]
        indexes = [path_index("notice_reach_path_prefix"),
                   models.Index(fields=["notice", "path"], name="notice_reach_building")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.path}: {self.reached}/{self.households}"
