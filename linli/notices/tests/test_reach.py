"""Reach counts kept current with every change, confirmations in batches (action and API), the
gateway's batch sending, the reach table refreshed live, the review over the API, how a
community's elders are reached, and a notice's pictures and PDF files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Q
from django.test import Client
from django.urls import reverse

from linli.core import gateways
from linli.core.models import AuditEvent, PushEvent
from linli.notices import actions, channels, live, queries, tokens
from linli.notices.models import (
    ElderContact,
    Notice,
    NoticeDocument,
    NoticeHousehold,
    NoticeImage,
    ReachCount,
    Receipt,
    Status,
    Via,
)
from linli.notices.tests.helpers import draft, published, worker
from linli.people.models import Person
from linli.tasks.tests.helpers import jpeg

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _counts(notice: Notice) -> dict[tuple[str, int | None], tuple[int, ...]]:
    """The kept counts, and below the same figures grouped from the households."""
    return {(r.path, r.grid_id): (r.households, r.reached, r.reread, r.link, r.poster, r.knock, r.page, r.call)
            for r in ReachCount.objects.filter(notice=notice)}


def _grouped(notice: Notice) -> dict[tuple[str, int | None], tuple[int, ...]]:
    rows = (NoticeHousehold.objects.filter(notice=notice).values("building_path", "grid_id")
            .annotate(n=Count("pk"), reached=Count("pk", filter=Q(reached_at__isnull=False)),
                      reread=Count("pk", filter=Q(reread=True)),
                      **{v: Count("pk", filter=Q(reached_via=v)) for v in ("link", "poster", "knock", "page", "call")}))
    return {(r["building_path"], r["grid_id"]): (r["n"], r["reached"], r["reread"], r["link"], r["poster"], r["knock"],
                                                 r["page"], r["call"]) for r in rows}


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_reach_counts_follow_every_change_as_the_households_do(street):
    notice = published(street, [street.grid_building, street.other_grid_building])
    assert _counts(notice) == _grouped(notice) and len(_counts(notice)) == 2
    first, second, third, fourth = NoticeHousehold.objects.filter(notice=notice).order_by("pk")[:4]
    actions.do_confirm(first, via=Via.LINK)
    actions.do_confirm(first, via=Via.LINK)  # again: nothing more
    actions.do_confirm(second, via=Via.POSTER)
    actions.do_record_attempt(third, via=Via.KNOCK, outcome="not_home", acting_user=street.grid_worker)
    actions.do_record_attempt(third, via=Via.KNOCK, outcome="informed", acting_user=street.grid_worker)
    assert _counts(notice) == _grouped(notice)
    actions.do_correct(notice, acting_user=street.secretary, title="停水通知（更正）", body="改为9:00至15:00停水。",
                       reason="时间有误")
    assert _counts(notice) == _grouped(notice)
    assert sum(r.reread for r in ReachCount.objects.filter(notice=notice)) == 3
    actions.do_confirm_links([first.pk, fourth.pk, first.pk])  # the same household twice in one batch
    assert _counts(notice) == _grouped(notice)
    reach = queries.reach(street.secretary, notice)
    assert (reach.total.reached, reach.total.reread) == (4, 2)
    assert reach.by_via == {"link": 2, "poster": 1, "knock": 1}
    # a grid worker's reach is her grid's buildings only
    mine = queries.reach(street.grid_worker, notice)
    assert mine.total.households == NoticeHousehold.objects.filter(
        notice=notice, building_path=street.grid_building.path).count() < reach.total.households


def test_refreshing_counts_again_what_was_changed_in_bulk(street):
    notice = published(street, [street.grid_building])
    NoticeHousehold.objects.filter(notice=notice).update(reached_via="link", reached_at=notice.published_at)
    actions.refresh_reach_counts(notice)
    assert _counts(notice) == _grouped(notice)
    assert queries.reach(street.secretary, notice).total.percent == 100


def test_a_batch_of_confirmations_is_one_insert_of_audit_events_and_answers_each(street):
    notice = published(street, [street.grid_building])
    ids = list(NoticeHousehold.objects.filter(notice=notice).order_by("pk").values_list("pk", flat=True))
    before = AuditEvent.objects.filter(action="notices.confirm").count()
    done = actions.do_confirm_links([ids[0], ids[1], 10**9, ids[0]])
    assert [(bool(d.receipt), d.new, d.code) for d in done] == [
        (True, True, ""), (True, True, ""), (False, False, "unknown"), (True, False, "")]
    assert done[3].receipt == done[0].receipt
    assert AuditEvent.objects.filter(action="notices.confirm").count() == before + 2
    assert Receipt.objects.filter(notice=notice, via=Via.LINK).count() == 2
    with pytest.raises(ValidationError):
        actions.do_confirm_links(list(range(1, actions.CONFIRM_BATCH + 2)))
    actions.do_withdraw(notice, acting_user=street.secretary, reason="停水取消")
    assert [d.code for d in actions.do_confirm_links([ids[2]])] == ["withdrawn"]


def test_the_batch_endpoint_confirms_many_tokens_and_refuses_bad_ones_alone(street):
    notice = published(street, [street.grid_building])
    ids = list(NoticeHousehold.objects.filter(notice=notice).order_by("pk").values_list("pk", flat=True))
    good = [tokens.household_token(pk) for pk in ids[:3]]
    anonymous = Client()
    answer = _post(anonymous, "/api/notices/confirm/batch", {"tokens": [*good, "1-000000000000", good[0]]})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["recorded"], body["already"], body["refused"]) == (3, 1, 1)
    assert [r["outcome"] for r in body["results"]] == ["recorded"] * 3 + ["refused", "already"]
    assert body["results"][3]["code"] == "bad_token" and body["results"][3]["receipt"] is None
    assert NoticeHousehold.objects.filter(notice=notice, reached_at__isnull=False).count() == 3
    for bad in ({"tokens": []}, {"tokens": ["x"] * (actions.CONFIRM_BATCH + 1)}, {"tokens": "abc"}, {}):
        refused = _post(anonymous, "/api/notices/confirm/batch", bad)
        assert refused.status_code == 422, bad
    assert anonymous.post("/api/notices/confirm/batch", b"{", content_type="application/json").status_code in (400, 422)


def test_sending_in_batches_audits_every_message_in_one_insert(street):
    gateways.outbox.clear()
    items = [gateways.Outgoing("13812345678", "通知一", street.community.path),
             gateways.Outgoing("not a number", "通知二", street.community.path),
             gateways.Outgoing("13912345678", "", street.community.path)]
    before = AuditEvent.objects.filter(action="gateway.sms").count()
    results = gateways.send_batch(gateways.SMS, items, purpose="notice to households (通知送达)")
    assert isinstance(results[0], str) and results[0]
    assert all(isinstance(r, gateways.GatewayError) for r in results[1:])
    assert [m.to for m in gateways.outbox] == ["13812345678"]
    [event] = AuditEvent.objects.filter(action="gateway.sms").order_by("-seq")[: 1]
    assert AuditEvent.objects.filter(action="gateway.sms").count() == before + 1
    assert event.detail["to"] == "138****5678" and event.path == street.community.path
    with pytest.raises(gateways.GatewayError):
        gateways.send_batch(gateways.SMS, items, purpose=" ")
    gateways.outbox.clear()


class Refusing:
    def send(self, message: gateways.Message) -> str:
        raise RuntimeError("provider down")


def test_a_backend_without_a_batch_interface_sends_one_by_one_and_failures_are_audited(street, settings):
    settings.LINLI_SMS_BACKEND = "linli.notices.tests.test_reach.Refusing"
    gateways._INSTANCES.clear()
    try:
        [result] = gateways.send_batch(gateways.SMS, [gateways.Outgoing("13812345678", "通知")], purpose="test")
    finally:
        gateways._INSTANCES.clear()
    assert isinstance(result, gateways.GatewayError) and "provider down" in str(result)
    event = AuditEvent.objects.filter(action="gateway.sms").order_by("-seq").first()
    assert event.outcome == AuditEvent.Outcome.FAILED


def test_a_confirmation_announces_the_reach_live_once_in_a_while(street, django_capture_on_commit_callbacks):
    notice = published(street, [street.grid_building])
    first, second = NoticeHousehold.objects.filter(notice=notice).order_by("pk")[:2]
    live.forget()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_confirm(first, via=Via.LINK)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_confirm(second, via=Via.LINK)  # within the same seconds: not again
    events = list(PushEvent.objects.filter(topic=live.TOPIC))
    assert [(e.payload, e.action, e.path) for e in events] == [
        ({"notice": notice.pk}, "notices.view", first.building_path)]
    live.forget()


def test_the_reach_table_alone_is_served_for_the_page_to_refresh(street):
    notice = published(street, [street.grid_building])
    actions.do_confirm(NoticeHousehold.objects.filter(notice=notice).first(), via=Via.LINK)
    client = street.client_for(street.secretary)
    page = client.get(reverse("notices:detail", kwargs={"pk": notice.pk}))
    assert 'id="notice-reach"' in page.content.decode() and "notices/reach.js" in page.content.decode()
    part = client.get(reverse("notices:reach", kwargs={"pk": notice.pk}))
    assert part.status_code == 200 and part["Cache-Control"] == "no-store"
    assert part.context["reach"].total.reached == 1 and "<html" not in part.content.decode()
    assert street.client_for(street.outsider).get(reverse("notices:reach", kwargs={"pk": notice.pk})).status_code in (
        403, 404)
    waiting = draft(street.secretary, [street.grid_building])
    assert client.get(reverse("notices:reach", kwargs={"pk": waiting.pk})).status_code == 404


def test_the_review_runs_over_the_api_with_the_same_rules(street):
    writer, checker, editor = worker(street, "aw"), worker(street, "ac"), worker(street, "ae")
    notice = draft(writer, [street.grid_building])
    url = f"/api/notices/{notice.pk}"
    as_writer, as_checker = street.client_for(writer), street.client_for(checker)
    assert _post(as_writer, f"{url}/submit", {}).json()["status"] == Status.CHECKING
    own = _post(as_writer, f"{url}/check", {})
    assert own.status_code == 422 and own.json()["detail"][0]["code"] == "own_notice"
    assert _post(as_checker, f"{url}/check", {"comment": "核实"}).json()["status"] == Status.EDITING
    back = _post(street.client_for(editor), f"{url}/send-back", {"comment": "请写明时间"})
    assert back.status_code == 200 and back.json()["status"] == Status.DRAFT
    _post(as_writer, f"{url}/submit", {})
    _post(as_checker, f"{url}/check", {})
    edited = _post(street.client_for(editor), f"{url}/edit", {"title": "停水通知（8:00—14:00）"})
    assert edited.json()["version"] == 2 and edited.json()["status"] == Status.APPROVING
    assert _post(street.client_for(street.outsider), f"{url}/publish", {}).status_code in (403, 404)
    assert _post(street.client_for(street.secretary), f"{url}/publish", {"channels": ["fax"]}).status_code == 422
    published_ = _post(street.client_for(street.secretary), f"{url}/publish", {"channels": []})
    assert published_.status_code == 200 and published_.json()["status"] == Status.PUBLISHED
    assert NoticeHousehold.objects.filter(notice=notice).count() == published_.json()["households"] > 0
    for bad in ({"comment": ""}, {"comment": "x" * 501}, {"comment": "a\x00b"}):
        assert _post(street.client_for(editor), f"{url}/send-back", bad).status_code == 422
    wrong = _post(street.client_for(street.secretary), f"{url}/correct", {"title": "t", "body": "b", "reason": ""})
    assert wrong.status_code == 422
    gone = _post(street.client_for(street.secretary), f"{url}/withdraw", {"reason": "取消"})
    assert gone.json()["status"] == Status.WITHDRAWN
    assert _post(street.client_for(street.secretary), "/api/notices/999999/check", {}).status_code == 404


def _elder_in(street: Any, building: Any) -> Person:
    person = street.person_in(building)
    Person.objects.filter(pk=person.pk).update(birth_date=person.birth_date.replace(year=1930))
    return person


def test_a_community_has_its_elders_called_or_visited_instead_of_texted(street, django_capture_on_commit_callbacks):
    elder = _elder_in(street, street.grid_building)
    client = street.client_for(street.secretary)
    page = client.post(reverse("notices:elders"), {"community": street.community.pk, "elder_contact": "visit"})
    assert page.status_code == 302
    assert client.post(reverse("notices:elders"), {"community": street.community.pk,
                                                   "elder_contact": "fax"}).status_code == 200  # refused, said
    assert street.client_for(street.grid_worker).get(reverse("notices:elders")).status_code == 403
    with pytest.raises(ValidationError):
        actions.do_set_elder_contact(street.grid_building, "call", acting_user=street.secretary)
    notice = published(street, [street.grid_building])
    visited = NoticeHousehold.objects.get(notice=notice, house_id=elder.current_house_id)
    assert visited.contact == ElderContact.VISIT
    assert NoticeHousehold.objects.filter(notice=notice, contact=ElderContact.LINK).exists()
    gateways.outbox.clear()
    counts = channels.send(notice.pk, "sms")
    assert all(tokens.household_token(visited.pk) not in m.text for m in gateways.outbox)
    assert counts["sent"] + counts["no_phone"] == NoticeHousehold.objects.filter(
        notice=notice, contact=ElderContact.LINK).count()
    follow = street.client_for(street.grid_worker).get(reverse("notices:households", kwargs={"pk": notice.pk}))
    assert "elder: visit instead of the link" in follow.content.decode() or "上门" in follow.content.decode()
    api = street.client_for(street.grid_worker).get(f"/api/notices/{notice.pk}/households")
    assert {"visit"} <= {h["contact"] for h in api.json()["items"]}
    # called instead: a voice call goes out on publishing, though no channel was chosen
    actions.do_set_elder_contact(street.community, "call", acting_user=street.secretary)
    gateways.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        called = published(street, [street.grid_building])
    household = NoticeHousehold.objects.get(notice=called, house_id=elder.current_house_id)
    assert household.contact == ElderContact.CALL
    calls = [m for m in gateways.outbox if m.channel == gateways.CALL]
    assert calls and all(tokens.household_token(household.pk) in m.text for m in calls[:1])
    assert len(calls) == NoticeHousehold.objects.filter(notice=called, contact=ElderContact.CALL).count()
    gateways.outbox.clear()


def _files(**files: Any) -> dict[str, Any]:
    return {name: value for name, value in files.items()}


def test_a_draft_carries_pictures_and_pdf_files_shown_wherever_the_notice_is(street):
    writer = worker(street, "fw")
    notice = draft(writer, [street.grid_building])
    client = street.client_for(writer)
    url = reverse("notices:attach", kwargs={"pk": notice.pk})
    client.post(url, {"images": SimpleUploadedFile("map.jpg", jpeg(), content_type="image/jpeg"),
                      "documents": SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")})
    assert NoticeImage.objects.filter(notice=notice).count() == 1
    assert NoticeDocument.objects.get(notice=notice).name == "letter.pdf"
    client.post(url, {"documents": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")})
    client.post(url, {"images": SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")})
    assert NoticeDocument.objects.filter(notice=notice).count() == 1 and NoticeImage.objects.count() == 1
    with pytest.raises(ValidationError) as caught:
        actions.do_attach(notice, acting_user=writer, documents=[("big.pdf", PDF + b"0" * actions.MAX_DOCUMENT_BYTES)])
    assert caught.value.error_dict["documents"][0].code == "document_too_large"
    with pytest.raises(ValidationError):
        actions.do_attach(notice, acting_user=writer, images=[jpeg()] * actions.MAX_IMAGES)
    image, document = NoticeImage.objects.get(notice=notice), NoticeDocument.objects.get(notice=notice)
    listed = client.get(f"/api/notices/{notice.pk}").json()
    assert [p["url"] for p in listed["pictures"]] == [reverse("notices:image", args=[notice.pk, image.pk])]
    assert [(a["name"], a["size"]) for a in listed["attachments"]] == [("letter.pdf", len(PDF))]
    detail = client.get(reverse("notices:detail", kwargs={"pk": notice.pk})).content.decode()
    assert reverse("notices:image", args=[notice.pk, image.pk]) in detail
    shown = client.get(reverse("notices:image", args=[notice.pk, image.pk]))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    pdf = client.get(reverse("notices:document", args=[notice.pk, document.pk]))
    assert pdf.content == PDF and "attachment" in pdf["Content-Disposition"]
    assert street.client_for(street.outsider).get(reverse("notices:image", args=[notice.pk, image.pk])).status_code \
        in (403, 404)
    # published: the households see them through their links, the poster prints the picture
    checker, editor = worker(street, "fc"), worker(street, "fe")
    actions.do_submit(notice, acting_user=writer)
    actions.do_check(notice, acting_user=checker)
    actions.do_edit(notice, acting_user=editor)
    actions.do_publish(notice, acting_user=street.secretary)
    with pytest.raises(ValidationError):
        actions.do_attach(notice, acting_user=writer, images=[jpeg()])
    household = NoticeHousehold.objects.filter(notice=notice).first()
    token = tokens.household_token(household.pk)
    anonymous = Client()
    public = anonymous.get(reverse("notice_link", kwargs={"token": token})).content.decode()
    assert reverse("notice_link_image", args=[token, image.pk]) in public
    assert reverse("notice_link_document", args=[token, document.pk]) in public
    assert anonymous.get(reverse("notice_link_image", args=[token, image.pk])).status_code == 200
    assert anonymous.get(reverse("notice_link_document", args=[token, document.pk])).content == PDF
    assert anonymous.get(reverse("notice_link_image", args=[token[:-1] + "x", image.pk])).status_code == 400
    assert anonymous.get(reverse("notice_link_image", args=[token, image.pk + 1000])).status_code == 404
    posters = street.client_for(street.secretary).get(reverse("notices:posters", kwargs={"pk": notice.pk}))
    assert reverse("notices:image", args=[notice.pk, image.pk]) in posters.content.decode()
    building = tokens.building_token(notice.pk, household.building_path)
    assert anonymous.get(reverse("notice_poster_image", args=[building, image.pk])).status_code == 200


def test_a_picture_comes_off_a_draft(street):
    writer = worker(street, "dw")
    notice = draft(writer, [street.grid_building])
    actions.do_attach(notice, acting_user=writer, images=[jpeg()], documents=[("a.pdf", PDF)])
    image = NoticeImage.objects.get(notice=notice)
    client = street.client_for(writer)
    client.post(reverse("notices:detach", kwargs={"pk": notice.pk}), {"image": image.pk})
    assert not NoticeImage.objects.filter(notice=notice).exists()
    with pytest.raises(ValidationError):
        actions.do_detach(notice, acting_user=writer, image_id=image.pk)
    assert AuditEvent.objects.filter(action="notices.detach", object_id=str(notice.pk)).exists()
