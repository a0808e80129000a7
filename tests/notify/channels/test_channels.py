"""Outbound channels against the local receivers (no vendor is contacted, no database needed).

G.5 (who hears): each sender reaches exactly its target (robot key / userid / token / address), and robot
URLs, secrets and tokens never show up in an error message or a log line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kam.notify.channels import (
    DeliveryError,
    Message,
    WeComAppClient,
    dingtalk_sign,
    feishu_sign,
    post_json,
    redact,
    send_dingtalk_robot,
    send_email,
    send_feishu_robot,
    send_wecom_robot,
)
from kam.notify.channels.base import truncate_utf8
from tests.notify.fakes import RobotReceiver, SmtpReceiver

MSG = Message(title="拜访超期提醒", text="客户「华东重工」的季度拜访已超期 3 天，请尽快安排。", url="https://kam.example.cn/customers/42/")


@pytest.fixture
def rx():
    with RobotReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp():
    with SmtpReceiver() as receiver:
        yield receiver


def secrets_of(rx: RobotReceiver) -> list[str]:
    return [rx.wecom_key, rx.corp_secret, rx.dingtalk_token, rx.dingtalk_secret(), rx.feishu_token,
            rx.feishu_secret()]


def assert_no_secret(exc: DeliveryError, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in str(exc)
        assert secret not in repr(exc)
        assert urllib.parse.quote(secret, safe="") not in str(exc)


# -- signatures: the vendors' reference snippets -----------------------------------------------------


def test_dingtalk_sign_matches_reference():
    secret, timestamp = "SECabc", 1700000000000
    # DingTalk's reference snippet, written out independently of the implementation
    string_to_sign = f"{timestamp}\n{secret}"
    hmac_code = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    expected = urllib.parse.quote_plus(base64.b64encode(hmac_code))
    assert dingtalk_sign(secret, timestamp) == expected
    # pinned once (cross-checked with `openssl dgst -sha256 -hmac SECabc -binary | base64`)
    assert dingtalk_sign(secret, timestamp) == "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM%3D"


def test_feishu_sign_matches_reference():
    secret, timestamp = "SECabc", 1700000000
    # Feishu's reference snippet: key = "timestamp\nsecret", empty message
    string_to_sign = f"{timestamp}\n{secret}"
    hmac_code = hmac.new(string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    expected = base64.b64encode(hmac_code).decode("utf-8")
    assert feishu_sign(secret, timestamp) == expected
    assert feishu_sign(secret, timestamp) == "XprR1de+0SSBnwWyU/4k6x2TL+Q2SJlM5NNEdAv7MWg="


def test_feishu_and_dingtalk_algorithms_are_not_interchangeable():
    # the classic mix-up: Feishu keys the HMAC with the string to sign, DingTalk with the secret
    dingtalk_b64 = urllib.parse.unquote_plus(dingtalk_sign("SECabc", 1700000000))
    assert dingtalk_b64 != feishu_sign("SECabc", 1700000000)


# -- redaction ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…"),
        ("https://oapi.dingtalk.com/robot/send?access_token=XXX&timestamp=1&sign=a%2Bb",
         "https://oapi.dingtalk.com/robot/send?…"),
        ("https://open.feishu.cn/open-apis/bot/v2/hook/0f1e-2d3c", "https://open.feishu.cn/open-apis/bot/v2/hook/…"),
        ("http://user:pw@127.0.0.1:8080/x?y=1#frag", "http://127.0.0.1:8080/x?…"),
        ("https://qyapi.weixin.qq.com", "https://qyapi.weixin.qq.com"),
    ],
)
def test_redact(url, expected):
    assert redact(url) == expected


def test_truncate_utf8_counts_bytes_and_never_splits_a_character():
    text = "超期" * 100
    cut = truncate_utf8(text, 50)
    assert len(cut.encode("utf-8")) <= 50
    assert cut.endswith("…")
    assert truncate_utf8("短", 50) == "短"


# -- WeCom group robot -------------------------------------------------------------------------------


def test_wecom_robot_delivers_markdown_to_its_key(rx):
    send_wecom_robot(rx.wecom_robot_url(), MSG)
    [hit] = rx.received
    assert hit["channel"] == "wecom_robot"
    assert hit["target"] == rx.wecom_key
    assert hit["title"] == MSG.title
    assert MSG.text in hit["text"] and "[查看](https://kam.example.cn/customers/42/)" in hit["text"]
    assert hit["raw"]["msgtype"] == "markdown"
    assert hit["raw"]["markdown"]["content"].startswith(f"**{MSG.title}**\n")


def test_wecom_robot_without_url_has_no_link(rx):
    send_wecom_robot(rx.wecom_robot_url(), Message("标题", "正文"))
    assert rx.received[0]["text"] == "**标题**\n正文"


def test_wecom_robot_long_text_is_cut_to_the_vendor_limit(rx):
    send_wecom_robot(rx.wecom_robot_url(), Message("长消息", "超" * 3000))
    assert len(rx.received[0]["text"].encode("utf-8")) <= 4096


def test_wecom_robot_invalid_key_is_not_retryable_and_not_revealed(rx):
    bad_key = "not-a-configured-key-7f3a"
    with pytest.raises(DeliveryError) as info:
        send_wecom_robot(rx.wecom_robot_url(bad_key), MSG)
    assert info.value.retryable is False
    assert info.value.code == 93000
    assert_no_secret(info.value, bad_key)
    assert rx.received == []


def test_wecom_robot_rate_limit_is_retryable(rx):
    rx.rate_limit_next(1)
    with pytest.raises(DeliveryError) as info:
        send_wecom_robot(rx.wecom_robot_url(), MSG)
    assert info.value.retryable is True and info.value.code == 45009
    send_wecom_robot(rx.wecom_robot_url(), MSG)  # the next one goes through
    assert len(rx.received) == 1


# -- WeCom application messages ----------------------------------------------------------------------


def test_wecom_app_sends_textcard_to_the_userid_and_caches_the_token(rx):
    app = rx.wecom_app()
    app.send("zhangsan", MSG)
    app.send("lisi", MSG)
    assert rx.token_requests == 1
    assert [m["target"] for m in rx.messages("wecom_app")] == ["zhangsan", "lisi"]
    hit = rx.received[0]
    assert hit["title"] == MSG.title and hit["text"] == MSG.text
    raw = hit["raw"]
    assert raw["msgtype"] == "textcard" and raw["agentid"] == rx.agent_id
    assert raw["textcard"] == {"title": MSG.title, "description": MSG.text, "url": MSG.url, "btntxt": "详情"}


def test_wecom_app_without_url_sends_text(rx):
    rx.wecom_app().send("zhangsan", Message("待办", "请确认本月回款计划"))
    raw = rx.received[0]["raw"]
    assert raw["msgtype"] == "text"
    assert raw["text"] == {"content": "待办\n请确认本月回款计划"}


def test_wecom_app_default_url_makes_a_textcard(rx):
    rx.wecom_app(default_url="https://kam.example.cn/").send("zhangsan", Message("待办", "请确认"))
    assert rx.received[0]["raw"]["textcard"]["url"] == "https://kam.example.cn/"


def test_wecom_app_refreshes_the_token_once_on_42001(rx):
    app = rx.wecom_app()
    app.send("zhangsan", MSG)
    rx.expire_wecom_tokens()
    app.send("zhangsan", MSG)
    assert rx.token_requests == 2
    assert [r["code"] for r in rx.rejected] == [42001]
    assert len(rx.messages("wecom_app", "zhangsan")) == 2


def test_wecom_app_gives_up_after_one_refresh(rx):
    rx.token_ttl = 0  # every token is born expired: 42001, refresh, 42001 again
    with pytest.raises(DeliveryError) as info:
        rx.wecom_app().send("zhangsan", MSG)
    assert info.value.code == 42001 and info.value.retryable is False
    assert rx.token_requests == 2


def test_wecom_app_token_cache_ends_five_minutes_before_expiry(rx):
    now = [1000.0]
    app = rx.wecom_app(clock=lambda: now[0])
    first = app.access_token()
    now[0] += 7200 - 300 - 1
    assert app.access_token() == first
    now[0] += 2
    assert app.access_token() != first
    assert rx.token_requests == 2


def test_wecom_app_concurrent_sends_fetch_one_token(rx):
    app = rx.wecom_app()
    errors: list[Exception] = []

    def send(i: int) -> None:
        try:
            app.send(f"user{i}", MSG)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert rx.token_requests == 1
    assert sorted(m["target"] for m in rx.received) == sorted(f"user{i}" for i in range(8))


def test_wecom_app_bad_secret_is_not_retryable_and_not_revealed(rx):
    secret = "wrong-corp-secret-9c1d"
    app = WeComAppClient(rx.corp_id, rx.agent_id, secret, rx.base_url)
    with pytest.raises(DeliveryError) as info:
        app.send("zhangsan", MSG)
    assert info.value.retryable is False and info.value.code == 40001
    assert_no_secret(info.value, secret)
    assert secret not in repr(app)


def test_wecom_app_unknown_user_is_not_retryable():
    with RobotReceiver(wecom_users={"zhangsan"}) as rx:
        app = rx.wecom_app()
        with pytest.raises(DeliveryError) as info:
            app.send("ghost", MSG)
        assert info.value.retryable is False and info.value.code == 81013
        with pytest.raises(DeliveryError) as info:
            app.send("zhangsan|ghost", MSG)  # partly delivered: WeCom names the invalid user
        assert info.value.code == "invaliduser"
        assert [m["target"] for m in rx.received] == ["zhangsan"]


# -- DingTalk ----------------------------------------------------------------------------------------


def test_dingtalk_delivers_signed_markdown(rx):
    send_dingtalk_robot(rx.dingtalk_url(), rx.dingtalk_secret(), MSG)
    [hit] = rx.received
    assert hit["channel"] == "dingtalk" and hit["target"] == rx.dingtalk_token
    assert hit["title"] == MSG.title
    assert hit["text"] == f"#### {MSG.title}\n\n{MSG.text}\n\n[查看]({MSG.url})"
    assert hit["raw"]["msgtype"] == "markdown"


def test_dingtalk_without_secret_when_the_robot_has_none():
    with RobotReceiver(dingtalk_robots={"plain-token": ""}) as rx:
        send_dingtalk_robot(rx.dingtalk_url(), "", MSG)
        assert rx.received[0]["target"] == "plain-token"


def test_dingtalk_wrong_secret_is_refused_and_not_retryable(rx):
    wrong = "SECwrong-secret-5e6f"
    with pytest.raises(DeliveryError) as info:
        send_dingtalk_robot(rx.dingtalk_url(), wrong, MSG)
    assert info.value.retryable is False and info.value.code == 310000
    assert_no_secret(info.value, wrong, rx.dingtalk_token)
    assert rx.received == [] and rx.rejected[0]["code"] == 310000


def test_dingtalk_stale_timestamp_is_refused(rx):
    two_hours_ago = int(time.time() * 1000) - 2 * 3600 * 1000
    with pytest.raises(DeliveryError) as info:
        send_dingtalk_robot(rx.dingtalk_url(), rx.dingtalk_secret(), MSG, now_ms=two_hours_ago)
    assert info.value.code == 310000 and info.value.retryable is False


def test_dingtalk_unknown_token_is_not_retryable(rx):
    with pytest.raises(DeliveryError) as info:
        send_dingtalk_robot(rx.dingtalk_url("unknown-token-1234"), rx.dingtalk_secret(), MSG)
    assert info.value.code == 300001 and info.value.retryable is False
    assert_no_secret(info.value, "unknown-token-1234")


def test_dingtalk_rate_limit_is_retryable(rx):
    rx.rate_limit_next(1)
    with pytest.raises(DeliveryError) as info:
        send_dingtalk_robot(rx.dingtalk_url(), rx.dingtalk_secret(), MSG)
    assert info.value.code == 130101 and info.value.retryable is True


# -- Feishu ------------------------------------------------------------------------------------------


def test_feishu_delivers_signed_text(rx):
    send_feishu_robot(rx.feishu_url(), rx.feishu_secret(), MSG)
    [hit] = rx.received
    assert hit["channel"] == "feishu" and hit["target"] == rx.feishu_token
    assert hit["title"] == MSG.title
    assert hit["text"] == f"{MSG.title}\n{MSG.text}\n{MSG.url}"
    raw = hit["raw"]
    assert raw["msg_type"] == "text" and isinstance(raw["timestamp"], str)
    assert raw["sign"] == feishu_sign(rx.feishu_secret(), int(raw["timestamp"]))


def test_feishu_wrong_secret_is_refused_and_not_retryable(rx):
    wrong = "wrong-feishu-secret-3b4c"
    with pytest.raises(DeliveryError) as info:
        send_feishu_robot(rx.feishu_url(), wrong, MSG)
    assert info.value.retryable is False and info.value.code == 19021
    assert "sign match fail" in str(info.value)
    assert_no_secret(info.value, wrong, rx.feishu_token)


def test_feishu_stale_timestamp_is_refused(rx):
    with pytest.raises(DeliveryError) as info:
        send_feishu_robot(rx.feishu_url(), rx.feishu_secret(), MSG, now_s=int(time.time()) - 7200)
    assert info.value.code == 19021


def test_feishu_rate_limit_is_retryable(rx):
    rx.rate_limit_next(1)
    with pytest.raises(DeliveryError) as info:
        send_feishu_robot(rx.feishu_url(), rx.feishu_secret(), MSG)
    assert info.value.code == 9499 and info.value.retryable is True


def test_feishu_legacy_status_code_answer_is_success():
    with RobotReceiver(feishu_legacy=True) as rx:
        send_feishu_robot(rx.feishu_url(), rx.feishu_secret(), MSG)
        assert len(rx.received) == 1


# -- transport failures: all retryable, none reveals a secret ----------------------------------------


def _senders(rx: RobotReceiver):
    # addresses and credentials are taken now, so the senders still work (and fail) after rx.stop()
    wecom_url, ding_url, ding_secret = rx.wecom_robot_url(), rx.dingtalk_url(), rx.dingtalk_secret()
    feishu_url, feishu_secret, base_url = rx.feishu_url(), rx.feishu_secret(), rx.base_url
    return {
        "wecom_robot": lambda **kw: send_wecom_robot(wecom_url, MSG, **kw),
        "wecom_app": lambda **kw: WeComAppClient(rx.corp_id, rx.agent_id, rx.corp_secret, base_url, **kw).send(
            "zhangsan", MSG),
        "dingtalk": lambda **kw: send_dingtalk_robot(ding_url, ding_secret, MSG, **kw),
        "feishu": lambda **kw: send_feishu_robot(feishu_url, feishu_secret, MSG, **kw),
    }


CHANNELS = ["wecom_robot", "wecom_app", "dingtalk", "feishu"]


@pytest.mark.parametrize("channel", CHANNELS)
def test_receiver_down_is_retryable(rx, channel):
    rx.down = True
    with pytest.raises(DeliveryError) as info:
        _senders(rx)[channel]()
    assert info.value.retryable is True and info.value.code == 503
    assert_no_secret(info.value, *secrets_of(rx))
    rx.down = False
    _senders(rx)[channel]()
    assert len(rx.messages(channel)) == 1


@pytest.mark.parametrize("channel", CHANNELS)
def test_dropped_connection_is_retryable(rx, channel):
    rx.fail_next(1, close=True)
    with pytest.raises(DeliveryError) as info:
        _senders(rx)[channel]()
    assert info.value.retryable is True
    assert_no_secret(info.value, *secrets_of(rx))


@pytest.mark.parametrize("channel", CHANNELS)
def test_timeout_is_retryable(rx, channel):
    rx.delay = 0.5
    with pytest.raises(DeliveryError) as info:
        _senders(rx)[channel](timeout=0.1)
    assert info.value.retryable is True
    assert_no_secret(info.value, *secrets_of(rx))


@pytest.mark.parametrize("channel", CHANNELS)
def test_stopped_receiver_connection_refused_is_retryable(channel):
    rx = RobotReceiver().start()
    senders = _senders(rx)
    hidden = secrets_of(rx)
    rx.stop()
    with pytest.raises(DeliveryError) as info:
        senders[channel]()
    assert info.value.retryable is True
    assert_no_secret(info.value, *hidden)


def test_fail_next_counts_requests(rx):
    rx.fail_next(2)
    for _ in range(2):
        with pytest.raises(DeliveryError):
            send_wecom_robot(rx.wecom_robot_url(), MSG)
    send_wecom_robot(rx.wecom_robot_url(), MSG)
    assert rx.requests == 3 and len(rx.received) == 1


def test_concurrent_robot_messages_are_all_recorded(rx):
    threads = [threading.Thread(target=send_wecom_robot, args=(rx.wecom_robot_url(), Message(f"t{i}", "x")))
               for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(m["title"] for m in rx.wait_for(10)) == sorted(f"t{i}" for i in range(10))


def test_http_4xx_is_not_retryable_and_url_is_redacted(rx):
    with pytest.raises(DeliveryError) as info:
        post_json(f"{rx.base_url}/nowhere?key=top-secret-key", {})
    assert info.value.retryable is False and info.value.code == 404
    assert "top-secret-key" not in str(info.value)
    assert "/nowhere?…" in str(info.value)


class _VendorErrorAsHttpStatus(BaseHTTPRequestHandler):
    """Some gateways answer vendor errors with a 4xx status and the vendor JSON as body."""

    answers = {"/429": (429, {"code": 9499, "msg": "too many request"}),
               "/400": (400, {"code": 19021, "msg": "sign match fail"}),
               "/403": (403, {"error": "forbidden"})}

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, answer = self.answers[self.path]
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def status_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _VendorErrorAsHttpStatus)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_vendor_code_in_a_4xx_body_decides_retry(status_server):
    with pytest.raises(DeliveryError) as info:
        send_feishu_robot(f"{status_server}/429", "s", MSG)
    assert info.value.code == 9499 and info.value.retryable is True
    with pytest.raises(DeliveryError) as info:
        send_feishu_robot(f"{status_server}/400", "s", MSG)
    assert info.value.code == 19021 and info.value.retryable is False
    with pytest.raises(DeliveryError) as info:
        send_feishu_robot(f"{status_server}/403", "s", MSG)  # no vendor code: the HTTP status decides
    assert info.value.code == 403 and info.value.retryable is False


def test_only_http_urls_are_opened():
    with pytest.raises(DeliveryError) as info:
        post_json("file:///etc/passwd", {})
    assert info.value.retryable is False


def test_nothing_secret_is_logged(rx, caplog):
    caplog.set_level(logging.DEBUG)
    send_wecom_robot(rx.wecom_robot_url(), MSG)
    send_dingtalk_robot(rx.dingtalk_url(), rx.dingtalk_secret(), MSG)
    send_feishu_robot(rx.feishu_url(), rx.feishu_secret(), MSG)
    rx.wecom_app().send("zhangsan", MSG)
    with pytest.raises(DeliveryError):
        send_dingtalk_robot(rx.dingtalk_url(), "SECwrong", MSG)
    assert caplog.records, "expected debug lines from kam.notify.channels"
    for secret in secrets_of(rx):
        assert secret not in caplog.text


# -- e-mail ------------------------------------------------------------------------------------------


def _mail(smtp: SmtpReceiver, **kwargs):
    options = {"to": "sales.lead@example.cn", "message": MSG, "from_email": "KAM 提醒 <kam@example.cn>",
               "host": "127.0.0.1", "port": smtp.port}
    options.update(kwargs)
    send_email(**options)


def test_email_with_chinese_subject_arrives_intact(smtp):
    _mail(smtp)
    [mail] = smtp.messages
    assert mail["Subject"] == MSG.title
    assert mail["To"] == "sales.lead@example.cn"
    assert mail["From"].addresses[0].display_name == "KAM 提醒"
    body = mail.get_content()
    assert MSG.text in body and MSG.url in body
    assert smtp.envelopes[0]["mail_from"] == "kam@example.cn"
    assert smtp.envelopes[0]["rcpt_tos"] == ["sales.lead@example.cn"]


def test_email_starttls_and_login():
    with SmtpReceiver(credentials={"kam": "mail-pw-1"}, starttls=True) as smtp:
        _mail(smtp, username="kam", password="mail-pw-1", use_tls=True, ssl_context=smtp.client_ssl_context)
        assert smtp.messages[0]["Subject"] == MSG.title
        assert smtp.envelopes[0]["login"] == "kam"


def test_email_implicit_tls():
    with SmtpReceiver(implicit_tls=True) as smtp:
        _mail(smtp, use_ssl=True, ssl_context=smtp.client_ssl_context)
        assert len(smtp.messages) == 1


def test_email_untrusted_certificate_is_not_retryable():
    with SmtpReceiver(starttls=True) as smtp:
        with pytest.raises(DeliveryError) as info:
            _mail(smtp, use_tls=True, ssl_context=ssl.create_default_context())
        assert info.value.retryable is False
        assert smtp.messages == []


def test_email_bad_password_is_not_retryable_and_not_revealed():
    with SmtpReceiver(credentials={"kam": "right-pw"}) as smtp:
        with pytest.raises(DeliveryError) as info:
            _mail(smtp, username="kam", password="wrong-pw-8d2e")
        assert info.value.retryable is False and info.value.code == 535
        assert "wrong-pw-8d2e" not in str(info.value)


def test_email_4xx_is_retryable(smtp):
    smtp.fail_next(1)
    with pytest.raises(DeliveryError) as info:
        _mail(smtp)
    assert info.value.retryable is True and info.value.code == 451
    _mail(smtp)
    assert len(smtp.messages) == 1


def test_email_refused_recipient_is_not_retryable():
    with SmtpReceiver(refuse_recipients={"nobody@example.cn"}) as smtp:
        with pytest.raises(DeliveryError) as info:
            _mail(smtp, to="nobody@example.cn")
        assert info.value.retryable is False and info.value.code == 550


def test_email_server_down_is_retryable_then_recovers(smtp):
    port = smtp.port
    smtp.down = True
    with pytest.raises(DeliveryError) as info:
        _mail(smtp, timeout=2)
    assert info.value.retryable is True
    smtp.down = False
    assert smtp.port == port
    _mail(smtp)
    assert len(smtp.messages) == 1


def test_email_header_injection_is_neutralised(smtp):
    _mail(smtp, message=Message("标题\r\nBcc: evil@example.com", "正文"))
    mail = smtp.messages[0]
    assert mail["Bcc"] is None
    assert smtp.envelopes[0]["rcpt_tos"] == ["sales.lead@example.cn"]
