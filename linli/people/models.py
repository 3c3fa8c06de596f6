"""Actual population, households and units (实有人口、实有单位)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.fields import EncryptedJSONListField, EncryptedTextField
from linli.core.models import PlaceScopedModel, path_index, prefix_index


class PopulationType(models.TextChoices):
    REGISTERED = "registered", _("registered resident (户籍)")
    FLOATING = "floating", _("floating population (流动)")
    FOREIGN = "foreign", _("from outside the mainland (境外)")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class SpecialGroup(models.TextChoices):
    """Special groups: sensitive, stored encrypted, hidden from roles without the right."""

    ALONE_ELDER = "alone_elder", _("elder living alone")
    OLDEST_OLD = "oldest_old", _("aged 80 or over")
    DISABLED = "disabled", _("person with a disability")
    INFANT = "infant", _("young child")
    SUBSISTENCE = "subsistence", _("minimum-subsistence allowance (低保)")
    EXTREME_POVERTY = "extreme_poverty", _("extreme-poverty support (特困)")
    MEAL_AID = "meal_aid", _("needs meal assistance")
    KEY_CARE = "key_care", _("key care")


class CommunityRole(models.TextChoices):
    """Roles in the community: public-facing, shown on the building view."""

    PARTY_MEMBER = "party_member", _("Party member")
    VOLUNTEER = "volunteer", _("volunteer")
    BUILDING_LEADER = "building_leader", _("building leader (楼组长)")


class Person(PlaceScopedModel):
    name = models.CharField(pgettext_lazy("of a person", "name"), max_length=64)
    name_pinyin = models.CharField(max_length=128, blank=True)
    name_initials = models.CharField(max_length=32, blank=True)
    id_number = EncryptedTextField(_("ID number"))
    id_hash = models.CharField(max_length=32, blank=True, db_index=True)
    id_last4_hash = models.CharField(max_length=32, blank=True, db_index=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone = EncryptedTextField(_("phone"))
    phone_hash = models.CharField(max_length=32, blank=True, db_index=True)
    population_type = models.CharField(
        _("population type"), max_length=12, choices=PopulationType.choices,
        default=PopulationType.REGISTERED,
    )
    hukou_region = models.CharField(_("household registration region"), max_length=12, blank=True)
    hukou_address = models.CharField(_("household registration address (户籍地)"), max_length=200, blank=True)
    current_house = models.ForeignKey(
        "places.Place", verbose_name=_("current residence (现住地)"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    current_address = models.CharField(_("current address"), max_length=200, blank=True)
    hukou_matches_residence = models.BooleanField(_("registered where living (人户一致)"), default=True)
    # Where a pupil or student goes to school (就读学校): the education bureau's reports ask for it.
    school = models.CharField(_("school"), max_length=100, blank=True)
    special_groups = EncryptedJSONListField(_("special groups"))
    # Keyed hashes of the special-group codes, space separated, so lists can be filtered
    # without decrypting every row and without the plain codes in the database.
    special_groups_index = models.CharField(max_length=300, blank=True, editable=False)
    community_roles = models.JSONField(_("community roles"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["path", "name"]
        indexes = [
            path_index("person_path_prefix"),
            prefix_index("name", "person_name_prefix"),
            prefix_index("name_pinyin", "person_pinyin_prefix"),
            prefix_index("name_initials", "person_initials_prefix"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_hash"], condition=~models.Q(id_hash=""), name="person_id_number_unique",
                violation_error_message=_("A person with this ID number is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Household(PlaceScopedModel):
    """A household (户): the people registered together in one house, with a head."""

    house = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="households")
    head = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    number = models.CharField(_("household number"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [path_index("household_path_prefix")]

    def __str__(self) -> str:
        return f"{self.house} · {self.head or ''}"


class Relation(models.TextChoices):
    OWNER = "owner", _("owner")
    FAMILY = "family", _("family member")
    TENANT = "tenant", _("tenant")
    TEMPORARY = "temporary", _("temporary")
    OTHER = "other", _("other")


class Residence(PlaceScopedModel):
    """A person lives (or lived) in a house, in some relation, between two dates."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residences")
    house = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="residences")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="residences")
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    relation_to_head = models.CharField(_("relation to head"), max_length=32, blank=True)
    moved_in = models.DateField(_("moved in"), null=True, blank=True)
    moved_out = models.DateField(_("moved out"), null=True, blank=True)

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        indexes = [
            path_index("residence_path_prefix"),
            models.Index(fields=["house", "moved_out"], name="residence_house_current"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(moved_out__isnull=True) | models.Q(moved_in__isnull=True)
                | models.Q(moved_out__gte=models.F("moved_in")),
                name="residence_dates_in_order",
                violation_error_message=_("The move-out date cannot be before the move-in date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.house}"


class Organization(PlaceScopedModel):
    """An actual unit (实有单位): a company, shop, school or other organisation."""

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    uscc_checksum_ok = models.BooleanField(default=True)
    uscc_override_reason = models.CharField(_("reason for accepting a failing code"), max_length=300, blank=True)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="organizations")
    kind = models.CharField(_("kind"), max_length=64, blank=True)
    contact_name = models.CharField(_("contact"), max_length=64, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"))
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [path_index("organization_path_prefix")]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~models.Q(uscc=""), name="organization_uscc_unique",
                violation_error_message=_("An organisation with this credit code is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
