from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.core.validators import id_check_digit
from linli.people import actions
from linli.people.actions import PersonInput
from linli.people.models import Household, Person, Residence, SpecialGroup


def make_id(body17="31011519800101123"):
    return body17 + id_check_digit(body17)


def test_create_person_derives_and_protects(street):
    house = street.house_in(street.grid_building)
    person = actions.do_create_person(
        PersonInput(name="  张  晓明 ", id_number=make_id(), phone="+86 138-1234-5678",
                    special_groups=[SpecialGroup.DISABLED]),
        acting_user=street.grid_worker, house=house)
    person.refresh_from_db()
    assert person.name == "张 晓明"
    assert person.name_initials == "zxm"
    assert person.sex == "M" and str(person.birth_date) == "1980-01-01"
    assert person.phone == "+8613812345678"
    assert person.path == house.path
    assert Residence.objects.filter(person=person, house=house).exists()
    assert Household.objects.filter(house=house).exists()
    assert AuditEvent.objects.filter(action="person.create", object_id=str(person.pk)).exists()


def test_create_reports_every_bad_field(street):
    house = street.house_in(street.grid_building)
    bad_id = make_id()[:-1] + ("0" if make_id()[-1] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        actions.do_create_person(PersonInput(name="", id_number=bad_id, phone="12345"),
                                 acting_user=street.grid_worker, house=house)
    assert set(info.value.message_dict) == {"name", "id_number", "phone"}


def test_duplicate_id_refused(street):
    existing = Person.objects.exclude(id_number="").filter(path__startswith=street.grid_building.path).first()
    with pytest.raises(ValidationError) as info:
        actions.do_create_person(PersonInput(name="重复", id_number=existing.id_number),
                                 acting_user=street.grid_worker, house=street.house_in(street.grid_building))
    assert "id_number" in info.value.message_dict


def test_cannot_create_outside_scope(street):
    with pytest.raises(PermissionDenied):
        actions.do_create_person(PersonInput(name="某人"), acting_user=street.grid_worker,
                                 house=street.house_in(street.far_building))


def test_health_officer_cannot_set_groups(street):
    with pytest.raises(PermissionDenied):
        actions.do_create_person(PersonInput(name="某人", special_groups=[SpecialGroup.DISABLED]),
                                 acting_user=street.health_officer, house=street.house_in(street.grid_building))


@pytest.mark.parametrize("query_of", [
    lambda p: p.name,
    lambda p: p.name_initials,
    lambda p: p.id_number[-4:],
    lambda p: p.id_number,
    lambda p: p.phone.removeprefix("+86"),
    # typed on a Chinese keyboard: full-width digits
    lambda p: p.phone.removeprefix("+86").translate(str.maketrans("0123456789", "０１２３４５６７８９")),
])
def test_search_finds_by_every_key(street, query_of):
    person = Person.objects.filter(path__startswith=street.grid_building.path).exclude(id_number="").exclude(
        phone="").first()
    found = actions.search_people(street.grid_worker, query_of(person))
    assert person in found
    assert all(p.path.startswith(street.grid_building.path.rsplit("/", 3)[0]) for p in found[:50])


def test_search_is_scoped(street):
    outside = Person.objects.filter(path__startswith=street.far_building.path).exclude(id_number="").first()
    assert not actions.search_people(street.grid_worker, outside.id_number).exists()
    assert actions.search_people(street.street_officer, outside.id_number).get() == outside


def test_reveal_needs_purpose_and_is_audited(street):
    person = Person.objects.filter(path__startswith=street.grid_building.path).exclude(id_number="").first()
    with pytest.raises(ValidationError):
        actions.do_reveal(person, "id_number", acting_user=street.grid_worker, purpose="")
    value = actions.do_reveal(person, "id_number", acting_user=street.grid_worker, purpose="核对申请材料",
                              purpose_code="social_assistance")
    assert value == person.id_number
    event = AuditEvent.objects.filter(action="person.reveal").latest("seq")
    assert event.purpose == "社会救助（低保、特困）：核对申请材料" and event.actor == street.grid_worker
    assert event.detail["purpose_code"] == "social_assistance" and event.outcome == "ok"


def test_reveal_refused_outside_scope_is_audited(street):
    person = Person.objects.filter(path__startswith=street.far_building.path).first()
    with pytest.raises(PermissionDenied):
        actions.do_reveal(person, "phone", acting_user=street.grid_worker, purpose="just curious")
    assert AuditEvent.objects.filter(action="person.reveal", outcome="denied").exists()


def test_card_masks_and_hides_groups_from_health(street):
    person = next(p for p in Person.objects.filter(path__startswith=street.grid_building.path)
                  if p.special_groups and p.id_number)
    import datetime
    card = actions.person_card(person, street.health_officer, datetime.date(2026, 11, 1))
    assert card.special_groups is None
    assert card.id_masked == person.id_number[:6] + "*" * 8 + person.id_number[-4:]
    assert actions.person_card(person, street.grid_worker, datetime.date(2026, 11, 1)).special_groups


def test_organization_checksum_override(street):
    place = street.grid_building
    with pytest.raises(ValidationError):
        actions.do_register_organization(acting_user=street.secretary, name="试点单位", place=place,
                                         uscc="91310000MA1FL1Y42A")
    org = actions.do_register_organization(acting_user=street.secretary, name="试点单位", place=place,
                                           uscc="91310000MA1FL1Y42A", override_reason="早期试点代码，已核实营业执照")
    assert org.uscc_checksum_ok is False
    event = AuditEvent.objects.filter(action="organization.create").latest("seq")
    assert event.detail["uscc_override"].startswith("早期试点")


def test_given_name_found_anywhere_in_the_name_but_only_in_scope(street):
    person = next(p for p in Person.objects.filter(path__under=street.grid_building.path) if len(p.name) >= 3)
    given = person.name[1:]
    found = list(actions.search_people(street.grid_worker, given))
    assert person in found
    assert all(p.name.find(given) >= 0 for p in found)
    outside = next(p for p in Person.objects.filter(path__under=street.far_building.path) if len(p.name) >= 3)
    assert outside not in actions.search_people(street.grid_worker, outside.name[1:])
    assert outside in actions.search_people(street.street_officer, outside.name[1:])


def test_prefix_searches_come_in_byte_order_of_their_column_then_id(street):
    """The order the ordered indexes give on PostgreSQL (people 0004), the same as SQLite's."""
    person = Person.objects.filter(path__startswith=street.grid_building.path).exclude(name_initials="").first()
    for query, column in ((person.name_initials[:1], "name_initials"), (person.name[:1], "name")):
        found = list(actions.search_people(street.street_officer, query)[:200])
        assert found
        keys = [(getattr(p, column).encode(), p.pk) for p in found]
        assert keys == sorted(keys)
