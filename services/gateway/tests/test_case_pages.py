"""案件進度查詢 pages against a fake case-sync: the reader's cases with their latest three
entries, and one case's page (phone first) with the next hearing at the top, every entry
newest first in ROC form, what is new marked, 資料更新至, the cut-off date. Unit tests of
the pages; the same journey against the real case-sync: tests/allinone/
test_case_progress_journeys.py, test_case_progress_access.py and tests/e2e."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest

from jes.case_sync.v1 import case_queries_pb2 as q
from jes.case_sync.v1 import cases_pb2


def summary(**fields) -> q.CaseSummary:
    values = {
        "case_id": "case-1",
        "case": cases_pb2.CaseKey(
            court_code="CHD",
            category=cases_pb2.CASE_CATEGORY_CRIMINAL,
            year=100,
            word="訴",
            number=992032,
        ),
        "dotted_number": "100.訴.992032",
        "formal_number": "100年度訴字第992032號",
        "court_name": "臺灣彰化地方法院",
        "status": cases_pb2.CASE_STATUS_PENDING,
        "division": "仁",
        **fields,
    }
    return q.CaseSummary(**values)


def entry(entry_id: str, posted_on: str, item: str, **fields) -> q.CaseEntry:
    return q.CaseEntry(entry_id=entry_id, posted_on=posted_on, item=item, **fields)


HEARING = cases_pb2.Hearing(starts_at="2012-08-10T10:00", place="第一法庭", kind="言詞辯論")
ENTRIES = [
    entry("e-3", "2012-07-20", "101/08/10 10:00第一法庭言詞辯論", hearing=HEARING, is_new=True),
    entry("e-2", "2012-07-04", "函查"),
    entry("e-1", "2012-07-02", "準備程序"),
]


@pytest.fixture
def cases(services):
    fake = services.cases
    fake.replies["ListMyCases"] = q.ListMyCasesResponse(
        cases=[summary(latest_entries=ENTRIES, new_entries=1, next_hearing=HEARING)]
    )
    page = q.CasePage(summary=summary(next_hearing=HEARING), entries=ENTRIES, total_entries=3)
    page.data_as_of.FromDatetime(datetime(2026, 11, 30, 9, 20, tzinfo=UTC))
    page.previous_visit_at.FromDatetime(datetime(2026, 11, 29, 1, 0, tzinfo=UTC))
    fake.replies["GetCase"] = page
    return fake


@pytest.fixture
def litigant(client, sign_in):
    sign_in(client, "P0000000001", ["progress"], court_code="", name="王小明")
    return client


def test_the_case_list_shows_each_case_with_its_latest_three_entries(litigant, cases):
    reply = litigant.get("/cases/")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "臺灣彰化地方法院 刑事 100.訴.992032" in page and "100年度訴字第992032號" in page
    assert "登載日期：101/07/20" in page and "登載事項：準備程序" in page
    assert "1 筆新進度" in page
    assert "下次庭期：民國 101年 8月10日 星期五 10:00 第一法庭 言詞辯論" in page
    assert cases.tokens("ListMyCases") == ["token-of-P0000000001"]


def test_the_case_page_shows_everything_newest_first(litigant, cases):
    reply = litigant.get("/cases/case-1")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert page.index("下次庭期") < page.index("進行事項")  # the next hearing at the top
    assert "法院名稱</dt><dd>臺灣彰化地方法院" in page and "案類</dt><dd>刑事" in page
    assert "100.訴.992032" in page and "100年度訴字第992032號" in page
    dates = [page.index(f"登載日期：{d}") for d in ("101/07/20", "101/07/04", "101/07/02")]
    assert dates == sorted(dates)
    assert page.count('class="entry is-new"') == 1 and ">新</strong>" in page
    assert "資料更新至 民國 115年 11月30日 星期一 17:20:00" in page
    assert "僅供參考" in page and "仍以法院傳票或通知書等為準" in page
    [asked] = cases.requests("GetCase")
    assert asked.case_id == "case-1" and asked.record_visit
    assert cases.tokens("GetCase") == ["token-of-P0000000001"]


def test_a_page_does_not_sign_the_session_cookie_again(litigant, cases):
    """Issue 11: every page signed and sent the unchanged session cookie again."""
    with litigant.session_transaction() as session:
        session.permanent = True  # as the login page leaves it (12 hours)
    reply = litigant.get("/cases/case-1")
    assert reply.status_code == 200
    assert not [c for c in reply.headers.getlist("Set-Cookie") if c.startswith("jes_session=")]
    # the next page still carries the session
    assert litigant.get("/cases/case-1").status_code == 200
    assert cases.tokens("GetCase") == ["token-of-P0000000001"] * 2


def test_a_later_page_of_entries_is_no_new_visit(litigant, cases):
    litigant.get("/cases/case-1?page=next-1")
    [asked] = cases.requests("GetCase")
    assert asked.page_token == "next-1" and not asked.record_visit


def test_a_running_cut_off_shows_its_dates(litigant, cases):
    page = cases.replies["GetCase"]
    page.summary.status = cases_pb2.CASE_STATUS_APPEALED
    page.summary.cut_off.cut_off_on = "2026-03-01"
    text = litigant.get("/cases/case-1").get_data(as_text=True)
    assert (
        "本案已送上訴，查詢至 民國 115年 2月28日 星期六 為止；"
        "自 民國 115年 3月1日 星期日 起不再提供查詢及通知。"
    ) in text


def test_a_case_the_reader_may_not_see_is_not_found(litigant, cases, refusal):
    cases.replies["GetCase"] = refusal(grpc.StatusCode.NOT_FOUND, "找不到此案件")
    reply = litigant.get("/cases/other-case")
    assert reply.status_code == 404
    assert "找不到此案件" in reply.get_data(as_text=True)


def test_the_prosecutors_list_is_theirs(client, sign_in, cases):
    sign_in(client, "PROS1", ["prosecutor"], court_code="", name="林檢察官")
    page = client.get("/cases/").get_data(as_text=True)
    assert "承辦案件進度" in page
    assert cases.tokens("ListMyCases") == ["token-of-PROS1"]


def test_the_pages_need_a_login_and_a_readers_role(client, sign_in, cases):
    assert client.get("/cases/").status_code == 302
    sign_in(client, "TPD0001", ["firm"])
    assert client.get("/cases/case-1").status_code == 403
    assert cases.calls == []


# -- the API twin ------------------------------------------------------------------------------


def test_api_lists_the_readers_cases(client, cases):
    reply = client.get("/api/v1/cases", headers={"Authorization": "Bearer reader-token"})
    assert reply.status_code == 200
    [case] = reply.json["cases"]
    assert case["case_number"] == "100.訴.992032"
    assert case["case_number_formal"] == "100年度訴字第992032號"
    assert case["category"] == "刑事" and case["court_name"] == "臺灣彰化地方法院"
    assert [e["posted_on"] for e in case["latest_entries"]] == [
        "101/07/20",
        "101/07/04",
        "101/07/02",
    ]
    assert cases.tokens("ListMyCases") == ["reader-token"]


def test_api_shows_one_case(client, cases):
    reply = client.get("/api/v1/cases/case-1", headers={"Authorization": "Bearer reader-token"})
    assert reply.status_code == 200
    body = reply.json
    assert body["case"]["next_hearing"] == "民國 101年 8月10日 星期五 10:00 第一法庭 言詞辯論"
    assert body["entries"][0]["is_new"] is True
    assert body["entries"][0]["posted_on_iso"] == "2012-07-20"
    assert body["data_as_of"] == "民國 115年 11月30日 星期一 17:20:00"
    [asked] = cases.requests("GetCase")
    assert not asked.record_visit  # the API reads; a page view records the visit


def test_api_needs_a_token(client, cases):
    reply = client.get("/api/v1/cases")
    assert reply.status_code == 401
    assert reply.content_type == "application/problem+json"


def test_the_layouts_links_are_built_once_not_on_every_page(litigant, cases, monkeypatch):
    """Issue 11 (session 10): every page built the menu's and static files' links again
    (url_for, 5 % of the gateway's CPU on a case page); the case's own links still are."""
    import flask

    from jes_gateway.web import urls

    litigant.get("/cases/case-1")  # the first page builds them
    built: list[str] = []
    url_for = flask.url_for

    def counted(endpoint: str, **values):  # type: ignore[no-untyped-def]
        built.append(endpoint)
        return url_for(endpoint, **values)

    monkeypatch.setattr(urls, "url_for", counted)
    page = litigant.get("/cases/case-1").get_data(as_text=True)
    assert sorted(built) == ["cases.feeds"]  # the page's own link, with the case's id
    assert 'href="/cases/"' in page and "/static/site.css" in page  # the layout's, as before
    assert 'action="/logout"' in page or "/logout" in page


def test_a_case_page_is_rendered_in_one_template_context(litigant, cases, monkeypatch):
    """Issue 11 (session 10): each include (the case's facts, every entry, the notes)
    made a template context of its own, copying every global (8 % of the gateway's CPU);
    the parts are macros now."""
    import jinja2

    litigant.get("/cases/case-1")  # templates loaded and compiled
    contexts: list[str] = []
    new_context = jinja2.Template.new_context

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        contexts.append(str(self.name))
        return new_context(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "new_context", counted)
    page = litigant.get("/cases/case-1").get_data(as_text=True)
    assert contexts == ["cases/case.html"]
    assert page.count('<li class="entry') == 3 and "法院名稱</dt>" in page and "僅供參考" in page
