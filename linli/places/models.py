"""Standard addresses (标准地址): the place tree from province down to the single house."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import PlaceScopedModel, path_index

# A place with a point on the map. Queries for located places filter by exactly this, so that
# PostgreSQL can use the index that holds only them (place_located).
LOCATED = models.Q(longitude__isnull=False, latitude__isnull=False)


class Level(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    DISTRICT = "district", _("district / county")
    STREET = "street", _("subdistrict / town")
    COMMUNITY = "community", _("community / village")
    COMPOUND = "compound", _("compound / street-lane")
    BUILDING = "building", _("building")
    UNIT = "unit", _("unit (stairwell)")
    HOUSE = "house", _("house")


# The levels the overview's maps draw (a street's: communities to buildings; a district's: streets
# to compounds), which have an index of their own (place_mapped).
MAPPED = (Level.STREET, Level.COMMUNITY, Level.COMPOUND, Level.BUILDING)


LEVELS = list(Level)
# Digits each level adds to the full code. Region levels follow GB/T 2260 (2+2+2), the
# township segment (3) and the community segment (3); below that the codes are local.
SEGMENT_WIDTH = {
    Level.PROVINCE: 2, Level.CITY: 2, Level.DISTRICT: 2, Level.STREET: 3, Level.COMMUNITY: 3,
    Level.COMPOUND: 3, Level.BUILDING: 3, Level.UNIT: 2, Level.HOUSE: 4,
}
REGION_LEVELS = {Level.PROVINCE, Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY}


class ElementType(models.TextChoices):
    """Address element types after GA/T 2000.32 (地址元素类型)."""

    PROVINCE = "province", _("province / autonomous region / municipality")
    CITY = "city", _("prefecture-level city")
    DISTRICT = "district", _("district / county")
    SUBDISTRICT = "subdistrict", _("subdistrict (街道)")
    TOWN = "town", _("town (镇)")
    TOWNSHIP = "township", _("township (乡)")
    RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee (居委会)")
    VILLAGERS_COMMITTEE = "villagers_committee", _("villagers' committee (村委会)")
    COMPOUND = "compound", _("residential compound (小区)")
    STREET_LANE = "street_lane", _("street or lane (街路巷)")
    BUILDING = "building", _("building (楼栋)")
    UNIT = "unit", _("unit (单元)")
    HOUSE = "house", _("house / room (户室)")


class Usage(models.TextChoices):
    OWNER_OCCUPIED = "owner", _("owner-occupied")
    RENTED = "rented", _("rented")
    VACANT = "vacant", _("vacant")
    COMMERCIAL = "commercial", _("commercial")


class Place(PlaceScopedModel):
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    element_type = models.CharField(_("element type"), max_length=24, choices=ElementType.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort_key = models.PositiveIntegerField(default=0)
    # Buildings
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    units_count = models.PositiveSmallIntegerField(_("units"), null=True, blank=True)
    has_lift = models.BooleanField(_("lift"), null=True, blank=True)
    # Houses
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    number = models.CharField(_("room number"), max_length=16, blank=True)
    area = models.DecimalField(_("area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True)
    usage = models.CharField(_("usage"), max_length=12, choices=Usage.choices, blank=True)
    # Compounds and above: a point and an optional boundary (GeoJSON polygon, WGS 84)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    boundary = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        indexes = [
            # Scope filters are prefix matches on path: on PostgreSQL LIKE 'x%' needs
            # the pattern opclass to use the index under a non-C collation.
            path_index("place_path_prefix"),
            models.Index(fields=["parent", "sort_key"], name="place_children"),
            # The map's points (a layer's buildings, the compounds of a district's screen) are the
            # located places of one level under a path: a small share of the places, which the
            # planner cannot tell from the columns' statistics (it scanned all 483,000 places of
            # a million-resident district for a street's 2,500 buildings).
            models.Index(fields=["level", "path"], name="place_located", opclasses=["varchar_ops", "varchar_pattern_ops"],
                         condition=LOCATED),
            # The places drawn on the map, streets to buildings, under a path (the overview's base
            # map): 2 % of a district's places, the rest being houses and units. Without it
            # PostgreSQL read all 483,000 for a street's 2,600 outlines (34 ms, now 3 ms).
            models.Index(fields=["level", "path"], name="place_mapped", opclasses=["varchar_ops", "varchar_pattern_ops"],
                         condition=models.Q(level__in=[level.value for level in MAPPED])),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["path"], name="place_path_unique",
                violation_error_message=_("Another place already has this code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # --- tree rules --------------------------------------------------------------------
    def clean(self) -> None:
        from linli.places.rules import check_place

        check_place(self)

    def save(self, *args: object, **kwargs: object) -> None:
        from linli.places.rules import path_for

        self.path = path_for(self.code, self.level)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def ancestors(self) -> list[Place]:
        """Root-first ancestors, read through the path (one query, no recursion)."""
        from linli.places.rules import ancestor_paths

        paths = ancestor_paths(self.path)
        found = {p.path: p for p in Place.objects.filter(path__in=paths)}
        return [found[p] for p in paths if p in found]

    def full_name(self) -> str:
        return "".join(p.name for p in self.ancestors()[3:]) + self.name


def names_by_path(paths: set[str]) -> dict[str, str]:
    """The name of every place on the way to each of ``paths`` (the paths themselves included),
    in a few queries whatever the number of paths."""
    from linli.places.rules import ancestor_paths

    wanted = list({a for path in paths for a in [*ancestor_paths(path), path]})
    names: dict[str, str] = {}
    for i in range(0, len(wanted), 900):  # stay under SQLite's parameter limit
        names.update(Place.objects.filter(path__in=wanted[i:i + 900]).values_list("path", "name"))
    return names


def full_names(places: list[Place]) -> dict[int, str]:
    """Addresses below the district (``明月街道培花居民区玉兰苑1号楼1单元101室``) for many places
    at once, for lists that would otherwise ask for each place's ancestors."""
    from linli.places.rules import ancestor_paths

    names = names_by_path({p.path for p in places})
    return {p.pk: "".join(names.get(a, "") for a in ancestor_paths(p.path)[3:]) + p.name for p in places}


def validate_level_below(parent: Place | None, level: str) -> None:
    if parent is None:
        if level != Level.PROVINCE:
            raise ValidationError(_("Only a province can be a root place."), code="place_root")
        return
    if LEVELS.index(Level(level)) != LEVELS.index(Level(parent.level)) + 1:
        raise ValidationError(
            _("A %(child)s cannot be placed directly under a %(parent)s."),
            code="place_level",
            params={"child": Level(level).label, "parent": Level(parent.level).label},
        )
