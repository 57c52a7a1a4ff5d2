"""A case's private feeds against a fake case-sync: the Atom feed of its entries and the
iCalendar feed of its hearings at an address whose secret is the key, and the page where
the reader makes and revokes those addresses."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

import grpc
import icalendar
import pytest

from jes.case_sync.v1 import case_queries_pb2 as q
from jes.case_sync.v1 import cases_pb2

FEED = "f33dT0ken-q1W-e2R_t3Y4u5I6o7P8a9S0"
ATOM = "{http://www.w3.org/2005/Atom}"


def feed_page() -> q.CasePage:
    page = q.CasePage(
        summary=q.CaseSummary(
            case_id="case-1",
            case=cases_pb2.CaseKey(
                court_code="CHD",
                category=cases_pb2.CASE_CATEGORY_CIVIL,
                year=100,
                word="訴",
                number=992032,
            ),
            dotted_number="100.訴.992032",
            formal_number="100年度訴字第992032號",
            court_name="臺灣彰化地方法院",
        ),
        entries=[
            q.CaseEntry(
                entry_id="e-2",
                posted_on="2012-07-20",
                item="定期言詞辯論 & 調查證據",
                hearing=cases_pb2.Hearing(
                    starts_at="2012-08-10T10:00", place="第一法庭", kind="言詞辯論"
                ),
            ),
            q.CaseEntry(entry_id="e-1", posted_on="2012-07-02", item="準備程序"),
        ],
    )
    for entry in page.entries:
        entry.ingested_at.FromDatetime(datetime(2012, 7, 20, 1, 0, tzinfo=UTC))
    page.data_as_of.FromDatetime(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    return page


@pytest.fixture
def cases(services):
    services.cases.replies["ResolveFeed"] = feed_page()
    return services.cases


def test_the_atom_feed_lists_the_entries_without_a_login(client, cases):
    reply = client.get(f"/feeds/{FEED}.atom")
    assert reply.status_code == 200
    assert reply.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(reply.data)  # noqa: S314 (our own answer: well-formed, the & escaped)
    assert feed.findtext(f"{ATOM}title") == "臺灣彰化地方法院 民事 100.訴.992032 案件進度"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        "urn:jes:case-entry:e-2",
        "urn:jes:case-entry:e-1",
    ]
    assert entries[0].findtext(f"{ATOM}title") == "101/07/20 定期言詞辯論 & 調查證據"
    assert "庭期：民國 101年 8月10日 星期五 10:00 第一法庭 言詞辯論" in entries[0].findtext(
        f"{ATOM}content"
    )
    assert feed.findtext(f"{ATOM}updated") == "2026-11-30T09:00:00Z"
    [asked] = cases.requests("ResolveFeed")
    assert (asked.token, asked.kind) == (FEED, q.FEED_KIND_ATOM)
    assert cases.tokens("ResolveFeed") == [None]


def test_the_calendar_feed_holds_the_hearings_in_taipei_time(client, cases):
    reply = client.get(f"/feeds/{FEED}.ics")
    assert reply.status_code == 200
    assert reply.content_type == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(reply.data)
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == "e-2@jes"
    start = event.decoded("dtstart")
    assert start.isoformat() == "2012-08-10T10:00:00+08:00"
    assert str(event["summary"]) == "言詞辯論：臺灣彰化地方法院 100.訴.992032"
    assert str(event["location"]) == "臺灣彰化地方法院 第一法庭"
    assert "仍以法院傳票或通知書等為準" in str(event["description"])
    assert calendar.walk("VTIMEZONE")  # the reader's calendar needs no guess
    [asked] = cases.requests("ResolveFeed")
    assert asked.kind == q.FEED_KIND_ICALENDAR


def test_an_unknown_or_revoked_address_is_not_found(client, cases, refusal):
    cases.replies["ResolveFeed"] = refusal(grpc.StatusCode.NOT_FOUND, "找不到此訂閱")
    assert client.get(f"/feeds/{FEED}.atom").status_code == 404
    assert client.get(f"/feeds/{FEED}.ics").status_code == 404


def test_an_address_that_cannot_be_one_is_not_asked_about(client, cases):
    for token in ("short", "x" * 101, "bad token!!!!!!!!!!!"):
        assert client.get(f"/feeds/{token}.atom").status_code == 404
    assert cases.calls == []


def test_the_reader_makes_an_address_sees_it_once_and_revokes_one(
    client, sign_in, cases, form_post
):
    sign_in(client, "P0000000001", ["progress"], court_code="")
    cases.replies["GetCase"] = feed_page()
    cases.replies["CreateFeedToken"] = q.FeedToken(feed_id="feed-1", case_id="case-1", token=FEED)
    listed = q.FeedToken(feed_id="feed-1", case_id="case-1")
    listed.created_at.FromDatetime(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    cases.replies["ListMyFeedTokens"] = q.ListMyFeedTokensResponse(feeds=[listed])
    cases.replies["RevokeFeedToken"] = q.RevokeFeedTokenResponse()
    page = client.get("/cases/case-1/feeds").get_data(as_text=True)
    assert FEED not in page and "建立於 民國 115年 11月30日 星期一 17:00:00" in page
    page = form_post(client, "/cases/case-1/feeds", {}).get_data(as_text=True)
    assert f"/feeds/{FEED}.atom" in page and f"/feeds/{FEED}.ics" in page
    [made] = cases.requests("CreateFeedToken")
    assert made.case_id == "case-1"
    assert cases.tokens("CreateFeedToken") == ["token-of-P0000000001"]
    reply = form_post(client, "/cases/case-1/feeds", {"revoke": "feed-1"})
    assert "已停用此訂閱網址" in reply.get_data(as_text=True)
    [revoked] = cases.requests("RevokeFeedToken")
    assert revoked.feed_id == "feed-1"
