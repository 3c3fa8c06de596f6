"""The pages: the queue, a report by hand, the review, the clarification signed by three parties
and released; the fact base. Scoped: another community's rows are not found."""

from __future__ import annotations

from linli.core.models import AuditEvent
from linli.notices.models import Notice
from linli.rumours.models import Clarification, Fact, Suspect, SuspectStatus
from linli.rumours.tests.helpers import FLU, confirmed, expert, media, seed_facts, sighted


def test_the_queue_shows_one_line_per_claim(street):
    seed_facts(street)
    sighted(street, ["听说吃大剂量的抗流感药就能预防新冠，快去买"] * 30)
    page = street.client_for(street.secretary).get("/rumours/")
    text = page.content.decode()
    assert page.status_code == 200 and text.count(FLU) == 1 and "30" in text
    # the grid worker has no rumours role; the resident neither
    assert street.client_for(street.grid_worker).get("/rumours/").status_code == 403
    assert street.client_for(street.resident).get("/rumours/").status_code == 403


def test_report_by_hand_and_its_errors(street):
    seed_facts(street)
    client = street.client_for(street.secretary)
    page = client.get("/rumours/report/")
    assert page.status_code == 200 and street.community.name in page.content.decode()
    bad = client.post("/rumours/report/", {"community": street.community.pk, "text": "  "})
    assert bad.status_code == 422 and Suspect.objects.count() == 0
    other = client.post("/rumours/report/", {"community": street.other_community.pk, "text": "喝白酒杀病毒"})
    assert other.status_code == 422 and Suspect.objects.count() == 0
    done = client.post("/rumours/report/", {"community": street.community.pk, "text": "喝白酒能杀死新冠病毒！",
                                            "group": "3号楼群"})
    suspect = Suspect.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/rumours/{suspect.pk}/"
    assert suspect.fact.claim == "喝高度白酒能杀死新冠病毒"


def test_from_the_queue_to_the_notice(street):
    suspect = confirmed(street)
    office = street.client_for(street.secretary)
    page = office.get(f"/rumours/{suspect.pk}/")
    assert page.status_code == 200 and "奥司他韦" in page.content.decode()  # the draft from the fact
    office.post(f"/rumours/{suspect.pk}/clarify/", {"title": "辟谣：抗流感药不能预防新冠", "body": "抗流感药不能预防新冠。"})
    clarification = Clarification.objects.get()
    doctor, reporter = expert(street), media(street)
    for user, party in ((street.secretary, "office"), (doctor, "expert"), (reporter, "media")):
        answer = street.client_for(user).post(f"/rumours/clarifications/{clarification.pk}/sign/",
                                              {"party": party, "version": "1"})
        assert answer.status_code == 302
    # the expert cannot sign for the media too
    answer = street.client_for(doctor).post(f"/rumours/clarifications/{clarification.pk}/sign/",
                                            {"party": "media", "version": "1"}, follow=True)
    assert answer.status_code == 404
    page = office.get(f"/rumours/{suspect.pk}/").content.decode()
    assert page.count("✓") == 3 and "/release/" in page
    office.post(f"/rumours/clarifications/{clarification.pk}/release/", {"category": "epidemic"})
    clarification.refresh_from_db()
    notice = Notice.objects.get(pk=clarification.notice_id)
    assert notice.shortened and notice.status == "checking"
    assert Suspect.objects.get().status == SuspectStatus.RELEASED
    assert AuditEvent.objects.filter(action="rumours.release").count() == 1
    assert 'id="notice-changed"' not in office.get(f"/rumours/{suspect.pk}/").content.decode()
    # sent back by the fact-checker and revised there: the page says it is not the signed text any more
    Notice.objects.filter(pk=notice.pk).update(body="另一段文字")
    assert 'id="notice-changed"' in office.get(f"/rumours/{suspect.pk}/").content.decode()


def test_another_communitys_suspect_is_not_found(street):
    seed_facts(street)
    sighted(street, [FLU], community=street.other_community)
    suspect = Suspect.objects.get()
    assert street.client_for(street.secretary).get(f"/rumours/{suspect.pk}/").status_code == 404
    assert street.client_for(street.street_officer).get(f"/rumours/{suspect.pk}/").status_code == 200


def test_the_fact_base_pages(street):
    client = street.client_for(street.street_officer)
    assert client.get("/rumours/facts/new/").status_code == 200
    bad = client.post("/rumours/facts/new/", {"area": street.community.parent.pk, "claim": "", "verdict": "false",
                                              "explanation": "x", "source": "y"})
    assert bad.status_code == 422 and Fact.objects.count() == 0
    done = client.post("/rumours/facts/new/", {"area": street.community.parent.pk, "claim": FLU, "verdict": "false",
                                               "explanation": "不能预防", "source": "区卫健委"})
    fact = Fact.objects.get()
    assert done.status_code == 302 and not fact.signed
    # the writer cannot sign off her own fact; the expert can
    assert "Sign off" not in client.get(f"/rumours/facts/{fact.pk}/").content.decode()
    doctor = street.client_for(expert(street))
    doctor.post(f"/rumours/facts/{fact.pk}/sign-off/")
    fact.refresh_from_db()
    assert fact.signed
    client.post(f"/rumours/facts/{fact.pk}/edit/", {"claim": FLU, "verdict": "false", "explanation": "不能预防，有害",
                                                    "source": "区卫健委", "note": "补充"})
    fact.refresh_from_db()
    assert fact.version == 2 and not fact.signed
    listing = street.client_for(street.secretary).get("/rumours/facts/?q=抗流感")
    assert FLU in listing.content.decode()
    # the secretary sees the street's fact but may not edit it
    assert street.client_for(street.secretary).post(f"/rumours/facts/{fact.pk}/edit/", {}).status_code == 404
