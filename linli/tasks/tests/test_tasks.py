"""Tasks pushed down: targets from the registry, each grid's share, ticking off, closing,
repeating, and photos checked by their content."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from linli.core import photos
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent, RoleAssignment
from linli.grids.models import Grid
from linli.places.models import Level, Place
from linli.tasks import actions, queries
from linli.tasks.models import ItemStatus, Photo, TargetKind, Task, TaskItem, TaskStatus
from linli.tasks.tests.helpers import codes, elder_in, item_in, jpeg, push_buildings


def _today() -> datetime.date:
    return timezone.localdate()


# --- pushing down ----------------------------------------------------------------------------------

def test_a_task_for_elders_living_alone_reaches_their_houses_in_their_grids(street):
    mine, other = street.house_in(street.grid_building), street.house_in(street.other_grid_building)
    elder_in(street, mine, "甲奶奶")
    elder_in(street, other, "乙爷爷")
    elder_in(street, other, "丙奶奶", groups=("disabled",))  # another group: not chosen
    task = actions.do_create_task(actions.TaskInput(
        title="寒潮前走访独居老人", due_on=_today() + datetime.timedelta(days=3),
        target_kind=TargetKind.GROUP_HOUSEHOLDS, groups=["alone_elder"], areas=[street.community],
        checklist=["取暖安全", "", "药品充足"]), acting_user=street.secretary)
    assert task.path == street.community.path and task.checklist == ["取暖安全", "药品充足"]
    items = {i.place_id: i for i in TaskItem.objects.filter(task=task)}
    assert mine.pk in items and other.pk in items
    grids = {g.pk for g in Grid.objects.filter(community=street.community)}
    assert {i.grid_id for i in items.values()} <= grids
    assert items[mine.pk].person.name == "甲奶奶" and items[mine.pk].address.endswith(mine.name)
    assert set(task.grids.values_list("pk", flat=True)) == {i.grid_id for i in items.values()}
    assert AuditEvent.objects.filter(action="task.create", object_id=str(task.pk)).exists()


def test_only_chosen_grids_get_the_task(street):
    grid = Grid.objects.get(places=street.grid_building)
    task = push_buildings(street.secretary, street.community, only_grids=[grid])
    assert set(task.items.values_list("grid_id", flat=True)) == {grid.pk}
    assert list(task.grids.all()) == [grid]


def test_pushing_down_is_checked(street):
    due = _today() + datetime.timedelta(days=3)

    def push(user, **fields):
        data = {"title": "检查", "due_on": due, "target_kind": TargetKind.BUILDINGS, "areas": [street.community],
                **fields}
        return actions.do_create_task(actions.TaskInput(**data), acting_user=user)

    with pytest.raises(PermissionDenied):
        push(street.grid_worker)  # a grid worker ticks tasks off, she does not push them down
    with pytest.raises(PermissionDenied):
        push(street.secretary, areas=[street.other_community])  # not her community
    with pytest.raises(PermissionDenied):
        push(street.health_officer)
    for fields, code in [({"title": "  "}, "required"), ({"due_on": _today() - datetime.timedelta(days=1)}, "due_past"),
                         ({"target_kind": TargetKind.GROUP_HOUSEHOLDS}, "groups"),
                         ({"repeat": "weekly", "due_on": _today() + datetime.timedelta(days=7)}, "due_after_next"),
                         ({"checklist": [f"第{n}项" for n in range(13)]}, "checklist_long"),
                         ({"title": "检查\x00"}, "control_chars"),
                         ({"areas": [street.house_in(street.grid_building)]}, "area_level")]:
        with pytest.raises(ValidationError) as caught:
            push(street.secretary, **fields)
        assert code in codes(caught.value), (fields, caught.value)
    assert not Task.objects.exists()


def test_group_lists_need_the_right_to_see_the_groups(street):
    # A custom role that may push tasks down but not see special groups: a list of "elders
    # living alone" would tell exactly that.
    from linli.core.models import Role

    role = Role.objects.create(code="dispatcher", name="dispatcher", actions=["tasks.view", "tasks.manage"])
    RoleAssignment.objects.create(user=street.outsider, role=role, place=street.community)
    with pytest.raises(PermissionDenied):
        actions.do_create_task(actions.TaskInput(
            title="走访", due_on=_today(), target_kind=TargetKind.GROUP_HOUSEHOLDS, groups=["alone_elder"],
            areas=[street.community]), acting_user=street.outsider)
    task = push_buildings(street.outsider, street.community)  # buildings name nobody
    assert task.items.exists()


# --- each grid's share --------------------------------------------------------------------------------

def test_a_grid_worker_sees_and_ticks_only_her_grids_share(street):
    task = push_buildings(street.street_officer, street.community.parent)
    worker = street.grid_worker
    share = TaskItem.objects.restrict(worker, "tasks.view").filter(task=task)
    assert share.exists() and all(i.path.startswith(street.grid_building.path) for i in share)
    assert Task.objects.restrict(worker, "tasks.view").filter(pk=task.pk).exists()  # pushed to her grid
    progress = queries.progress(worker, task)
    assert [g.grid_id for g in progress.grids] == [Grid.objects.get(places=street.grid_building).pk]
    assert progress.total.total == share.count()
    theirs = item_in(task, street.other_grid_building)
    with pytest.raises(PermissionDenied):
        actions.do_tick_item(theirs, "done", acting_user=worker)
    client = street.client_for(worker)
    assert client.get(f"/tasks/items/{theirs.pk}/").status_code == 404
    assert client.post(f"/tasks/items/{theirs.pk}/", {"status": "done"}).status_code == 404
    assert TaskItem.objects.get(pk=theirs.pk).status == ItemStatus.PENDING
    # a task pushed only to other grids is not hers at all
    elsewhere = push_buildings(street.secretary, street.community,
                               only_grids=[Grid.objects.get(places=street.other_grid_building)])
    assert client.get(f"/tasks/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/tasks/{task.pk}/").status_code == 200


def test_ticking_changes_the_item_and_the_progress(street):
    task = push_buildings(street.secretary, street.community, checklist=["通道畅通", "灭火器有效"])
    item = item_in(task, street.grid_building)
    with pytest.raises(ValidationError) as caught:
        actions.do_tick_item(item, "could_not", acting_user=street.grid_worker)
    assert "note_required" in codes(caught.value)
    with pytest.raises(ValidationError):
        actions.do_tick_item(item, "done", acting_user=street.grid_worker, answers=[True])  # one answer of two
    actions.do_tick_item(item, "done", acting_user=street.grid_worker, note="一楼通道堆物已清理",
                         answers=[True, False])
    item.refresh_from_db()
    assert (item.status, item.done_by, item.answers, item.note) == (ItemStatus.DONE, street.grid_worker,
                                                                    [True, False], "一楼通道堆物已清理")
    progress = queries.progress(street.secretary, task)
    assert (progress.total.done, progress.total.pending) == (1, progress.total.total - 1)
    assert AuditEvent.objects.filter(action="task.tick", object_id=str(item.pk)).exists()
    actions.do_tick_item(item, "pending", acting_user=street.grid_worker)  # a wrong tap, undone
    item.refresh_from_db()
    assert (item.status, item.done_by, item.answers, item.note) == (ItemStatus.PENDING, None, [], "")


def test_a_closed_task_cannot_be_ticked_and_its_page_says_so(street):
    task = push_buildings(street.secretary, street.community)
    actions.do_close_task(task, acting_user=street.secretary)
    item = item_in(task, street.grid_building)
    with pytest.raises(ValidationError) as caught:
        actions.do_tick_item(item, "done", acting_user=street.grid_worker)
    assert "task_closed" in codes(caught.value)
    with pytest.raises(PermissionDenied):
        actions.do_close_task(task, acting_user=street.grid_worker)
    response = street.client_for(street.grid_worker).post(f"/tasks/items/{item.pk}/", {"status": "done"})
    assert response.status_code == 422
    assert TaskItem.objects.get(pk=item.pk).status == ItemStatus.PENDING


def test_the_quick_done_button_and_the_form(street):
    task = push_buildings(street.secretary, street.community)
    item = item_in(task, street.grid_building)
    client = street.client_for(street.grid_worker)
    page = client.get(f"/tasks/{task.pk}/")
    assert page.status_code == 200 and item.address in page.content.decode()
    response = client.post(f"/tasks/items/{item.pk}/", {"status": "done", "back": f"/tasks/{task.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    assert TaskItem.objects.get(pk=item.pk).status == ItemStatus.DONE
    # the form: could not be done without a note is refused, in the reader's language
    response = client.post(f"/tasks/items/{item.pk}/", {"status": "could_not", "note": ""},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 422
    assert TaskItem.objects.get(pk=item.pk).status == ItemStatus.DONE
    # an address outside the site is not followed after saving
    response = client.post(f"/tasks/items/{item.pk}/", {"status": "done", "back": "https://example.com/"})
    assert response["Location"] == f"/tasks/{task.pk}/"


# --- repeating ----------------------------------------------------------------------------------------

def _backdate(task: Task, days: int) -> Task:
    delta = datetime.timedelta(days=days)
    Task.objects.filter(pk=task.pk).update(starts_on=task.starts_on - delta, due_on=task.due_on - delta)
    task.refresh_from_db()
    return task


def test_a_weekly_task_starts_its_next_week_once(street):
    first = push_buildings(street.secretary, street.community, repeat="weekly")
    assert actions.create_due_occurrences() == 0  # this week is not over
    first = _backdate(first, 7)
    actions.do_tick_item(item_in(first, street.grid_building), "done", acting_user=street.grid_worker)
    # a building added since is in next week's list
    compound = street.grid_building.parent
    new_building = Place.objects.create(parent=compound, level=Level.BUILDING, element_type="building",
                                        code=compound.code + "099", name="99号楼", floors=6, units_count=1)
    assert actions.create_due_occurrences() == 1
    assert actions.create_due_occurrences() == 0  # run again (the worker runs it every hour): nothing more
    second = Task.objects.get(previous=first)
    first.refresh_from_db()
    assert first.status == TaskStatus.CLOSED
    assert (second.starts_on, second.due_on) == (first.starts_on + datetime.timedelta(days=7),
                                                 first.due_on + datetime.timedelta(days=7))
    assert (second.sequence, second.series, second.status) == (2, first, TaskStatus.OPEN)
    assert second.items.filter(place=new_building).exists()
    assert second.items.count() == first.items.count() + 1
    assert not second.items.exclude(status=ItemStatus.PENDING).exists()  # a fresh start
    assert AuditEvent.objects.filter(action="task.repeat", object_id=str(second.pk)).exists()


def test_a_series_stops_when_its_author_may_no_longer_push_it_and_when_asked(street):
    first = _backdate(push_buildings(street.secretary, street.community, repeat="weekly"), 7)
    RoleAssignment.objects.filter(user=street.secretary).update(valid_until=timezone.now())
    assert actions.create_due_occurrences() == 0
    first.refresh_from_db()
    assert first.repeat == "" and AuditEvent.objects.filter(action="task.repeat_stopped").exists()
    other = _backdate(push_buildings(street.street_officer, street.community, repeat="monthly"), 40)
    actions.do_close_task(other, acting_user=street.street_officer, stop_repeating=True)
    assert actions.create_due_occurrences() == 0


# --- photos -------------------------------------------------------------------------------------------

def _exif_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "blue")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 12.0, 30.0), 3: "E", 4: (121.0, 33.0, 10.0)}  # GPS
    exif[0x0112] = 6  # rotated: the phone was held upright
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_re_encoded_upright_without_its_metadata(street):
    task = push_buildings(street.secretary, street.community)
    item = actions.do_tick_item(item_in(task, street.grid_building), "done", acting_user=street.grid_worker,
                                photo=_exif_with_gps())
    photo = Photo.objects.get(pk=item.photo_id)
    import base64

    stored = base64.b64decode(photo.data)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (48, 64)  # turned upright
        assert not image.getexif()  # no GPS, no maker
    assert b"PhoneMaker" not in stored and photo.path == item.path
    # the grid worker and the secretary see it, another grid's worker does not
    assert street.client_for(street.grid_worker).get(f"/tasks/photos/{photo.pk}/")["Content-Type"] == "image/jpeg"
    assert street.client_for(street.secretary).get(f"/tasks/photos/{photo.pk}/").status_code == 200
    assert street.client_for(street.volunteer).get(f"/tasks/photos/{photo.pk}/").status_code in (403, 404)
    assert AuditEvent.objects.filter(action="task.photo.view", object_id=str(photo.pk)).exists()


@pytest.mark.parametrize(("data", "code"), [
    (b"name,phone\n", "not_image"),  # a CSV named photo.jpg
    (b"\xff\xd8\xff\xe0" + b"\0" * 200, "not_image"),  # a JPEG's first bytes, nothing after
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "not_image"),
    (b"GIF89a" + b"\0" * 50, "not_image"),  # a real format we do not take
    (b"", "not_image"),
])
def test_anything_but_a_photo_is_refused(street, data, code):
    task = push_buildings(street.secretary, street.community)
    item = item_in(task, street.grid_building)
    with pytest.raises(ValidationError) as caught:
        actions.do_tick_item(item, "done", acting_user=street.grid_worker, photo=data)
    assert code in codes(caught.value)
    assert TaskItem.objects.get(pk=item.pk).status == ItemStatus.PENDING  # nothing half-written
    assert not Photo.objects.exists()


def test_too_large_photos_are_refused(street, monkeypatch):
    task = push_buildings(street.secretary, street.community)
    item = item_in(task, street.grid_building)
    big = jpeg(200, 200) + b"\0" * (photos.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(ValidationError) as caught:
        actions.do_tick_item(item, "done", acting_user=street.grid_worker, photo=big)
    assert "photo_too_large" in codes(caught.value)
    monkeypatch.setattr(photos, "MAX_PIXELS", 100)  # a small file that unpacks to many pixels
    with pytest.raises(ValidationError) as caught:
        actions.do_tick_item(item, "done", acting_user=street.grid_worker, photo=jpeg(20, 20))
    assert "photo_too_many_pixels" in codes(caught.value)
    assert not Photo.objects.exists()


def test_the_page_refuses_a_large_upload_before_reading_it(street, monkeypatch):
    monkeypatch.setattr(photos, "MAX_UPLOAD_BYTES", 1000)
    task = push_buildings(street.secretary, street.community)
    item = item_in(task, street.grid_building)
    client = street.client_for(street.grid_worker)
    client.handler.enforce_csrf_checks = True  # as a browser: the size is refused before the CSRF check reads the body
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("p.jpg", jpeg(600, 600, "green") + b"\0" * 80_000, content_type="image/jpeg")
    response = client.post(f"/tasks/items/{item.pk}/", {"status": "done", "photo": upload})
    assert response.status_code == 413
    assert TaskItem.objects.get(pk=item.pk).status == ItemStatus.PENDING and not Photo.objects.exists()
    monkeypatch.setattr(photos, "MAX_UPLOAD_BYTES", 10_000_000)
    refused = client.post(f"/tasks/items/{item.pk}/", {"status": "done"})
    assert refused.status_code == 403  # no CSRF token: the check still runs for a reasonable body
    client.handler.enforce_csrf_checks = False
    fake = SimpleUploadedFile("p.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    response = client.post(f"/tasks/items/{item.pk}/", {"status": "done", "photo": fake})
    assert response.status_code == 422 and not Photo.objects.exists()
    real = SimpleUploadedFile("p.jpg", jpeg(), content_type="image/jpeg")
    response = client.post(f"/tasks/items/{item.pk}/", {"status": "done", "photo": real})
    assert response.status_code == 302 and TaskItem.objects.get(pk=item.pk).photo_id is not None


def test_the_worker_runs_the_repeats_and_the_nightly_plans(street):
    """The periodic tasks the worker runs are the same code (called as the worker calls them)."""
    from linli.tasks.tasks import refresh_visit_plans, start_next_task_occurrences

    _backdate(push_buildings(street.secretary, street.community, repeat="fortnightly"), 14)
    assert start_next_task_occurrences.call_local() == 1
    house = street.house_in(street.grid_building)
    elder_in(street, house)
    totals = refresh_visit_plans.call_local()
    assert totals["added"] >= 1 and TaskItem.objects.exists()
    from linli.tasks.models import VisitPlan

    assert VisitPlan.objects.filter(house=house, active=True).exists()
