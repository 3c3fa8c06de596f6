"""The rumours API: facts, the queue, the review, the signatures and the release; errors are
4xx with a message, never half-written rows."""

from __future__ import annotations

import json

from linli.rumours.models import Clarification, Fact, Suspect
from linli.rumours.tests.helpers import FLU, expert, media, seed_facts


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_whole_path_over_the_api(street):
    seed_facts(street)
    office = street.client_for(street.secretary)
    facts = office.get("/api/rumours/facts").json()
    assert FLU in {f["claim"] for f in facts} and all(f["signed"] for f in facts)
    made = _post(office, "/api/rumours/queue", {"community_id": street.community.pk,
                                                "text": "大剂量吃抗流感药预防新冠病毒感染，电话13912345678"})
    assert made.status_code == 201
    suspect = made.json()
    assert suspect["claim"] == FLU and suspect["count"] == 1 and "139****5678" in suspect["examples"][0]["text"]
    assert _post(office, f"/api/rumours/queue/{suspect['id']}/review", {"confirm": True}).status_code == 200
    clar = _post(office, f"/api/rumours/queue/{suspect['id']}/clarification", {"title": "辟谣", "body": "不能预防"})
    assert clar.status_code == 201 and clar.json()["missing"] == ["office", "expert", "media"]
    cid = clar.json()["id"]
    for user, party in ((street.secretary, "office"), (expert(street), "expert"), (media(street), "media")):
        answer = _post(street.client_for(user), f"/api/rumours/clarifications/{cid}/sign",
                       {"party": party, "version": 1})
        assert answer.status_code == 200, answer.content
    assert answer.json()["missing"] == []
    released = _post(office, f"/api/rumours/clarifications/{cid}/release", {})
    assert released.status_code == 200 and released.json()["notice_id"]
    again = _post(office, f"/api/rumours/clarifications/{cid}/release", {})
    assert again.status_code == 400 or again.status_code == 422
    assert office.get(f"/api/rumours/queue/{suspect['id']}").json()["status"] == "released"
    assert [s["id"] for s in office.get("/api/rumours/queue?status=released").json()] == [suspect["id"]]


def test_errors_are_clear_and_write_nothing(street):
    seed_facts(street)
    office = street.client_for(street.street_officer)
    bad = _post(office, "/api/rumours/facts", {"area_id": street.community.parent.pk, "claim": "。。。",
                                               "verdict": "false", "explanation": "x", "source": "y"})
    assert bad.status_code in (400, 422) and "claim" in bad.content.decode()
    wrong = _post(office, "/api/rumours/facts", {"area_id": street.community.parent.pk, "claim": "x",
                                                 "verdict": "maybe", "explanation": "x", "source": "y"})
    assert wrong.status_code == 422
    assert Fact.objects.count() == 12
    fact = Fact.objects.order_by("pk").first()
    edited = _post(office, f"/api/rumours/facts/{fact.pk}/edit", {
        "claim": fact.claim, "verdict": "misleading", "explanation": fact.explanation, "source": fact.source,
        "note": "改为误导"})
    assert edited.status_code == 200 and edited.json()["version"] == 2 and not edited.json()["signed"]
    assert _post(street.client_for(street.secretary), f"/api/rumours/facts/{fact.pk}/edit", {
        "claim": "x", "verdict": "false", "explanation": "x", "source": "y"}).status_code == 404
    secretary = street.client_for(street.secretary)
    far = _post(secretary, "/api/rumours/queue", {"community_id": street.other_community.pk, "text": FLU})
    assert far.status_code == 404 and Suspect.objects.count() == 0
    made = _post(secretary, "/api/rumours/queue", {"community_id": street.community.pk, "text": "听说地铁停运"}).json()
    assert made["fact_id"] is None and made["verdict"] == ""
    dismiss = _post(secretary, f"/api/rumours/queue/{made['id']}/review", {"confirm": False})
    assert dismiss.status_code in (400, 422)  # a dismissal says why
    assert not Clarification.objects.exists()
    stale = _post(secretary, f"/api/rumours/queue/{made['id']}/clarification", {"title": "x", "body": "y"})
    assert stale.status_code in (400, 422) and not Clarification.objects.exists()
    assert street.client_for(street.grid_worker).get("/api/rumours/queue").status_code == 403
