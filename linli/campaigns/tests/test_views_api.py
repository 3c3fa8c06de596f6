"""Campaign pages and API: drafting and starting, progress by grid, the grid worker's phone
form, the household's link, the resident's page, the review queue; scoped, with bilingual errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from linli.campaigns import links
from linli.campaigns.actions import do_start_campaign
from linli.campaigns.models import Answer, Campaign, Target, TargetStatus
from linli.campaigns.tests.helpers import GROCERIES, screening, survey
from linli.core import gateways
from linli.tickets.models import Ticket


@pytest.fixture(autouse=True)
def _gateways(settings):
    settings.LINLI_CALL_BACKEND = settings.LINLI_SMS_BACKEND = "locmem"
    gateways._INSTANCES.clear()
    gateways.seed_simulation(3)
    yield
    gateways._INSTANCES.clear()


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_secretary_drafts_and_starts_a_campaign_on_the_pages(street):
    client = street.client_for(street.secretary)
    assert client.get("/campaigns/new/").status_code == 200
    bad = client.post("/campaigns/new/", {"kind": "screening", "title": "摸排", "channels": ["page"],
                                          "places": [street.grid_building.pk], "max_calls": 2, "retry_minutes": 120,
                                          "q1_text": "有没有发烧？", "q1_kind": "yes_no"})
    assert bad.status_code == 422 and "channels" in bad.content.decode() or "渠道" in bad.content.decode()
    made = client.post("/campaigns/new/", {
        "kind": "screening", "title": "返乡人员摸排", "channels": ["knock"], "places": [street.grid_building.pk],
        "max_calls": 2, "retry_minutes": 120, "q1_text": "最近有没有发烧？", "q1_kind": "yes_no",
        "q1_keywords": "发烧,发热", "q2_text": "体温多少度？", "q2_kind": "temperature", "q2_effect": "checkin"})
    assert made.status_code == 302, made.content.decode()[:2000]
    campaign = Campaign.objects.get(title="返乡人员摸排")
    assert [q.keywords for q in campaign.questions.all()] == [["发烧", "发热"], []]
    assert client.post(f"/campaigns/{campaign.pk}/start/").status_code == 302
    page = client.get(f"/campaigns/{campaign.pk}/")
    assert page.status_code == 200 and "hx-get" in page.content.decode()
    assert Target.objects.filter(campaign=campaign, status=TargetStatus.KNOCK).count() == campaign.households
    assert client.get(f"/campaigns/{campaign.pk}/progress/").status_code == 200
    assert street.client_for(street.grid_worker).post(f"/campaigns/{campaign.pk}/finish/").status_code == 404


def test_the_grid_worker_answers_a_knock_on_her_phone(street):
    campaign = screening(street.secretary, [street.grid_building, street.other_grid_building], channels=["knock"])
    do_start_campaign(campaign, acting_user=street.secretary)
    worker = street.client_for(street.grid_worker)
    listing = worker.get("/campaigns/work/").content.decode()
    mine = Target.objects.filter(campaign=campaign, path__startswith=street.grid_building.path).first()
    other = Target.objects.filter(campaign=campaign, path__startswith=street.other_grid_building.path).first()
    assert f"/campaigns/households/{mine.pk}/" in listing and f"/campaigns/households/{other.pk}/" not in listing
    assert worker.get(f"/campaigns/households/{other.pk}/").status_code == 404
    wrong = worker.post(f"/campaigns/households/{mine.pk}/", {"q1": "no", "q2": "99", "outcome": "answered"})
    assert wrong.status_code == 422 and "34" in wrong.content.decode()
    done = worker.post(f"/campaigns/households/{mine.pk}/", {"q1": "no", "q2": "36.6", "outcome": "answered"})
    assert done.status_code == 302
    assert Target.objects.get(pk=mine.pk).status == TargetStatus.DONE
    assert Answer.objects.filter(target=mine).count() == 2


def test_a_household_answers_a_survey_by_link_and_on_its_page(street, django_capture_on_commit_callbacks):
    campaign = survey(street.secretary, [street.grid_building])
    with django_capture_on_commit_callbacks(execute=True):
        do_start_campaign(campaign, acting_user=street.secretary)
    target = Target.objects.filter(campaign=campaign).first()
    anyone = Client()
    assert anyone.get("/c/nonsense-0123456789ab/").status_code == 400
    url = f"/c/{links.token(target.pk)}/"
    assert "需要帮忙买菜" in anyone.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert anyone.post(url, {"q1": "yes", "outcome": "answered"}).status_code == 302
    assert Ticket.objects.filter(place=target.house).exists()
    assert anyone.post(url, {"q1": "no", "outcome": "answered"}).status_code == 422  # answered already
    # the API answers the same way, with the same checks
    bad = _post(anyone, "/api/campaigns/answer", {"token": "x-123", "answers": {"1": True}})
    assert bad.status_code == 422


def test_the_resident_sees_open_surveys_beside_her_notices(street):
    person = street.resident.person
    building = person.current_house.parent.parent  # house → unit → building
    campaign = survey(street.street_officer, [building])
    do_start_campaign(campaign, acting_user=street.street_officer)
    client = street.client_for(street.resident)
    assert campaign.title in client.get("/notices/mine/").content.decode()
    target = Target.objects.get(campaign=campaign, house=person.current_house)
    url = f"/campaigns/mine/?survey={links.token(target.pk)}"
    assert client.post(url, {"q1": "no", "outcome": "answered"}).status_code == 302
    target.refresh_from_db()
    assert (target.status, target.answered_via) == ("done", "page")
    assert campaign.title not in client.get("/campaigns/mine/").content.decode()


def test_the_api_creates_starts_reads_and_reviews_in_scope(street):
    client = street.client_for(street.secretary)
    body = {"title": "独居老人买菜需求", "kind": "survey", "channels": ["page", "knock"],
            "places": [street.grid_building.pk], "group": "",
            "questions": [{"text": GROCERIES.text, "kind": "yes_no", "effect": "request", "category": "other"}]}
    made = _post(client, "/api/campaigns", body)
    assert made.status_code == 201, made.content
    campaign_id = made.json()["id"]
    assert _post(client, "/api/campaigns", {**body, "channels": ["call"]}).status_code == 422
    far = _post(client, "/api/campaigns", {**body, "places": [street.far_building.pk]})
    assert far.status_code == 422
    assert client.post(f"/api/campaigns/{campaign_id}/start").status_code == 200
    detail = client.get(f"/api/campaigns/{campaign_id}").json()
    assert detail["status"] == "running" and sum(g["households"] for g in detail["grids"]) == detail["households"]
    worker = street.client_for(street.grid_worker)
    work = worker.get("/api/campaigns/work").json()
    target_id = work["items"][0]["id"]
    answered = _post(worker, f"/api/campaigns/households/{target_id}/knock", {"answers": {"1": False}})
    assert answered.status_code == 201, answered.content
    again = _post(worker, f"/api/campaigns/households/{target_id}/knock", {"answers": {"1": False}})
    assert again.status_code == 422
    target = Target.objects.get(pk=target_id)
    answer = Answer.objects.create(target=Target.objects.filter(campaign_id=campaign_id).exclude(pk=target_id).first(),
                                   question=target.campaign.questions.get(), heard="嗯……", confidence=0.2,
                                   needs_review=True, channel="call", path=target.path)
    assert _post(worker, f"/api/campaigns/answers/{answer.pk}/review", {"value": True}).status_code == 404
    reviewed = _post(client, f"/api/campaigns/answers/{answer.pk}/review", {"value": "no"})
    assert reviewed.status_code == 200 and reviewed.json()["value"] is False
    page = client.get(f"/campaigns/{campaign_id}/review/")
    assert page.status_code == 200


def test_the_households_links_go_out_in_one_batch_each_audited(street, django_capture_on_commit_callbacks):
    from linli.core import gateways
    from linli.core.models import AuditEvent

    campaign = survey(street.secretary, [street.grid_building])
    gateways.outbox.clear()
    before = AuditEvent.objects.filter(action="gateway.sms").count()
    with django_capture_on_commit_callbacks(execute=True):
        do_start_campaign(campaign, acting_user=street.secretary)
    texts = [m for m in gateways.outbox if "请点击链接回答几个问题" in m.text]
    assert texts, "the start sends the links"
    assert links.send(campaign.pk) == len(texts)  # sent again on demand: same households, same count
    tokens = {m.text.rsplit("/c/", 1)[1].strip("/") for m in texts}
    assert len(tokens) == len(texts)  # one household, one link
    assert AuditEvent.objects.filter(action="gateway.sms").count() - before == 2 * len(texts)
