"""Residents' requests (诉求): the catalogue of categories with their time limits, the working
calendar the limits are counted in, the requests themselves with their history, the grid
roles' duty lists (三张清单) that routing obeys, and the deliveries volunteers make for
requests of quarantined households."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedTextField
from linli.core.models import PlaceScopedModel, RestrictedQuerySet, SealedPhoto, path_index


class Level(models.TextChoices):
    """Who answers for a request: the grid, the community office, the street office, or a
    department outside the community (housing bureau, water company …)."""

    GRID = "grid", _("grid")
    COMMUNITY = "community", _("community office")
    STREET = "street", _("street office")
    DEPARTMENT = "department", _("outside department")


class Clock(models.TextChoices):
    WORKING = "working", _("working hours")
    ROUND = "round", _("round the clock")


# A limit longer than this is a typing slip (2,000 working hours is a year of office days), and
# one past ten years of working days could not be computed at all (``workcal.add_hours``).
MAX_LIMIT_HOURS = 2000


class Category(models.Model):
    """One line of the catalogue. Names are data (Chinese first, English beside it); the
    street edits the catalogue, so the limits are what the street has promised its residents.
    The code never changes once made (the built-in categories are found by it)."""

    code = models.SlugField(_("code"), max_length=40, unique=True,
                            help_text=_("Letters, digits and hyphens, e.g. repair-water; it cannot change later."),
                            error_messages={"unique": _("Another category already has this code; choose another.")})
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("name in English"), max_length=64, blank=True)
    level = models.CharField(_("answered by"), max_length=12, choices=Level.choices, default=Level.GRID)
    department = models.CharField(_("department"), max_length=64, blank=True,
                                  help_text=_("For requests outside the community's remit: who answers them."))
    respond_hours = models.PositiveSmallIntegerField(_("time to first response (hours)"), default=4)
    resolve_hours = models.PositiveSmallIntegerField(_("time to resolution (hours)"), default=40)
    clock = models.CharField(_("counted in"), max_length=8, choices=Clock.choices, default=Clock.WORKING)
    anonymous_allowed = models.BooleanField(_("may be anonymous"), default=False)
    delivery = models.BooleanField(_("delivery for a quarantined household"), default=False)
    active = models.BooleanField(_("offered to residents"), default=True)
    sort_key = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["sort_key", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(respond_hours__gt=0) & models.Q(resolve_hours__gt=0),
                                   name="category_limits_positive",
                                   violation_error_message=_("Time limits must be at least one hour.")),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        """What the catalogue must hold whoever edits it (the street's pages or the admin site)."""
        errors: dict[str, ValidationError] = {}
        for name in ("respond_hours", "resolve_hours"):
            hours = getattr(self, name)
            if hours is not None and not 1 <= hours <= MAX_LIMIT_HOURS:
                errors[name] = ValidationError(_("A time limit is between 1 and %(max)s hours."), code="limit_range",
                                               params={"max": MAX_LIMIT_HOURS})
        if "respond_hours" not in errors and "resolve_hours" not in errors and \
                self.respond_hours is not None and self.resolve_hours is not None and \
                self.resolve_hours < self.respond_hours:
            errors["resolve_hours"] = ValidationError(
                _("The time to resolution (%(resolve)s hours) cannot be shorter than the time to the first response "
                  "(%(respond)s hours)."), code="resolve_before_respond",
                params={"resolve": self.resolve_hours, "respond": self.respond_hours})
        if self.level == Level.DEPARTMENT and not (self.department or "").strip():
            errors["department"] = ValidationError(
                _("Name the department that answers requests of this category (it is answered outside the "
                  "community)."), code="department_required")
        if errors:
            raise ValidationError(errors)

    @property
    def label(self) -> str:
        if self.name_en and (translation.get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class CalendarDay(models.Model):
    """A day the street declares a working day or a day off against the national calendar the
    platform ships with (a make-up working day announced late, a local day off)."""

    date = models.DateField(_("date"), unique=True, error_messages={
        "unique": _("This date is already corrected; change that correction instead of adding another.")})
    working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.working else '-'}"

    @property
    def kind_label(self) -> str:
        return str(_("make-up working day") if self.working else _("day off"))


class Status(models.TextChoices):
    NEW = "new", _("waiting to be accepted")
    ACCEPTED = "accepted", _("being handled")
    RESOLVED = "resolved", _("resolved, waiting for the resident's rating")
    CLOSED = "closed", _("closed")
    UNRESOLVABLE = "unresolvable", _("closed without a fix")
    MERGED = "merged", _("merged into another request")


OPEN_STATUSES = (Status.NEW, Status.ACCEPTED)


class Source(models.TextChoices):
    APP = "app", _("resident, on the phone")
    PHONE = "phone", _("phone call to the office")
    WALK_IN = "walk_in", _("walk-in at the office")
    HOTLINE = "hotline", _("12345 hotline")
    VISIT = "visit", _("home visit")
    OPEN311 = "open311", _("Open311 client")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    PARTLY = "partly", _("basically satisfied")
    UNSATISFIED = "unsatisfied", _("not satisfied")


class Ticket(PlaceScopedModel):
    """A request. ``path`` is the place it is about (a house, or a public place: a compound, a
    building, a unit), so the request belongs to the grid and community of that place."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    token = models.CharField(max_length=32, unique=True, editable=False)
    # Not stored: set by do_submit on the request it files, what it wrote (its history lines
    # and how many photos), so the answer to the filer need not read them back.
    just_filed: tuple[list[Any], int] | None = None
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="tickets")
    place = models.ForeignKey("places.Place", verbose_name=_("place"), on_delete=models.PROTECT,
                              related_name="tickets")
    community = models.ForeignKey("places.Place", verbose_name=_("community"), on_delete=models.PROTECT,
                                  related_name="+")
    description = models.TextField(_("what happened"), max_length=2000)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.APP)
    external_ref = models.CharField(_("hotline order number"), max_length=64, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="tickets_submitted")
    person = models.ForeignKey("people.Person", verbose_name=_("resident"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="tickets")
    contact_name = models.CharField(_("contact name"), max_length=64, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    level = models.CharField(_("answered by"), max_length=12, choices=Level.choices)
    grid = models.ForeignKey("grids.Grid", verbose_name=_("grid"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="tickets")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handler"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="tickets_handled")
    department = models.CharField(_("department"), max_length=64, blank=True)
    # why it went there: {"code": …, plus the names the sentence needs}, worded in routing.reason_text
    routing = models.JSONField(_("why it went there"), default=dict, blank=True)
    assigned_by_street = models.BooleanField(default=False)  # the street closed the loop: no more returns

    respond_by = models.DateTimeField(_("first response due"))
    resolve_by = models.DateTimeField(_("resolution due"))
    warn_at = models.DateTimeField(null=True, blank=True)  # when the current limit's warning is due
    warned_at = models.DateTimeField(null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)  # the red mark
    escalations = models.PositiveSmallIntegerField(default=0)
    bounces = models.PositiveSmallIntegerField(_("transfers and returns"), default=0)
    department_bounces = models.PositiveSmallIntegerField(default=0)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    responded_late = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_late = models.BooleanField(default=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)

    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged")

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at"]
        indexes = [
            path_index("ticket_path_prefix"),
            # Queues, counts and the sweep read open requests only: a few percent of a year's.
            models.Index(fields=["path"], name="ticket_open_path", condition=models.Q(status__in=["new", "accepted"]),
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "warn_at"], name="ticket_status_warn"),
            models.Index(fields=["grid", "status"], name="ticket_grid_status"),
            models.Index(fields=["handler", "status"], name="ticket_handler_status"),
            models.Index(fields=["place", "category", "created_at"], name="ticket_place_category"),
            models.Index(fields=["community", "created_at"], name="ticket_community_created"),
            # Newest first, and the three rates: every column the rates count is in the index, so
            # a period's requests are read from it alone, without a table read per request.
            models.Index(fields=["created_at", "status", "community", "grid", "category", "level", "department",
                                 "responded_at", "responded_late", "respond_by", "resolved_at", "closed_at",
                                 "resolve_by", "reopened", "rating"], name="ticket_created_rates"),
            # Each grid worker's figures over a period (the workload page): a range per handler.
            models.Index(fields=["handler", "resolved_at"], name="ticket_handler_resolved"),
            models.Index(fields=["handler", "responded_at"], name="ticket_handler_responded"),
            models.Index(fields=["handler"], name="ticket_overdue_handler",
                         condition=models.Q(status__in=["new", "accepted"], overdue=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_ref"], condition=~models.Q(external_ref=""),
                                    name="ticket_external_ref_once",
                                    violation_error_message=_("This hotline order is already registered.")),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def with_hotline_order(cls) -> RestrictedQuerySet:
        """Requests carrying a hotline order number. The condition repeats the unique index's own
        (``ticket_external_ref_once``): only then does SQLite look a number up in that partial
        index instead of reading every request."""
        return cls.objects.exclude(external_ref="")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def due_at(self):  # type: ignore[no-untyped-def]
        """The limit that counts now: the first response, then the resolution."""
        return self.respond_by if self.responded_at is None else self.resolve_by

    @staticmethod
    def past_limit(now: Any) -> models.Q:
        """Open requests whose current limit has passed at ``now`` (the sweep marks them)."""
        return (models.Q(responded_at__isnull=True, respond_by__lte=now)
                | models.Q(responded_at__isnull=False, resolve_by__lte=now))

    @property
    def red_mark(self) -> bool:
        """The red mark as the pages show it: set by the sweep, or the limit has passed since
        (the sweep runs every five minutes; the page should not wait for it)."""
        return self.overdue or (self.is_open and self.due_at <= timezone.now())


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    ROUTED = "routed", _("sent to")
    ACCEPTED = "accepted", _("accepted")
    NOTE = "note", _("progress note")
    TRANSFERRED = "transferred", _("transferred")
    RETURNED = "returned", _("returned")
    ASSIGNED = "assigned", _("assigned")
    WARNED = "warned", _("limit near")
    ESCALATED = "escalated", _("overdue, escalated")
    RESOLVED = "resolved", _("resolved")
    UNRESOLVABLE = "unresolvable", _("closed without a fix")
    RATED = "rated", _("rated")
    REOPENED = "reopened", _("reopened")
    CLOSED = "closed", _("closed")
    MERGED = "merged", _("merged")
    # the steps of a delivery, in the words the household reads
    OFFERED = "offered", _("offered to the volunteers on duty")
    TAKEN = "taken", _("a volunteer took it and is buying")
    PICKED_UP = "picked_up", _("bought, on the way to the door")
    AT_DOOR = "at_door", _("left at the door")
    RECEIVED = "received", _("receipt confirmed")


class TicketEvent(models.Model):
    """One line of a request's history. ``public`` lines are what the resident reads (in plain
    words); the others are the office's own notes."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("what"), max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.TextField(_("note"), max_length=2000, blank=True)
    public = models.BooleanField(default=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("request history line")
        verbose_name_plural = _("request history")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_order")]

    def __str__(self) -> str:
        return f"{self.ticket} {self.kind}"


class PhotoStage(models.TextChoices):
    REPORT = "report", _("sent with the request")
    FIX = "fix", _("taken while handling it")
    DOOR = "door", _("a delivery left at the door")


# At most this many photos come with a request, and at most this many more from the office's
# work on it (the "after" pictures of the fix): a few hundred KB each, sealed in the database.
MAX_PHOTOS = 3


class TicketPhoto(SealedPhoto):
    """A photo of a request, kept like the photos of tasks (decision 0016): sent with it (by the
    resident, or by the office filing for a caller), or taken by the handler with a progress
    note or the resolution. ``path`` is the request's; ``public`` follows the history line it
    came with (a photo of an office-only note stays with the office)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(TicketEvent, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("stage"), max_length=8, choices=PhotoStage.choices)
    public = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("request photo")
        verbose_name_plural = _("request photos")
        ordering = ["ticket", "pk"]
        indexes = [path_index("ticket_photo_path_prefix"),
                   models.Index(fields=["ticket", "stage"], name="ticket_photo_stage")]


class DutyKind(models.TextChoices):
    POWER = "power", _("powers (权力清单): what she may decide")
    RESPONSIBILITY = "responsibility", _("responsibilities (责任清单): what she must do")
    NEGATIVE = "negative", _("not hers (负面清单): what she must not take on")


class GridRole(models.TextChoices):
    LEADER = "leader", _("grid leader")
    MEMBER = "member", _("grid member")


class DutyItem(PlaceScopedModel):
    """One line of a grid role's three lists, kept by the street (``path`` is the street's).
    A negative line that names a category keeps that category away from the role in routing."""

    role = models.CharField(_("grid role"), max_length=8, choices=GridRole.choices)
    kind = models.CharField(_("list"), max_length=16, choices=DutyKind.choices)
    text = models.CharField(_("what"), max_length=300)
    category = models.ForeignKey(Category, verbose_name=_("request category"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="duty_items")
    sort_key = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("duty list line")
        verbose_name_plural = _("duty lists")
        ordering = ["role", "kind", "sort_key", "pk"]
        indexes = [path_index("duty_item_path_prefix")]

    def __str__(self) -> str:
        return self.text

    @property
    def routes(self) -> bool:
        """This line keeps a category away from its role in routing."""
        return self.kind == DutyKind.NEGATIVE and self.category_id is not None

    def clean(self) -> None:
        """Only a negative line names a category (elsewhere it would look like it routed
        requests to the role, which nothing does), and once per role and street."""
        if self.category is None:
            return
        if self.kind != DutyKind.NEGATIVE:
            raise ValidationError({"category": ValidationError(
                _("Only a line of the negative list names a request category (it keeps that category away from "
                  "the role). Clear the category, or put the line on the negative list."), code="category_not_negative")})
        twin = DutyItem.objects.filter(path=self.path, role=self.role, kind=DutyKind.NEGATIVE,
                                       category=self.category).exclude(pk=self.pk).first()
        if twin is not None:
            raise ValidationError({"category": ValidationError(
                _("The negative list of this role already names “%(category)s” (“%(text)s”)."),
                code="duplicate_negative", params={"category": self.category.name, "text": twin.text})})


class DeliveryStatus(models.TextChoices):
    OPEN = "open", _("waiting for a volunteer")
    TAKEN = "taken", _("taken, being bought")
    PICKED_UP = "picked_up", _("bought, on the way")
    AT_DOOR = "at_door", _("left at the door")
    RECEIVED = "received", _("received")
    CANCELLED = "cancelled", _("cancelled")


# Still to be done: at most one of these per request.
UNFINISHED_DELIVERY = (DeliveryStatus.OPEN, DeliveryStatus.TAKEN, DeliveryStatus.PICKED_UP, DeliveryStatus.AT_DOOR)


class Delivery(PlaceScopedModel):
    """A delivery for a request of a delivery category (groceries, medicine for a household under
    home quarantine): what to buy, the door (``path`` and ``address``: the house, from its compound
    down, never a name or an ID number), the volunteer who took it and the time of each step.
    Contactless: she leaves it at the door; the household, or the office after a phone call,
    confirms receipt, which resolves the request. A reopened request gets a new delivery."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("request"), on_delete=models.CASCADE,
                               related_name="deliveries")
    address = models.CharField(_("door"), max_length=200)
    words = models.TextField(_("what to buy"), max_length=2000)
    items = models.JSONField(_("shopping list"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.OPEN)
    volunteer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("volunteer"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="deliveries")
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    picked_up_at = models.DateTimeField(_("bought"), null=True, blank=True)
    left_at = models.DateTimeField(_("left at the door"), null=True, blank=True)
    received_at = models.DateTimeField(_("receipt confirmed"), null=True, blank=True)
    note = models.CharField(_("note at the door"), max_length=200, blank=True)
    photo = models.ForeignKey(TicketPhoto, verbose_name=_("photo at the door"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    on_behalf = models.BooleanField(_("confirmed by the office after a call"), default=False)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            path_index("delivery_path_prefix"),
            models.Index(fields=["status", "left_at"], name="delivery_status_left"),
            models.Index(fields=["volunteer", "status"], name="delivery_volunteer_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["ticket"], condition=models.Q(status__in=UNFINISHED_DELIVERY),
                                    name="delivery_one_unfinished_per_request",
                                    violation_error_message=_("This request already has a delivery under way.")),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.address} ({self.status})"

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED_DELIVERY

# --- the 12345 hotline's exports ---------------------------------------------------------------------

class HotlineColumns(PlaceScopedModel):
    """How one layout of the hotline's export (its set of headers) maps to a request's fields,
    remembered for the street (``path``) and applied to the next file of that layout."""

    headers_key = models.CharField(max_length=64)
    headers = models.JSONField(_("headers"), default=list)
    mapping = models.JSONField(_("columns"), default=dict)  # header key → field code
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("hotline column mapping")
        verbose_name_plural = _("hotline column mappings")
        ordering = ["path", "-updated_at"]
        indexes = [path_index("hotline_columns_path")]
        constraints = [
            models.UniqueConstraint(fields=["path", "headers_key"], name="hotline_columns_once",
                                    violation_error_message=_("This layout is already mapped for the street.")),
        ]

    def __str__(self) -> str:
        return "、".join(str(h) for h in self.headers[:6])


class HotlineCategory(PlaceScopedModel):
    """What one of the hotline's category texts ("城乡建设-物业管理") means in the street's
    catalogue, remembered for the street (``path``)."""

    text_key = models.CharField(max_length=100)
    text = models.CharField(_("hotline category"), max_length=100)
    category = models.ForeignKey(Category, verbose_name=_("request category"), on_delete=models.CASCADE,
                                 related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("hotline category mapping")
        verbose_name_plural = _("hotline category mappings")
        ordering = ["path", "text_key"]
        indexes = [path_index("hotline_category_path")]
        constraints = [
            models.UniqueConstraint(fields=["path", "text_key"], name="hotline_category_once",
                                    violation_error_message=_("This hotline category is already mapped for the "
                                                              "street.")),
        ]

    def __str__(self) -> str:
        return f"{self.text} → {self.category}"


class HotlineStatus(models.TextChoices):
    MAPPING = "mapping", _("waiting for the columns to be confirmed")
    PREVIEW = "preview", _("checked: waiting to be imported")
    COMMITTED = "committed", _("imported")
    STOPPED = "stopped", _("stopped")


class HotlineBatch(PlaceScopedModel):
    """One uploaded export of the hotline, from upload to import (``path``: the street's). The
    file and the checked rows hold callers' names and phones: both are sealed, and both are
    deleted once the batch is imported or stopped."""

    street = models.ForeignKey("places.Place", verbose_name=_("street"), on_delete=models.PROTECT,
                               related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    file_size = models.PositiveIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64)
    content = EncryptedTextField()  # base64 of the uploaded bytes
    sheet = models.CharField(max_length=100, blank=True)
    header_row = models.PositiveIntegerField(default=0)  # 0-based
    headers = models.JSONField(default=list)
    columns = models.JSONField(default=dict)  # column index (as text) → field code
    categories = models.JSONField(default=dict)  # this file's category text keys → category id or null
    choices = models.JSONField(default=dict)  # row number (as text) → {"place": id} or {"skip": true}
    status = models.CharField(_("status"), max_length=12, choices=HotlineStatus.choices,
                              default=HotlineStatus.MAPPING)
    preview = EncryptedTextField()  # the checked rows, as JSON
    counts = models.JSONField(default=dict)  # rows, ready, attention, imported, skipped, office, created
    fingerprint = models.CharField(max_length=64, blank=True)  # of the rows ready at the last check
    checked_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hotline import")
        verbose_name_plural = _("hotline imports")
        ordering = ["-pk"]
        indexes = [path_index("hotline_batch_path")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    def count(self, key: str) -> int:
        return int(self.counts.get(key, 0))
