"""Everything that changes or reads personal data goes through here: checked, audited."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import audit, purposes
from linli.core.access import PermissionDenied, allows, area_of, require
from linli.core.dates import age_on
from linli.core.lookups import BROAD_DEPTH
from linli.core.models import AuditEvent
from linli.core.scope import scope_for
from linli.core.text import has_control_characters, strip_invisible
from linli.core.validators import (
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_phone,
    validate_uscc,
)
from linli.people import moves, search
from linli.people.models import (
    CommunityRole,
    Household,
    Organization,
    Person,
    PopulationType,
    Relation,
    Residence,
    SpecialGroup,
)
from linli.places.models import Level, Place, Usage


@dataclass
class PersonInput:
    """What a form, the API or an import says about a person, before validation."""

    name: str
    id_number: str = ""
    phone: str = ""
    population_type: str = PopulationType.REGISTERED
    hukou_address: str = ""
    school: str = ""
    special_groups: list[str] = field(default_factory=list)
    community_roles: list[str] = field(default_factory=list)
    notes: str = ""


Errors = dict[str, list[ValidationError]]


def _add(errors: Errors, field: str, message: Any, code: str, params: dict[str, Any] | None = None) -> None:
    # ValidationError objects keep the lazy message and its code, so the web page and the
    # API can render the same error in Chinese and in English.
    errors.setdefault(field, []).append(ValidationError(message, code=code, params=params))


def _clean_text(errors: Errors, field: str, value: str, limit: int) -> str:
    text = " ".join(strip_invisible(value or "").split())
    if has_control_characters(text):
        _add(errors, field, _("This text contains control characters; please retype it."), "control_chars")
    if len(text) > limit:
        _add(errors, field, _("At most %(limit)d characters."), "too_long", {"limit": limit})
    return text


def apply_person_input(person: Person, data: PersonInput, *, today: datetime.date | None = None) -> None:
    """Validate ``data`` and copy it onto ``person`` with the derived and hashed fields.
    Raises one ValidationError naming every field that is wrong. ``today`` (the local date)
    saves working it out again for each of many people."""
    errors: Errors = {}
    person.name = _clean_text(errors, "name", data.name, 64)
    if not person.name:
        _add(errors, "name", _("Enter the person's name."), "required")
    person.name_pinyin, person.name_initials = search.pinyin_keys(person.name)
    person.id_number = person.id_hash = person.id_last4_hash = ""
    if data.id_number:
        try:
            info = validate_id_number(data.id_number, today=today)
            person.id_number = info.number
            person.id_hash, person.id_last4_hash = search.id_hashes(info.number)
            person.birth_date, person.sex = info.birth_date, info.sex
            person.hukou_region = person.hukou_region or info.region_code
        except ValidationError as exc:
            errors.setdefault("id_number", []).extend(exc.error_list)
    person.phone = person.phone_hash = ""
    if data.phone:
        try:
            phone = validate_phone(data.phone)
            person.phone, person.phone_hash = phone.stored, search.phone_hash(phone.e164)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.error_list)
    _check_choices(data, errors)
    person.population_type = data.population_type
    person.hukou_address = _clean_text(errors, "hukou_address", data.hukou_address, 200)
    person.school = _clean_text(errors, "school", data.school, 100)
    person.special_groups = sorted(set(data.special_groups))
    person.special_groups_index = search.group_index(person.special_groups)
    person.community_roles = sorted(set(data.community_roles))
    person.notes = (data.notes or "").strip()
    if has_control_characters(person.notes, allowed="\r\n\t"):
        _add(errors, "notes", _("This text contains control characters; please retype it."), "control_chars")
    if errors:
        raise ValidationError(errors)


# The codes of each choice, read once (``Choices.values`` builds its list again on every call,
# and an import checks every row).
_POPULATION_TYPES = frozenset(PopulationType.values)
_SPECIAL_GROUPS = frozenset(SpecialGroup.values)
_COMMUNITY_ROLES = frozenset(CommunityRole.values)


def _check_choices(data: PersonInput, errors: Errors) -> None:
    if data.population_type not in _POPULATION_TYPES:
        _add(errors, "population_type", _("Unknown population type."), "invalid_choice")
    bad_groups = set(data.special_groups) - _SPECIAL_GROUPS
    if bad_groups:
        _add(errors, "special_groups", _("Unknown special group: %(codes)s"), "invalid_choice",
             {"codes": ", ".join(sorted(bad_groups))})
    bad_roles = set(data.community_roles) - _COMMUNITY_ROLES
    if bad_roles:
        _add(errors, "community_roles", _("Unknown community role: %(codes)s"), "invalid_choice",
             {"codes": ", ".join(sorted(bad_roles))})


# --- ID numbers registered elsewhere -------------------------------------------------------------

ID_PROBE = "person.id_elsewhere"
PROBE_WINDOW = datetime.timedelta(hours=1)


class IdNotHere(ValidationError):
    """The ID number is registered outside the user's area. Said without confirming it: the
    street office, which sees both areas, can check."""

    def __init__(self) -> None:
        super().__init__({"id_number": [ValidationError(
            _("This ID number cannot be registered here; the street office can check."), code="id_not_here")]})


def id_probes_left(user: Any) -> int:
    """How many more ID numbers registered elsewhere the user may run into this hour."""
    since = timezone.now() - PROBE_WINDOW
    used = sum(int((detail or {}).get("count", 1)) for detail in AuditEvent.objects.filter(
        actor_id=getattr(user, "pk", None), action=ID_PROBE, at__gte=since).values_list("detail", flat=True))
    return settings.LINLI_ID_PROBE_LIMIT - used


def require_probe_budget(user: Any) -> None:
    """Refuse every registration by ID number once the user has run into too many numbers
    registered elsewhere: the answer must not tell, for any number, whether it exists."""
    if id_probes_left(user) <= 0:
        raise ValidationError({"id_number": [ValidationError(
            _("Too many ID numbers could not be registered here in the last hour. Try again later, "
              "or ask the street office."), code="rate_limited")]})


def record_id_probes(user: Any, count: int, *, path: str, source: str) -> None:
    audit.record(ID_PROBE, actor=user, outcome=AuditEvent.Outcome.DENIED, path=path,
                 object_type="people.person", detail={"count": count, "source": source})


class DuplicateId(ValidationError):
    """The ID number belongs to someone the user may see: ``existing`` is that person, so that
    the page can link to her instead of leaving the user to search."""

    def __init__(self, existing: Person) -> None:
        super().__init__({"id_number": [ValidationError(
            _("A person with this ID number is already registered."), code="duplicate")]})
        self.existing = existing


def _check_unique_id(person: Person, user: Any) -> None:
    if not person.id_hash:
        return
    other = Person.objects.filter(id_hash=person.id_hash).exclude(pk=person.pk).only("path", "name").first()
    if other is None:
        return
    if allows(user, "people.view", other):
        raise DuplicateId(other)
    raise IdNotHere()


def _probing(create: Any) -> Any:
    """Around an action that registers ID numbers: the budget is checked first, and an attempt
    on a number registered elsewhere is audited after the action's transaction has rolled back
    (so the record stays)."""

    @functools.wraps(create)
    def wrapped(*args: Any, acting_user: Any, **kwargs: Any) -> Any:
        require_probe_budget(acting_user)
        try:
            return create(*args, acting_user=acting_user, **kwargs)
        except IdNotHere:
            house = kwargs.get("house")
            path = house.path if house is not None else getattr(args[0], "path", "")
            record_id_probes(acting_user, 1, path=path, source="person")
            raise

    return wrapped


@_probing
@transaction.atomic
def do_create_person(
    data: PersonInput,
    *,
    acting_user: Any,
    house: Place,
    relation: str = Relation.FAMILY,
    moved_in: datetime.date | None = None,
) -> Person:
    """Register a person living in ``house`` (a 户室 inside the user's scope)."""
    if house.level != Level.HOUSE:
        raise ValidationError({"house": [_("Choose a house (户室), not a building or compound.")]})
    require(acting_user, "people.change", house.path)
    if data.special_groups and not allows(acting_user, "people.view_groups", house.path):
        raise PermissionDenied("people.view_groups")
    if relation not in Relation.values:
        raise ValidationError({"relation": [_("Unknown relation.")]})
    person = Person(current_house=house, path=house.path, current_address=house.full_name())
    apply_person_input(person, data)
    _check_unique_id(person, acting_user)
    person.hukou_matches_residence = bool(person.hukou_region) and house.code.startswith(person.hukou_region)
    person.save()
    household = Household.objects.filter(house=house).order_by("pk").first()
    if household is None:
        household = Household.objects.create(house=house, head=person, path=house.path)
    Residence.objects.create(person=person, house=house, household=household, relation=relation,
                             moved_in=moved_in, path=house.path)
    audit.record("person.create", actor=acting_user, obj=person)
    if house.usage == Usage.VACANT:
        # Someone lives here now: the building view must not keep showing the house empty.
        _set_usage(house, Usage.RENTED if relation == Relation.TENANT else Usage.OWNER_OCCUPIED, acting_user,
                   reason="resident registered")
    return person


def _set_usage(house: Place, usage: str, acting_user: Any, reason: str) -> None:
    before = house.usage
    house.usage = usage
    house.save(update_fields=["usage", "updated_at"])
    audit.record("house.usage", actor=acting_user, obj=house, detail={"from": before, "to": usage, "why": reason})


@transaction.atomic
def do_set_house_usage(house: Place, usage: str, *, acting_user: Any) -> Place:
    """How a house is used (自住 / 出租 / 空置 / 商用), set by whoever keeps its household
    register."""
    require(acting_user, "people.change", house)
    if house.level != Level.HOUSE:
        raise ValidationError({"usage": [ValidationError(_("Only a house has a usage."), code="not_a_house")]})
    if usage not in Usage.values:
        raise ValidationError({"usage": [ValidationError(_("Unknown usage."), code="invalid_choice")]})
    if usage != house.usage:
        _set_usage(house, usage, acting_user, reason="set by hand")
    return house


@_probing
@transaction.atomic
def do_update_person(person: Person, data: PersonInput, *, acting_user: Any) -> Person:
    require(acting_user, "people.change", person.path)
    if not allows(acting_user, "people.view_groups", person.path):
        data.special_groups = list(person.special_groups)  # cannot see them, cannot change them
    before = {"name": person.name, "phone_hash": person.phone_hash, "id_hash": person.id_hash}
    apply_person_input(person, data)
    _check_unique_id(person, acting_user)
    person.save()
    changed = sorted(k for k, v in before.items() if getattr(person, k) != v)
    audit.record("person.update", actor=acting_user, obj=person, detail={"changed": changed})
    return person


@transaction.atomic
def do_move_out(residence: Residence, *, acting_user: Any, moved_out: datetime.date) -> Residence:
    """Record that a person no longer lives in a house. The person stays in the registry
    (history, and the grid that knew her) but no longer counts as living there."""
    require(acting_user, "people.change", residence.path)
    if residence.moved_out is not None:
        raise ValidationError({"moved_out": [_("This person has already moved out.")]})
    if residence.moved_in and moved_out < residence.moved_in:
        raise ValidationError({"moved_out": [_("The move-out date cannot be before the move-in date.")]})
    residence.moved_out = moved_out
    residence.save(update_fields=["moved_out", "updated_at"])
    person = residence.person
    if person.current_house_id == residence.house_id:
        person.current_house = None
        person.save(update_fields=["current_house", "updated_at"])
    audit.record("residence.move_out", actor=acting_user, obj=residence, detail={"person": person.pk})
    # in this transaction: what other apps keep for the house follows (or not) with the move
    moves.tell([moves.Move(person.pk, residence.house_id, None)], acting_user=acting_user)
    return residence


# --- reading -----------------------------------------------------------------------------

def visible_people(user: Any) -> QuerySet[Person]:
    return Person.objects.restrict(user, "people.view").filter(is_active=True)


SUBSTRING_CANDIDATES = 500


def _name_anywhere(people: QuerySet[Person], text: str, user: Any) -> QuerySet[Person]:
    """People whose name contains ``text`` (a given name, say). PostgreSQL plans a narrow
    scope (a grid, a community) well by itself: the path index first, then the few names.
    Otherwise the candidates come from the name index alone (no table rows read) and the
    scope filter applies to those few; only a very common text falls back to the plain scan."""
    scope = scope_for(user, "people.view")
    if connection.vendor == "postgresql" and not scope.everything and \
            all(prefix.count("/") > BROAD_DEPTH for prefix in scope.prefixes):
        return people.filter(name__contains=text).order_by("name", "pk")
    candidates = list(Person.objects.filter(name__contains=text).order_by()
                      .values_list("pk", flat=True)[: SUBSTRING_CANDIDATES + 1])
    if len(candidates) <= SUBSTRING_CANDIDATES:
        return people.filter(pk__in=candidates).order_by("name", "pk")
    return people.filter(name__contains=text).order_by("name", "pk")


def in_byte_order(column: str) -> Any:
    """Order by a search column as its ordered index does (people 0004): on PostgreSQL in byte
    order, so the index gives the prefix's matches already sorted and the page stops early.
    The same order as SQLite's and as a C.UTF-8 database's own."""
    return Collate(F(column), "C") if connection.vendor == "postgresql" else F(column)


def search_people(user: Any, raw: str) -> QuerySet[Person]:
    """People in the user's scope matching a name, pinyin initials, the last four ID digits,
    a full ID number or a phone. The search itself is audited (the query kind, not its text)."""
    query = search.classify(raw)
    people = visible_people(user)
    if query.kind == "empty":
        audit.record("people.list", actor=user, object_type="people.person", path=area_of(user, "people.view"))
        return people.order_by("path", "name")
    if query.kind == "id":
        people = people.filter(id_hash=search.id_hashes(query.value)[0])
    elif query.kind == "id_last4":
        people = people.filter(id_last4_hash=search.id_hashes("0" * 14 + query.value)[1])
    elif query.kind == "phone":
        people = people.filter(phone_hash=search.phone_hash(query.value)) if query.value else people.none()
    elif query.kind == "pinyin":
        # "zxm" are initials, "zhang" is spelled-out pinyin. One indexed column per query: an OR
        # of the two makes SQLite fall back to scanning the whole scope.
        # Results come in the order of the index that found them, so a short prefix matching
        # tens of thousands of people needs no sort before the first page.
        spelled = len(query.value) >= 3 and any(v in query.value for v in "aeiouv")
        column = "name_pinyin" if spelled else "name_initials"
        people = people.filter(**{f"{column}__begins": query.value}).order_by(in_byte_order(column), "pk")
    else:
        # Names are found by their beginning (surname first), through the index; only when
        # nothing starts that way does the slower search anywhere in the name run.
        by_prefix = people.filter(name__begins=query.value)
        if len(query.value) == 1 or by_prefix.exists():
            people = by_prefix.order_by(in_byte_order("name"), "pk")
        else:
            people = _name_anywhere(people, query.value, user)
    audit.record("people.search", actor=user, object_type="people.person", path=area_of(user, "people.view"),
                 detail={"kind": query.kind, "length": len(raw or "")})
    return people if query.kind in ("pinyin", "name") else people.order_by("name", "pk")


@dataclass(frozen=True)
class PersonCard:
    """A person as the viewing user may see them: masked, tags only with the right."""

    person: Person
    id_masked: str
    phone_masked: str
    age: int | None
    special_groups: list[str] | None  # None: the viewer may not see special groups
    can_reveal: bool
    can_change: bool


def person_card(person: Person, user: Any, today: datetime.date) -> PersonCard:
    return PersonCard(
        person=person,
        id_masked=mask_id_number(person.id_number),
        phone_masked=mask_phone(person.phone),
        age=age_on(person.birth_date, today),
        special_groups=list(person.special_groups) if allows(user, "people.view_groups", person.path) else None,
        can_reveal=allows(user, "people.reveal", person.path),
        can_change=allows(user, "people.change", person.path),
    )


def view_person(person: Person, user: Any, today: datetime.date) -> PersonCard:
    audit.record("person.view", actor=user, obj=person)
    return person_card(person, user, today)


REVEALABLE = {"id_number", "phone"}


def do_reveal(person: Person, field_name: str, *, acting_user: Any, purpose: str, purpose_code: str = "") -> str:
    """The full value of a protected field, for a lawful purpose (``purpose_code`` from the list,
    ``purpose`` the words for "other": decision 0023), written to the audit log. Refusals are
    logged as well: no right, a field that is not revealed, a purpose that is none."""

    # The permission first: someone who may not reveal learns nothing from the checks below.
    if not allows(acting_user, "people.reveal", person):
        refuse_reveal(acting_user, field_name, "permission", purpose_code, purpose, person=person)
        raise PermissionDenied("people.reveal")
    try:
        if field_name not in REVEALABLE:
            raise ValidationError({"field": [ValidationError(_("Only the ID number or the phone can be revealed."),
                                                             code="invalid")]})
        stated = purposes.state(purpose_code, purpose)
    except ValidationError as exc:
        refuse_reveal(acting_user, field_name, audit.reason_of(exc), purpose_code, purpose, person=person)
        raise
    audit.record("person.reveal", actor=acting_user, obj=person, purpose=stated.recorded,
                 detail={"field": field_name, "purpose_code": stated.code})
    return str(getattr(person, field_name))


def refuse_reveal(user: Any, field_name: Any, reason: str, purpose_code: Any = "", purpose: Any = "", *,
                  person: Person | None = None, person_id: Any = "") -> None:
    """Record a refused reveal. A person the user may not reach is named only by the id asked
    for, and the event filed where the user works, so that her office sees the attempt."""
    where: dict[str, Any] = {"obj": person} if person is not None else {
        "object_type": "people.person", "object_id": str(person_id)[:64], "path": area_of(user, "people.view")}
    audit.refused("person.reveal", actor=user, reason=reason, purpose_code=purpose_code, purpose=purpose,
                  detail={"field": str(field_name)[:20]}, **where)


# --- organisations -----------------------------------------------------------------------

@transaction.atomic
def do_register_organization(
    *, acting_user: Any, name: str, place: Place, uscc: str = "", override_reason: str = "",
    kind: str = "", contact_name: str = "", contact_phone: str = "",
) -> Organization:
    """Register an actual unit. A credit code whose check character fails is accepted only
    with a stated reason (early pilot codes are legally valid), and the override is logged."""
    require(acting_user, "orgs.change", place.path)
    errors: dict[str, Any] = {}
    org = Organization(name=" ".join(name.split()), place=place, path=place.path, kind=kind,
                       contact_name=contact_name)
    if not org.name:
        errors["name"] = [_("Enter the organisation's name.")]
    if uscc:
        try:
            info = validate_uscc(uscc, allow_bad_checksum=True)
            org.uscc, org.uscc_checksum_ok = info.code, info.checksum_ok
            if not info.checksum_ok and len(override_reason.strip()) < 4:
                errors["uscc"] = [_("The check character of this code is wrong. If the code is "
                                    "genuine (e.g. an early pilot code), give a reason to accept it.")]
            elif not info.checksum_ok:
                org.uscc_override_reason = override_reason.strip()[:300]
        except ValidationError as exc:
            errors["uscc"] = exc.error_list
    if contact_phone:
        try:
            org.contact_phone = validate_phone(contact_phone).stored
        except ValidationError as exc:
            errors["contact_phone"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    org.full_clean(exclude=["contact_phone"])
    org.save()
    audit.record("organization.create", actor=acting_user, obj=org,
                 detail={"uscc_override": org.uscc_override_reason} if org.uscc_override_reason else {})
    return org
