"""The pages and the API: the office drafts and opens a consultation, a resident takes part on
her page and through the API, other residents see her only by her alias, a resident of another
community gets a 404, bad input never a 500."""

from __future__ import annotations

import datetime
import json

from django.urls import reverse
from django.utils import timezone

from linli.consult import actions
from linli.consult.models import Comment, Consultation, Participant, Proposal, Stance, Status
from linli.consult.tests.helpers import opened, people_in, resident


def test_the_office_drafts_opens_and_closes(street):
    today = timezone.localdate()
    start, end = today.isoformat(), (today + datetime.timedelta(days=20)).isoformat()
    client = street.client_for(street.secretary)
    assert client.get(reverse("consult:new")).status_code == 200
    bad = client.post(reverse("consult:new"), {"title": "", "sections": "没有标题的内容"})
    assert bad.status_code == 422
    answer = client.post(reverse("consult:new"), {
        "title": "停车管理办法", "summary": "请提意见", "area": street.community.pk, "opens_on": start,
        "closes_on": end, "threshold": "5",
        "sections": "# 第一条 车位\n每户一个车位。\n\n# 第二条 收费\n每月 200 元。"})
    assert answer.status_code == 302
    consultation = Consultation.objects.get(title="停车管理办法")
    assert [s.title for s in consultation.sections.order_by("number")] == ["第一条 车位", "第二条 收费"]
    too_long = client.post(reverse("consult:revise", kwargs={"pk": consultation.pk}), {
        "title": "停车管理办法", "summary": "请提意见", "area": street.community.pk, "opens_on": start,
        "closes_on": (today + datetime.timedelta(days=120)).isoformat(), "threshold": "5", "sections": "# 一\n二"})
    assert too_long.status_code == 422 and "90" in too_long.content.decode()
    client.post(reverse("consult:open", kwargs={"pk": consultation.pk}))
    consultation.refresh_from_db()
    assert consultation.status == Status.OPEN
    page = client.get(reverse("consult:detail", kwargs={"pk": consultation.pk}))
    assert page.status_code == 200 and "第二条 收费" in page.content.decode()
    assert client.get(reverse("notices:list")).content.decode().count(reverse("consult:list")) == 1


def test_a_resident_takes_part_on_her_page(street):
    consultation = opened(street, threshold=1)
    section = consultation.sections.first()
    client = street.client_for(street.resident)
    assert reverse("consult:mine") in client.get(reverse("notices:mine")).content.decode()
    assert consultation.title in client.get(reverse("consult:mine")).content.decode()
    url = reverse("consult:take_part", kwargs={"pk": consultation.pk})
    assert client.get(url).status_code == 200
    assert client.post(url, {"what": "section", "id": section.pk, "stance": "support"}).status_code == 302
    assert client.post(url, {"what": "comment", "id": section.pk, "text": "车位太少"}).status_code == 302
    assert client.post(url, {"what": "propose", "title": "增加充电桩", "text": "地面增加充电桩"}).status_code == 302
    proposal = Proposal.objects.get(consultation=consultation)
    assert client.post(url, {"what": "proposal", "id": proposal.pk, "stance": "support"}).status_code == 302
    for junk in ({"what": "section", "id": "abc"}, {"what": "x"}, {"what": "comment", "id": section.pk, "text": ""},
                 {"what": "proposal", "id": 10**12}):
        assert client.post(url, junk).status_code == 302
    section.refresh_from_db()
    proposal.refresh_from_db()
    assert (section.supports, proposal.supports) == (1, 1)
    assert Comment.objects.filter(consultation=consultation).count() == 1
    # a neighbour sees her comment under her alias, never her name
    neighbour = resident(people_in(street.community, 1, exclude=(street.resident.person_id,))[0])
    page = street.client_for(neighbour).get(url).content.decode()
    alias = Participant.objects.get(consultation=consultation).alias
    assert "车位太少" in page and alias in page and street.resident.person.name not in page
    # the answer reaches her page
    actions.do_close(consultation, acting_user=street.secretary)
    actions.do_answer(proposal, "accepted", "将增加 10 个充电桩", acting_user=street.secretary)
    mine = client.get(reverse("consult:mine")).content.decode()
    assert "新答复" in mine or "new answer" in mine
    assert "将增加 10 个充电桩" in client.get(url).content.decode()
    # a resident of another community: not found
    far = resident(people_in(street.other_community, 1)[0])
    assert street.client_for(far).get(url).status_code == 404


def test_the_report_pages(street):
    consultation = opened(street, threshold=1)
    actions.do_comment(consultation.sections.first(), "停车位太少", acting_user=street.resident)
    actions.do_close(consultation, acting_user=street.secretary)
    for user in (street.secretary, street.street_officer):
        client = street.client_for(user)
        page = client.get(reverse("consult:report", kwargs={"pk": consultation.pk}))
        assert page.status_code == 200 and "停车位太少" in page.content.decode()
        xlsx = client.get(reverse("consult:report_xlsx", kwargs={"pk": consultation.pk}))
        assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert street.client_for(street.grid_worker).get(
        reverse("consult:report", kwargs={"pk": consultation.pk})).status_code in (403, 404)


def test_the_api(street):
    consultation = opened(street, threshold=1)
    section = consultation.sections.first()
    client = street.client_for(street.resident)

    def post(url, body):
        return client.post(url, data=json.dumps(body), content_type="application/json")

    base = "/api/consultations"
    assert [c["id"] for c in client.get(f"{base}/mine").json()] == [consultation.pk]
    assert post(f"{base}/sections/{section.pk}/vote", {"stance": "support"}).json()["supports"] == 1
    assert post(f"{base}/sections/{section.pk}/vote", {"stance": "support"}).json()["supports"] == 1
    bad = post(f"{base}/sections/{section.pk}/vote", {"stance": "maybe"})
    assert bad.status_code == 422
    made = post(f"{base}/sections/{section.pk}/comments", {"text": "车位太少"})
    assert made.status_code == 201 and "居民" in made.json()["author"]
    proposal = post(f"{base}/{consultation.pk}/proposals", {"title": "增加充电桩", "text": "地面增加"}).json()
    assert post(f"{base}/proposals/{proposal['id']}/vote", {"stance": Stance.SUPPORT}).json()["supports"] == 1
    assert client.get(f"{base}/{consultation.pk}").status_code == 200
    assert client.get(f"{base}/{consultation.pk}/summary").status_code in (403, 404)
    office = street.client_for(street.secretary)
    summary = office.get(f"{base}/{consultation.pk}/summary").json()
    assert summary["participants"] == 1 and summary["sections"][0]["supports"] == 1
    answered = office.post(f"{base}/proposals/{proposal['id']}/answer",
                           data=json.dumps({"outcome": "accepted", "text": "同意"}), content_type="application/json")
    assert answered.status_code == 200 and answered.json()["outcome"] == "accepted"
    staff_vote = office.post(f"{base}/sections/{section.pk}/vote", data=json.dumps({"stance": "support"}),
                             content_type="application/json")
    assert staff_vote.status_code in (403, 404)
    far = street.client_for(resident(people_in(street.other_community, 1)[0]))
    assert far.get(f"{base}/{consultation.pk}").status_code == 404
    assert far.post(f"{base}/sections/{section.pk}/vote", data=json.dumps({"stance": "support"}),
                    content_type="application/json").status_code == 404


def test_the_home_page_counts_answers_due_and_new_answers(street):
    from linli.consult import today

    consultation = opened(street, threshold=1)
    proposal = actions.do_propose(consultation, "增加充电桩", "地面增加充电桩", acting_user=street.resident)
    assert not list(today.items(street.secretary, None))  # no support yet
    actions.do_vote_proposal(proposal, "support", acting_user=street.resident)
    assert [i.count for i in today.items(street.secretary, None)] == [1]
    actions.do_answer(proposal, "accepted", "同意", acting_user=street.secretary)
    assert not list(today.items(street.secretary, None))
    assert [i.url for i in today.items(street.resident, None)] == [reverse("consult:mine")]
    street.client_for(street.resident).get(reverse("consult:take_part", kwargs={"pk": consultation.pk}))
    assert not list(today.items(street.resident, None))
