"""Tasks and visits over the API, scoped like the pages, with bilingual errors."""

from __future__ import annotations

import datetime
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.grids.models import Grid
from linli.tasks.models import ItemStatus, Task, TaskItem, VisitPlan
from linli.tasks.tests.helpers import elder_in, item_in, jpeg, plan_for, push_buildings


def _post(client, url: str, body: dict) -> object:
    return client.post(url, json.dumps(body, default=str), content_type="application/json")


def test_push_down_and_follow_progress(street):
    secretary = street.client_for(street.secretary)
    due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    body = {"title": "楼道消防检查", "target_kind": "buildings", "areas": [street.community.pk], "due_on": due,
            "checklist": ["通道畅通"]}
    response = _post(secretary, "/api/tasks", body)
    assert response.status_code == 201, response.content
    task = response.json()
    assert task["counts"]["total"] == TaskItem.objects.filter(task_id=task["id"]).count() > 0
    # another community's area, or one that does not exist: the same refusal, naming the field
    for areas in ([street.other_community.pk], [999_999]):
        refused = _post(secretary, "/api/tasks", {**body, "areas": areas})
        assert refused.status_code == 422
        detail = refused.json()["detail"][0]
        assert detail["loc"] == ["body", "areas"] and detail["code"] == "not_in_area" and detail["msg_zh"]
    bad = _post(secretary, "/api/tasks", {**body, "due_on": "2020-01-01"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["code"] == "due_past"
    assert _post(street.client_for(street.grid_worker), "/api/tasks", body).status_code == 403
    assert Task.objects.count() == 1

    # the grid worker's progress and items are her grid's share
    worker = street.client_for(street.grid_worker)
    progress = worker.get(f"/api/tasks/{task['id']}/progress").json()
    grid = Grid.objects.get(places=street.grid_building)
    assert [g["grid_id"] for g in progress["grids"]] == [grid.pk]
    items = worker.get(f"/api/tasks/{task['id']}/items").json()
    assert items["count"] == progress["total"]["total"]
    assert all(item["grid_id"] == grid.pk for item in items["items"])
    everyone = secretary.get(f"/api/tasks/{task['id']}/progress").json()
    assert everyone["total"]["total"] == task["counts"]["total"] and len(everyone["grids"]) > 1


def test_tick_and_photo_over_the_api(street):
    task = push_buildings(street.secretary, street.community, checklist=["通道畅通", "灭火器有效"])
    mine, theirs = item_in(task, street.grid_building), item_in(task, street.other_grid_building)
    worker = street.client_for(street.grid_worker)
    response = _post(worker, f"/api/tasks/items/{mine.pk}", {"status": "done", "answers": [True, True]})
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert _post(worker, f"/api/tasks/items/{theirs.pk}", {"status": "done"}).status_code == 404
    wrong = _post(worker, f"/api/tasks/items/{mine.pk}", {"status": "could_not"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "note"]
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    refused = worker.post(f"/api/tasks/items/{mine.pk}/photo", {"photo": fake})
    assert refused.status_code == 422 and refused.json()["detail"][0]["code"] == "not_image"
    photo = SimpleUploadedFile("photo.jpg", jpeg(), content_type="image/jpeg")
    response = worker.post(f"/api/tasks/items/{mine.pk}/photo", {"photo": photo})
    assert response.status_code == 200
    url = response.json()["photo_url"]
    assert worker.get(url)["Content-Type"] == "image/jpeg"
    item = TaskItem.objects.get(pk=mine.pk)
    assert item.status == ItemStatus.DONE and item.answers == [True, True]  # the photo kept the tick


def test_visits_over_the_api(street):
    house = street.house_in(street.grid_building)
    elder_in(street, house)
    plan = plan_for(house)
    other = street.house_in(street.other_grid_building)
    elder_in(street, other)
    theirs = plan_for(other)
    worker = street.client_for(street.grid_worker)
    due = worker.get("/api/visits/due").json()
    assert plan.pk in [row["id"] for row in due] and theirs.pk not in [row["id"] for row in due]
    row = next(r for r in due if r["id"] == plan.pk)
    assert row["reasons"] == ["alone_elder"] and row["interval_days"] == 7
    response = _post(worker, "/api/visits", {"plan_id": plan.pk, "outcome": "met", "needs_found": True,
                                             "observations": "需要送药"})
    assert response.status_code == 201
    visit = response.json()
    assert visit["request_url"] == f"/requests/new/?house={house.pk}&person={plan.person_id}&source=visit"
    assert visit["next_due_on"] == (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    assert _post(worker, "/api/visits", {"plan_id": theirs.pk, "outcome": "met"}).status_code == 404
    assert worker.get(f"/api/visits/plans/{plan.pk}").json()["visits"][0]["observations"] == "需要送药"

    secretary = street.client_for(street.secretary)
    levels = secretary.get(f"/api/visits/levels?community={street.community.pk}").json()
    assert levels["levels"]["alone_elder"] == 7 and levels["plans"] >= 2
    changed = _post(secretary, "/api/visits/levels", {"community": street.community.pk, "levels": {"alone_elder": 14}})
    assert changed.status_code == 200 and changed.json()["levels"]["alone_elder"] == 14
    assert VisitPlan.objects.get(pk=plan.pk).interval_days == 14
    assert _post(secretary, "/api/visits/levels", {"community": street.community.pk,
                                                   "levels": {"alone_elder": 5}}).status_code == 422
    assert _post(secretary, "/api/visits/levels", {"community": street.other_community.pk,
                                                   "levels": {"alone_elder": 14}}).status_code == 404
    assert secretary.get(f"/api/visits/levels?community={street.other_community.pk}").status_code == 404
    workload = secretary.get("/api/visits/workload?days=30").json()
    grid = Grid.objects.get(places=street.grid_building)
    mine = next(load for load in workload if load["grid_id"] == grid.pk)
    assert any(w["visits"] == 1 and w["needs_found"] == 1 for w in mine["workers"])
    assert street.client_for(street.health_officer).get("/api/visits/due").status_code == 403
