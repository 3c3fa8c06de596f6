"""Fair hand-out of scarce materials (预约领取) and the households' own reserves (家庭应急储备).

A :class:`Round` offers ``shares`` of one item (``quota`` units each) to the households of a
community, with pickup :class:`Slot` s at its storage points. A :class:`Reservation` is one
household's (a house with residents, as for notices and tasks) place in the round: given a share
(``held``), waiting, collected or released; one per household per round, by a unique constraint
and by the round's row lock in ``actions``. The round's ``taken`` counters are moved only there,
in the same transaction, and a check constraint keeps them within ``shares``. The rule itself is
``fairness`` (no Django).

A :class:`ReserveCheck` is a household's own checklist of what it keeps at home.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import PlaceScopedModel, path_index


class Round(PlaceScopedModel):
    """A reservation round in a community (``path`` is the community's)."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=60)
    item = models.ForeignKey("supplies.Item", on_delete=models.PROTECT, related_name="+")
    quota = models.PositiveIntegerField(_("units per household"))
    shares = models.PositiveIntegerField(_("households served"))
    held_back = models.PositiveIntegerField(_("shares held back for priority households"), default=0)
    opens_at = models.DateTimeField(_("reservations open"))
    closes_at = models.DateTimeField(_("reservations close"))
    taken = models.PositiveIntegerField(default=0, editable=False)
    taken_ordinary = models.PositiveIntegerField(default=0, editable=False)
    window_settled = models.BooleanField(default=False, editable=False)  # the waiting list was offered at closing
    cancelled = models.BooleanField(_("cancelled"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("reservation round")
        verbose_name_plural = _("reservation rounds")
        ordering = ["-opens_at", "-pk"]
        indexes = [path_index("handout_round_path_prefix")]
        constraints = [
            models.CheckConstraint(condition=models.Q(taken__lte=models.F("shares")), name="handout_round_within_shares",
                                   violation_error_message=_("A round never gives out more shares than it has.")),
            models.CheckConstraint(condition=models.Q(held_back__lte=models.F("shares")), name="handout_round_held_back",
                                   violation_error_message=_("At most all the shares can be held back.")),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="handout_round_window",
                                   violation_error_message=_("Reservations close after they open.")),
        ]

    def __str__(self) -> str:
        return self.title


class Slot(PlaceScopedModel):
    """A pickup time at a storage point (``path`` is the round's)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="slots")
    point = models.ForeignKey("supplies.StoragePoint", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    capacity = models.PositiveIntegerField(_("households per slot"), null=True, blank=True,
                                           help_text=_("Empty: no limit."))
    released = models.BooleanField(default=False, editable=False)  # its uncollected shares went to the waiting list

    class Meta:
        verbose_name = _("pickup slot")
        verbose_name_plural = _("pickup slots")
        ordering = ["starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="handout_slot_in_order",
                                              violation_error_message=_("A slot ends after it starts.")),
                       models.CheckConstraint(condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=1),
                                              name="handout_slot_capacity",
                                              violation_error_message=_("A slot takes at least one household."))]


class Status(models.TextChoices):
    HELD = "held", _("share reserved")
    WAITING = "waiting", _("on the waiting list")
    COLLECTED = "collected", _("collected")
    RELEASED = "released", _("not collected in time")
    MOVED = "moved", _("given back: the household moved")


# A household's reservation that it gave back when it moved stays on the house it left, for the
# record; the household that moves in may reserve there (``handout_one_per_household``).
GONE = (Status.MOVED,)


class Tier(models.TextChoices):
    PRIORITY = "priority", _("priority household")
    ORDINARY = "ordinary", _("other household")


class Group(models.TextChoices):
    """Why a household has priority (the first that applies), for the published counts."""

    QUARANTINED = "quarantined", _("in home quarantine")
    ALONE_ELDER = "alone_elder", _("elder living alone")
    DISABLED = "disabled", _("person with a disability")
    OLDEST_OLD = "oldest_old", _("aged 80 or over")
    INFANT = "infant", _("young child")
    OTHER = "other", _("other households")


class Via(models.TextChoices):
    APP = "app", _("on the phone")
    STAFF = "staff", _("by staff on the household's behalf")
    IMPORT = "import", _("from a staff list")
    API = "api", _("through the API")


class Reservation(PlaceScopedModel):
    """One household's reservation in a round (``path`` is the house's)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reservations")
    house = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    group = models.CharField(_("group"), max_length=12, choices=Group.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    slot = models.ForeignKey(Slot, null=True, blank=True, on_delete=models.PROTECT, related_name="reservations")
    via = models.CharField(_("made"), max_length=8, choices=Via.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    movements = models.JSONField(default=list, blank=True)  # the stock issue it was handed out by

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["round", "pk"]
        indexes = [path_index("handout_resv_path_prefix"),
                   models.Index(fields=["round", "status", "tier", "id"], name="handout_resv_queue")]
        constraints = [models.UniqueConstraint(fields=["round", "house"], name="handout_one_per_household",
                                               condition=~models.Q(status__in=GONE),
                                               violation_error_message=_("This household has already reserved in this round."))]


class ReserveCheck(PlaceScopedModel):
    """A household's checklist of its own emergency reserve (``ticked``: codes of ``checklist.ITEMS``)."""

    house = models.OneToOneField("places.Place", on_delete=models.CASCADE, related_name="+")
    ticked = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("household reserve checklist")
        verbose_name_plural = _("household reserve checklists")
        indexes = [path_index("handout_check_path_prefix")]
