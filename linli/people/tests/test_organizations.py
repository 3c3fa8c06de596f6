from __future__ import annotations

from linli.core.models import AuditEvent
from linli.people.models import Organization


def test_register_with_override_through_the_page(street):
    client = street.client_for(street.secretary)
    house = street.house_in(street.grid_building)
    response = client.post("/people/organizations/new/", {"place": house.pk, "name": "试点便利店",
                                                         "uscc": "91310000MA1FL1Y42A"})
    assert response.status_code == 422
    assert not Organization.objects.filter(name="试点便利店").exists()
    response = client.post("/people/organizations/new/", {"place": house.pk, "name": "试点便利店",
                                                         "uscc": "91310000MA1FL1Y42A",
                                                         "override_reason": "早期试点代码，营业执照已核实"})
    assert response.status_code == 302
    org = Organization.objects.get(name="试点便利店")
    assert not org.uscc_checksum_ok
    assert AuditEvent.objects.filter(action="organization.create", object_id=str(org.pk)).exists()
    listing = client.get("/people/organizations/").content.decode()
    assert "试点便利店" in listing


def test_organizations_are_scoped(street):
    far = Organization.objects.filter(path__under=street.other_community.path).first()
    assert far is not None, "the demo street has shops in every community"
    listing = street.client_for(street.secretary).get("/people/organizations/").content.decode()
    assert far.uscc not in listing  # credit codes are unique: no shop of another community shows
    mine = Organization.objects.filter(path__under=street.community.path).first()
    assert mine.uscc in listing
    response = street.client_for(street.secretary).get("/people/organizations/new/", {"place": street.far_building.pk})
    assert response.status_code == 404
