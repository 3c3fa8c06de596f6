"""Each demo role does its main job, end to end, in Chinese on a 360 × 740 phone, and again in
large text on a 1366 × 900 desktop: the grid worker
records a fever for a resident and sees her flagged; the community secretary makes a department
report and downloads it; the street officer reads the supervision of overdue requests; the health
officer reads a quarantine order and the person's health code; the volunteer records a visitor at
her gate and uploads it; the resident reads her code and files a request; the administrator grants
a role and revokes it. Every step is checked as the journeys check a page (nothing wider than the
screen, no serious axe-core finding, no English on the Chinese page) and photographed into the
test artifacts (``journeys/main-jobs`` and ``journeys/main-jobs-desktop-large``)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from tests.browser.conftest import log_in, page_under_policy
from tests.browser.test_gate import register_visitor, wait_uploaded
from tests.browser.test_grid_worker import axe_violations
from tests.browser.test_journeys import SIZES, _english_words


class Job:
    """One role's job on a phone (or a desktop in large text): the page, and the problems found on its steps."""

    def __init__(self, browser: Any, server: str, artifacts: Path, account: str, variant: str = "phone") -> None:
        size = "phone" if variant == "phone" else "desktop"
        self.context = browser.new_context(locale="zh-CN", accept_downloads=True, **SIZES[size])
        cookies = [{"name": "django_language", "value": "zh-hans", "url": server}]
        if variant != "phone":
            cookies.append({"name": "linli_elder", "value": "1", "url": server})  # the large-text mode
        self.context.add_cookies(cookies)
        self.width = SIZES[size]["viewport"]["width"]
        self.page, self.csp = page_under_policy(self.context)
        self.server, self.account = server, account
        self.folder = artifacts / "journeys" / ("main-jobs" if variant == "phone" else f"main-jobs-{variant}") / account
        self.folder.mkdir(parents=True, exist_ok=True)
        self.problems: list[str] = []
        self.steps = 0
        log_in(self.page, server, account)

    def goto(self, path: str, name: str) -> None:
        response = self.page.goto(self.server + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        self.check(name)

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state()
        self.steps += 1
        page.screenshot(path=self.folder / f"{self.steps:02d}-{name}.png", full_page=True)
        where = f"{self.account} {name} ({page.url})"
        wide = page.evaluate("() => document.scrollingElement.scrollWidth")
        if wide > self.width:
            self.problems.append(f"{where}: {wide} px wide on a {self.width} px screen")
        for violation in axe_violations(page):
            targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
            self.problems.append(f"{where}: axe {violation['id']} ({violation['impact']}) at {targets}")
        words = _english_words(page)
        if words:
            self.problems.append(f"{where}: English in the Chinese page: {sorted(words.items())[:12]}")

    def main_text(self) -> str:
        return self.page.inner_text("main")

    def close(self) -> None:
        self.context.close()
        assert not self.csp, "\n".join(self.csp)
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture(params=["phone", "desktop-large"])
def job(request: Any, browser: Any, server: str, artifacts: Path):  # type: ignore[no-untyped-def]
    made: list[Job] = []

    def start(account: str) -> Job:
        made.append(Job(browser, server, artifacts, account, request.param))
        return made[-1]
    yield start
    for one in made:
        one.close()


def test_the_grid_worker_records_a_fever_for_a_resident_and_sees_her_flagged(job) -> None:  # type: ignore[no-untyped-def]
    work = job("demo-grid")
    page = work.page
    work.goto("/health/checkins/?missing=1", "missing-check-ins")
    waiting = page.locator("main a[href*='/health/people/'][href$='/checkin/']")
    assert waiting.count() >= 1
    person = re.search(r"/health/people/(\d+)/checkin/", waiting.first.get_attribute("href") or "")
    assert person is not None
    waiting.first.click()
    page.fill("#id_temperature", "38.3")
    page.locator("input[name=symptoms][value=cough]").check()
    work.check("check-in-form")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/health/checkins/"))
    work.goto("/health/checkins/", "flagged")
    row = page.locator(".list-group-item", has=page.locator(f"a[href='/health/people/{person.group(1)}/']"))
    flag = row.locator(".badge.text-bg-danger")
    assert flag.count() == 1 and "38.3" in flag.inner_text()  # not the green "checked in" of everyone else
    assert "打卡" in work.main_text() and page.locator("main strong.text-danger").count() == 1
    work.goto(f"/health/people/{person.group(1)}/", "her-code")
    assert re.search("[黄红]码", work.main_text())  # a fever is not green (a contact already red stays red)


def test_the_community_secretary_makes_the_education_report_and_downloads_it(job) -> None:  # type: ignore[no-untyped-def]
    work = job("demo-community")
    page = work.page
    work.goto("/reports/", "reports")
    assert page.locator("#data-checks").count() == 0  # the demo's registry passes the checks
    page.locator("button[name=template][value='education-students-return']").click()
    page.wait_for_url(re.compile(r"/downloads/\d+/$"))
    page.wait_for_selector("#download-file")
    work.check("report-made")
    with page.expect_download() as download_info:
        page.locator("#download-file").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx") and "学生返校" in download.suggested_filename
    content = Path(download.path()).read_bytes()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0][5] == "就读学校"
    pupils = [r for r in rows[1:] if isinstance(r[0], float)]
    assert pupils and all(r[5] for r in pupils)  # every pupil with her school


def test_the_street_officer_reads_the_supervision_of_overdue_requests(job) -> None:  # type: ignore[no-untyped-def]
    work = job("demo-street")
    page = work.page
    work.goto("/requests/supervision/", "supervision")
    assert "按社区" in work.main_text()
    overdue = page.locator("main .list-group a.ticket-row")
    assert overdue.count() >= 1  # the demo leaves some requests past their limit
    overdue.first.click()
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    work.check("overdue-request")
    assert "办理记录" in work.main_text()


def test_the_health_officer_reads_a_quarantine_order_and_the_persons_code(job) -> None:  # type: ignore[no-untyped-def]
    work = job("demo-health")
    page = work.page
    work.goto("/health/quarantine/", "quarantine-orders")
    orders = page.locator("main a.fw-bold[href^='/health/quarantine/']")
    assert orders.count() >= 1  # the demo's contacts and arrivals from high-risk areas
    orders.first.click()
    page.wait_for_url(re.compile(r"/health/quarantine/\d+/$"))
    work.check("order")
    assert "隔离" in page.inner_text("h1")
    page.locator("h1 a[href^='/health/people/']").click()
    page.wait_for_url(re.compile(r"/health/people/\d+/$"))
    work.check("health-code")
    assert re.search("[绿黄红]码", work.main_text())


def test_the_volunteer_records_a_visitor_at_her_gate_and_uploads_it(job) -> None:  # type: ignore[no-untyped-def]
    work = job("demo-volunteer")
    page = work.page
    work.goto("/", "home")
    gate = page.locator("main a[href^='/gates/']").first
    gate.wait_for()
    work.goto(gate.get_attribute("href") or "", "gate")
    page.wait_for_selector("#gate-screen[data-state=ready]")
    page.wait_for_selector("#gate-screen[data-trust=ok]")
    before = page.inner_text("#sync-today")
    # Registered while the network is away (a gate often has none), so that it waits to be sent:
    # online, it would be sent at once.
    page.context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    register_visitor(page, ("林访客", "13900139000", "探亲", "3号楼", "36.6"), 1)
    assert page.locator("#verdict").get_attribute("data-reason") == "visitor"
    work.check("visitor-waiting")
    page.context.set_offline(False)
    wait_uploaded(page)
    page.wait_for_function("before => document.getElementById('sync-today').textContent !== before", arg=before)
    work.check("uploaded")


def test_the_resident_reads_her_code_and_files_a_request(job) -> None:  # type: ignore[no-untyped-def]
    work = job("demo-resident")
    page = work.page
    work.goto("/health/me/", "my-code")
    assert re.search("[绿黄红]码", work.main_text())
    assert page.locator(".code-qr svg").count() == 1
    work.goto("/requests/new/", "new-request")
    page.get_by_text("邻里纠纷", exact=True).click()
    page.fill("#id_description", "楼上每天夜里十二点以后还在装修，影响休息，请社区协调。")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    work.check("request-filed")
    assert re.search(r"编号 \d{8}-\d+", work.main_text())


def test_the_administrator_grants_a_role_and_revokes_it(job) -> None:  # type: ignore[no-untyped-def]
    work = job("demo-admin")
    page = work.page
    work.goto("/roles/", "roles")
    page.locator("main details summary").click()
    page.fill("#id_username", "demo-quarantined")
    role = page.locator("#id_role option", has_text="志愿者").first
    page.select_option("#id_role", value=role.get_attribute("value"))
    page.select_option("#id_place", index=1)
    work.check("grant-form")
    page.get_by_role("button", name="授予", exact=True).click()
    page.wait_for_load_state()
    granted = page.locator("main tbody tr", has_text="demo-quarantined").filter(has_text="志愿者")
    assert granted.count() == 1
    work.check("granted")
    granted.get_by_role("button", name="撤销").click()
    page.wait_for_load_state()
    assert page.locator("main tbody tr", has_text="demo-quarantined").filter(has_text="志愿者").count() == 0
    work.check("revoked")
