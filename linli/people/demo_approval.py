"""The demo's list waiting for a second person (four eyes, decision 0023)."""

from __future__ import annotations

from linli.downloads.actions import approval_threshold, do_request_download
from linli.downloads.models import Download


def prepare_demo_approval() -> Download | None:
    """One list for the approver to look at: demo-community asks for her community's residents
    with full values for a social-assistance review, more people than one person may take alone,
    and it waits for demo-street. None when one waits already, or the community is too small to
    need a second person."""
    from linli.core.models import User
    from linli.people.models import Person
    from linli.places.models import Level, Place

    secretary = User.objects.filter(username="demo-community").first()
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    if secretary is None or community is None or Download.objects.filter(needs_approval=True).exists():
        return None
    if Person.objects.filter(path__startswith=community.path, is_active=True).count() <= approval_threshold():
        return None
    return do_request_download("people_list", scope=community, params={
        "kind": "people", "format": "xlsx", "purpose_code": "social_assistance",
        "purpose": "年度低保复核，逐户核对身份证号和联系电话"}, acting_user=secretary)
