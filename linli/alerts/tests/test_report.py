"""The monthly 15-minute report as xlsx: the workbook alone (plain figures), then the download."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from linli.alerts import actions
from linli.alerts.measures import Figures
from linli.alerts.report import COLUMNS, write_monthly
from linli.alerts.tests.helpers import fall_in
from linli.conftest import Street
from linli.core.models import AuditEvent


def _read(data: bytes) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _figures(month: str, drill: bool, alerts: int, within: int, site_p50: float | None) -> Figures:
    return Figures(community="31/", month=month, is_drill=drill, alerts=alerts, acknowledged=alerts,
                   on_site=within, ack_p50=1.5, ack_p90=2.25, site_p50=site_p50, site_p90=site_p50,
                   within_goal=within, share_within_goal=within / alerts)


def test_the_workbook_has_a_title_chinese_headers_numbers_and_drills_apart() -> None:
    rows = [("培花居民区", _figures("2026-12", False, 4, 3, 9.25)), ("培花居民区", _figures("2026-12", True, 1, 0, None)),
            ("牡丹居民区", _figures("2026-11", False, 2, 2, 12.0))]
    sheets = _read(write_monthly(rows, title="告警响应 15 分钟到场月报", made="制表：测试。"))
    assert list(sheets) == ["告警", "演练"]
    alerts, drills = sheets["告警"], sheets["演练"]
    assert alerts[0][0] == "告警响应 15 分钟到场月报" and "制表：测试。" in str(alerts[1][0])
    assert alerts[2] == [header for header, _width in COLUMNS]
    assert alerts[3][:5] == ["培花居民区", "2026-12", 4.0, 4.0, 3.0]
    assert alerts[3][5:] == [1.5, 2.25, 9.25, 9.25, 3.0, 0.75]  # exact minutes (shown to one decimal), the share a fraction
    assert alerts[4][0] == "牡丹居民区" and len(alerts) == 5
    assert drills[0][0].endswith("（演练）") and drills[3][:3] == ["培花居民区", "2026-12", 1.0]
    assert drills[3][7] == "" and len(drills) == 4  # nobody at the door: blank, not zero


def test_an_empty_month_says_so() -> None:
    sheets = _read(write_monthly([], title="月报", made=""))
    assert sheets["告警"][3][0] == "本期无数据" and sheets["演练"][3][0] == "本期无数据"


@pytest.mark.django_db
def test_the_office_downloads_it_beside_the_csv_and_it_is_audited(street: Street) -> None:
    alert = fall_in(street)
    actions.do_check_in_on_site(alert, acting_user=street.grid_worker, method="confirmed")
    actions.do_raise_drill(street.house_in(street.grid_building), acting_user=street.secretary)
    office = street.client_for(street.secretary)
    assert reverse("alerts:measures_xlsx") in office.get(reverse("alerts:measures")).content.decode()
    response = office.get(reverse("alerts:measures_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheets = _read(response.content)
    month = timezone.localtime(alert.opened_at).strftime("%Y-%m")
    [row] = [r for r in sheets["告警"][3:] if r[1] == month]
    assert row[0] == street.community.name and row[2] == 1.0 and row[4] == 1.0 and row[9] == 1.0 and row[10] == 1.0
    assert [r[2] for r in sheets["演练"][3:] if r[1] == month] == [1.0]
    assert AuditEvent.objects.filter(action="alert.report", actor=street.secretary, detail__format="xlsx").exists()
    assert street.client_for(street.grid_worker).get(reverse("alerts:measures_xlsx")).status_code == 403
