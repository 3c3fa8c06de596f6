"""The supplies pages: a keeper receives, issues and counts on her phone; a second person approves."""

from __future__ import annotations

import pytest

from linli.supplies.models import CountSheet, Lot, Movement, MovementKind, SheetStatus
from linli.supplies.tests.helpers import item, point_at, stock

pytestmark = pytest.mark.django_db


def test_receive_and_issue_through_the_pages(street):
    point = point_at(street)
    client = street.client_for(street.secretary)
    page = client.get(f"/supplies/points/{point.pk}/")
    assert page.status_code == 200 and "社区物资室" in page.content.decode()
    answer = client.post(f"/supplies/points/{point.pk}/move/?do=receive", {
        "receive-item": item().pk, "receive-quantity": "300", "receive-expires_on": "2099-01-01",
        "receive-source": "区应急管理局"})
    assert answer.status_code == 302
    assert Lot.objects.get(point=point).quantity == 300
    too_many = client.post(f"/supplies/points/{point.pk}/move/", {
        "issue-kind": "issue", "issue-item": item().pk, "issue-quantity": "301"})
    assert too_many.status_code == 422 and "库存不足" in too_many.content.decode()
    client.post(f"/supplies/points/{point.pk}/move/", {"issue-kind": "issue", "issue-item": item().pk,
                                                     "issue-quantity": "20", "issue-note": "隔离户"})
    assert Movement.objects.filter(point=point, kind=MovementKind.ISSUE).get().quantity == -20
    index = client.get("/supplies/").content.decode()
    assert "KN95 口罩 280只" in index


def test_stock_taking_on_the_phone_and_four_eyes(street):
    point = point_at(street)
    stock(street, point, 100, days=30)
    keeper = street.client_for(street.secretary)
    started = keeper.post(f"/supplies/points/{point.pk}/count/")
    sheet = CountSheet.objects.get(point=point)
    assert started.url == f"/supplies/counts/{sheet.pk}/"
    line = sheet.lines.get()
    bad = keeper.post(started.url, {f"line-{line.pk}": "很多", "submit": "1"})
    assert bad.status_code == 422 and "整数" in bad.content.decode()
    keeper.post(started.url, {f"line-{line.pk}": "97", "submit": "1"})
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SUBMITTED
    own = keeper.post(started.url, {"decide": "approve"})
    assert own.status_code == 403 and Lot.objects.get(point=point).quantity == 100
    officer = street.client_for(street.street_officer)
    assert "等待您审核的盘点" in officer.get("/supplies/").content.decode()
    officer.post(started.url, {"decide": "approve"})
    assert Lot.objects.get(point=point).quantity == 97
    # the index shows the lot expiring within 60 days
    assert "60 天内到期" in officer.get("/supplies/").content.decode()


def test_who_gets_in(street):
    point = point_at(street)
    far = point_at(street, street.other_community, name="远处")
    assert street.client_for(street.grid_worker).get("/supplies/").status_code == 403
    secretary = street.client_for(street.secretary)
    assert secretary.get(f"/supplies/points/{far.pk}/").status_code == 404
    point.keepers.add(street.volunteer)
    volunteer = street.client_for(street.volunteer)
    assert volunteer.get("/supplies/").status_code == 200
    assert volunteer.get(f"/supplies/points/{point.pk}/").status_code == 200
    assert volunteer.get(f"/supplies/points/{far.pk}/").status_code == 404
