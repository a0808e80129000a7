"""The API answers errors with JSON (issue 12 §5): a body over the limits is a 413 with a message, an unknown
address under /api/ a 404 and a server error a 500 — JSON, never Django's HTML pages; the pages keep HTML."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


def test_oversized_json_body_is_a_413_with_a_message(users, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    client.force_login(users.svc)
    body = '{"customer_id": 1, "problem": "' + "床" * (1024 * 1024) + '"}'  # 3 MB of UTF-8
    response = client.post("/api/tickets/", body, content_type="application/json")
    assert response.status_code == 413
    assert _json(response)["message"] == "请求体过大（上限 2 MB）。"


def test_oversized_upload_is_a_413_with_a_message(users, client, settings, customer_factory):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kam.engagement.services import visit_book

    settings.MAX_REQUEST_BODY_BYTES = 1024 * 1024
    customer = customer_factory("华美酒店", manager=users.am1)
    visit = visit_book(actor=users.am1, customer=customer, starts_at=dt.datetime(2026, 12, 3, 10, tzinfo=SH),
                       ends_at=dt.datetime(2026, 12, 3, 11, tzinfo=SH), purpose="送样",
                       now=dt.datetime(2026, 11, 26, 10, tzinfo=SH))
    client.force_login(users.am1)
    photo = SimpleUploadedFile("p.jpg", b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024), content_type="image/jpeg")
    response = client.post(f"/api/visits/{visit.pk}/photos", {"photo": photo})
    assert response.status_code == 413
    assert _json(response)["message"] == "请求体过大（上限 1 MB）。"
    assert visit.photos.count() == 0


def test_unknown_api_address_is_a_json_404_and_a_page_stays_html(users, client):
    client.force_login(users.head)
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404 and _json(response) == {"message": "未找到。"}
    assert client.get("/api/customers/1/nothing").status_code == 404
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.core.boom_urls")
def test_server_errors_under_api_are_json_500_and_still_logged(users, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(users.head)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        for url in ("/api/boom/view", "/api/boom/fail"):
            response = client.get(url)
            assert response.status_code == 500
            assert _json(response) == {"message": "服务器内部错误，已记录，请稍后再试。"}
            assert "boom" not in response.content.decode()  # no traceback or exception text leaks
    assert sum("Internal Server Error" in r.getMessage() for r in caplog.records) == 2
    page = client.get("/customers/", HTTP_HOST="bad host")  # a page error keeps Django's HTML answer
    assert page.status_code == 400 and not page["Content-Type"].startswith("application/json")
