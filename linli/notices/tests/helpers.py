"""Shared by the notice tests and the access matrix: reviewers, and a notice taken through its
review by the actions."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from linli.conftest import Street
from linli.core.models import Role, RoleAssignment, User
from linli.notices import actions
from linli.notices.models import Notice
from linli.places.models import Place


def worker(street: Street, name: str, place: Place | None = None) -> User:
    """A community worker (drafts, checks, edits) of the test street's first community."""
    user = User.objects.create_user(name, password="x-notice-worker-x")  # noqa: S106 - test account
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="community_worker"),
                                  place=place or street.community)
    return user


def draft(user: Any, places: list[Place], **fields: Any) -> Notice:
    data = {"title": "停水通知", "body": "因管道维修，明日8:00至14:00停水。\n请提前储水。", "category": "safety",
            "deadline": timezone.now() + datetime.timedelta(days=1), "places": places, **fields}
    return actions.do_draft_notice(actions.NoticeInput(**data), acting_user=user)


def published(street: Street, places: list[Place] | None = None, **fields: Any) -> Notice:
    """Drafted by one worker, checked by another, edited by a third, published by the secretary."""
    writer, checker, editor = (worker(street, f"nw-{n}-{User.objects.count()}") for n in ("w", "c", "e"))
    notice = draft(writer, places or [street.grid_building], **fields)
    actions.do_submit(notice, acting_user=writer)
    actions.do_check(notice, acting_user=checker)
    actions.do_edit(notice, acting_user=editor)
    return actions.do_publish(notice, acting_user=street.secretary)


def make_matrix_rows(street: Street, far: dict[str, Any]) -> None:
    """For the access matrix: a published notice reaching the grid worker's grid, and one in the
    far district."""
    from linli.places.models import Level
    from linli.tasks.tests.helpers import jpeg

    first = draft(street.secretary, [street.grid_building], title="有图")
    actions.do_attach(first, acting_user=street.secretary, images=[jpeg()], documents=[("a.pdf", b"%PDF-1.4\n")])
    published(street, [street.grid_building])
    draft(street.secretary, [street.grid_building], title="草稿")
    draft(street.admin, [far[Level.BUILDING]], title="草稿")
    notice = draft(street.admin, [far[Level.BUILDING]])
    actions.do_submit(notice, acting_user=street.admin)
    for n in ("c", "e", "p"):
        user = User.objects.create_user(f"far-{n}", password="x-far-x", is_superuser=True)  # noqa: S106
        {"c": actions.do_check, "e": actions.do_edit, "p": actions.do_publish}[n](notice, acting_user=user)
