"""Residents over the API: search, read (masked), register, reveal with a purpose.

Handlers stay thin: look the object up inside the caller's scope (404 otherwise), call the
action (which checks, audits and raises ``ValidationError`` naming the fields), serialise.
ID numbers and phones leave only masked, except through the audited reveal endpoint.
"""

# No ``from __future__ import annotations`` here: ninja resolves the annotations of a
# paginated handler in its own module, where string annotations like "SearchText" fail.

import datetime
from collections.abc import Callable
from typing import Annotated, Any, Literal, Self

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from linli.core.access import PermissionDenied, get_or_404, may, route
from linli.core.api_auth import ERRORS, Date, Id, Lines, Pages, PurposeCode, PurposeText, api_user
from linli.downloads.actions import do_request_download
from linli.downloads.api import DownloadOut, download_out
from linli.people.actions import (
    PersonCard,
    PersonInput,
    do_create_person,
    do_reveal,
    person_card,
    refuse_reveal,
    search_people,
    view_person,
    visible_people,
)
from linli.people.exports import refuse_export
from linli.people.models import Person, PopulationType, Relation, Residence
from linli.places.models import Level, Place

router = Router()

# Enough of the tree to write "小区 3号楼 1单元 101室" without a query per row.
HOUSE_CHAIN = "current_house__parent__parent__parent"
ADDRESS_LEVELS = (Level.HOUSE, Level.UNIT, Level.BUILDING, Level.COMPOUND)


# Any field here may be pasted from a spreadsheet (tabs, Windows line ends).
Text = Lines
SearchText = Annotated[Text, Field(max_length=100, description="name, pinyin initials, last four ID "
                                                                "digits, a full ID number or a phone")]


# --- schemas -----------------------------------------------------------------------------

class PersonItem(Schema):
    id: int
    name: str
    sex: str
    age: int | None
    population_type: str
    id_masked: str
    phone_masked: str
    house_id: int | None
    address: str
    community_roles: list[str]
    special_groups: list[str] | None = Field(
        description="null when the caller may not see special groups")


class ResidenceOut(Schema):
    id: int
    house_id: int
    address: str
    relation: str
    relation_to_head: str
    household_id: int | None
    moved_in: datetime.date | None


class MemberOut(Schema):
    id: int
    name: str
    sex: str
    age: int | None
    relation: str
    relation_to_head: str
    id_masked: str
    phone_masked: str
    special_groups: list[str] | None


class PersonDetail(PersonItem):
    hukou_address: str
    school: str = Field("", description="the school a pupil or student attends (就读学校)")
    hukou_matches_residence: bool
    can_reveal: bool
    can_change: bool
    residences: list[ResidenceOut]
    household: list[MemberOut] = Field(description="other current members of the same household(s)")


class PersonIn(Schema):
    name: Text = Field(max_length=200)
    id_number: Text = Field("", max_length=64)
    phone: Text = Field("", max_length=64)
    population_type: str = Field(PopulationType.REGISTERED, max_length=32)
    hukou_address: Text = Field("", max_length=400)
    school: Text = Field("", max_length=200)
    house_id: Id
    relation: str = Field(Relation.FAMILY, max_length=32)
    moved_in: Date | None = None
    special_groups: list[Text] = Field(default_factory=list, max_length=20)
    community_roles: list[Text] = Field(default_factory=list, max_length=10)
    notes: Text = Field("", max_length=2000)


class RevealIn(Schema):
    field: Literal["id_number", "phone"]
    purpose_code: PurposeCode = ""
    purpose: PurposeText = ""


class RevealOut(Schema):
    field: str
    value: str


# --- presenting ---------------------------------------------------------------------------

def short_address(house: Place | None) -> str:
    """Compound, building, unit and room from an already-joined chain of parents."""
    names: list[str] = []
    place = house
    while place is not None and place.level in ADDRESS_LEVELS:
        names.append(place.name)
        if place.level == Level.COMPOUND:
            break
        place = place.parent
    return "".join(reversed(names))


def person_item(card: PersonCard) -> dict[str, Any]:
    person = card.person
    return {
        "id": person.pk, "name": person.name, "sex": person.sex, "age": card.age,
        "population_type": person.population_type, "id_masked": card.id_masked,
        "phone_masked": card.phone_masked, "house_id": person.current_house_id,
        "address": short_address(person.current_house), "community_roles": list(person.community_roles),
        "special_groups": card.special_groups,
    }


def person_detail(card: PersonCard, user: Any, today: datetime.date) -> dict[str, Any]:
    person = card.person
    residences = list(Residence.objects.restrict(user, "people.view")
                      .filter(person=person, moved_out__isnull=True)
                      .select_related("house__parent__parent__parent").order_by("pk"))
    return {
        **person_item(card),
        "hukou_address": person.hukou_address,
        "school": person.school,
        "hukou_matches_residence": person.hukou_matches_residence,
        "can_reveal": card.can_reveal,
        "can_change": card.can_change,
        "residences": [
            {"id": r.pk, "house_id": r.house_id, "address": short_address(r.house), "relation": r.relation,
             "relation_to_head": r.relation_to_head, "household_id": r.household_id, "moved_in": r.moved_in}
            for r in residences
        ],
        "household": household_members(person, [r.household_id for r in residences if r.household_id],
                                       user, today),
    }


def household_members(person: Person, household_ids: list[int], user: Any,
                      today: datetime.date) -> list[dict[str, Any]]:
    """The other current members of the households, as far as the caller may see them."""
    if not household_ids:
        return []
    residences = (Residence.objects.filter(household_id__in=household_ids, moved_out__isnull=True,
                                           person__in=visible_people(user))
                  .exclude(person=person).select_related("person").order_by("household_id", "pk"))
    members = []
    for residence in residences:
        card = person_card(residence.person, user, today)
        members.append({
            "id": residence.person_id, "name": residence.person.name, "sex": residence.person.sex,
            "age": card.age, "relation": residence.relation, "relation_to_head": residence.relation_to_head,
            "id_masked": card.id_masked, "phone_masked": card.phone_masked,
            "special_groups": card.special_groups,
        })
    return members


class Presented:
    """A queryset whose slices come out presented: pagination slices and counts it, and
    only the rows of the requested page are decrypted and masked."""

    def __init__(self, queryset: QuerySet[Person], present: Callable[[Person], dict[str, Any]]) -> None:
        self.queryset = queryset
        self.present = present

    def all(self) -> Self:
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [self.present(person) for person in self.queryset[window]]


def _visible_person(user: Any, person_id: int) -> Person:
    return get_or_404(Person.objects.filter(is_active=True).select_related(HOUSE_CHAIN),
                             user, "people.view", pk=person_id)


# --- endpoints ----------------------------------------------------------------------------

@router.get("/persons", response={200: list[PersonItem], **ERRORS},
            summary="Search residents by name, pinyin initials, last four ID digits, ID or phone")
@route("people.view")
@paginate(Pages, page_size=20)
def list_persons(request: HttpRequest, q: SearchText = "") -> Presented:
    user = api_user(request)
    if not may(user, "people.view"):
        raise PermissionDenied("people.view")
    today = timezone.localdate()
    people = search_people(user, q).select_related(HOUSE_CHAIN)
    return Presented(people, lambda person: person_item(person_card(person, user, today)))


@router.get("/persons/{person_id}", response={200: PersonDetail, **ERRORS},
            summary="One resident, masked, with current residences and household (audited)")
@route("people.view", model=Person, kwarg="person_id")
def get_person(request: HttpRequest, person_id: Id) -> dict[str, Any]:
    user = api_user(request)
    person = _visible_person(user, person_id)
    today = timezone.localdate()
    return person_detail(view_person(person, user, today), user, today)


@router.post("/persons", response={201: PersonDetail, **ERRORS}, summary="Register a resident in a house")
@route("people.change", model=Place, kwarg="house_id", where=Q(level=Level.HOUSE))
def create_person(request: HttpRequest, payload: PersonIn) -> Status:
    user = api_user(request)
    house = get_or_404(Place.objects.filter(level=Level.HOUSE), user, "people.change",
                              pk=payload.house_id)
    data = PersonInput(
        name=payload.name, id_number=payload.id_number, phone=payload.phone,
        population_type=payload.population_type, hukou_address=payload.hukou_address,
        school=payload.school, special_groups=list(payload.special_groups), community_roles=list(payload.community_roles),
        notes=payload.notes,
    )
    # The action's ValidationError keeps lazy messages and codes; the API's error handler
    # renders each one in English and in Chinese.
    person = do_create_person(data, acting_user=user, house=house, relation=payload.relation,
                              moved_in=payload.moved_in)
    today = timezone.localdate()
    return Status(201, person_detail(person_card(person, user, today), user, today))


@router.post("/persons/{person_id}/reveal", response={200: RevealOut, **ERRORS},
             summary="The full ID number or phone, for a stated purpose (audited)")
@route("people.reveal", model=Person, kwarg="person_id")
def reveal(request: HttpRequest, person_id: Id, payload: RevealIn) -> dict[str, str]:
    user = api_user(request)
    try:
        person = _visible_person(user, person_id)
    except Http404:
        refuse_reveal(user, payload.field, "scope", payload.purpose_code, payload.purpose, person_id=person_id)
        raise
    value = do_reveal(person, payload.field, acting_user=user, purpose=payload.purpose,
                      purpose_code=payload.purpose_code)
    return {"field": payload.field, "value": value}


# --- exports (made in the background: linli.downloads) ----------------------------------------

class ExportIn(Schema):
    scope: str = Field(max_length=32, description="code of the street, community, compound … to export")
    kind: Literal["people", "households", "houses", "groups"]
    format: Literal["xlsx", "csv"] = "xlsx"
    purpose_code: PurposeCode = Field("", description=(
        "only for full ID numbers and phones (roles that may reveal them): a lawful purpose's code; without one "
        "they are masked. A list with the full values of more than LINLI_EXPORT_APPROVAL_THRESHOLD people "
        "(500) waits for a second person's approval (status pending)"))
    purpose: PurposeText = ""


@router.post("/exports", response={202: DownloadOut, **ERRORS},
             summary="Ask for a list of an area (made in the background; GET /api/downloads/{id} follows it)")
@route("people.export", model=Place, kwarg="scope", field="code")
def export(request: HttpRequest, payload: ExportIn) -> Status:
    user = api_user(request)
    params = {"kind": payload.kind, "format": payload.format, "purpose_code": payload.purpose_code,
              "purpose": payload.purpose}
    place = Place.objects.restrict(user, "people.export").filter(code=payload.scope).first()
    if place is None:
        refuse_export(user, "scope", code=payload.scope, kind=payload.kind, fmt=payload.format,
                      purpose_code=payload.purpose_code, purpose=payload.purpose)
        raise Http404
    try:
        download = do_request_download("people_list", scope=place, params=params, acting_user=user)
    except PermissionDenied as exc:
        raise Http404 from exc
    download.refresh_from_db()  # made at once when tasks run immediately
    return Status(202, download_out(download))
