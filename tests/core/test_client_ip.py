"""Where a request's client address comes from (issue 12 §4): REMOTE_ADDR, unless it is a trusted proxy
(KAM_TRUSTED_PROXIES); then the right-most X-Forwarded-For hop that is not a trusted proxy."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from kam.core.middleware import client_ip

rf = RequestFactory()


def _ip(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **extra))


def test_without_trusted_proxies_remote_addr_is_the_client_and_forwarded_for_is_ignored(settings):
    settings.KAM_TRUSTED_PROXIES = []
    assert _ip("203.0.113.5") == "203.0.113.5"
    assert _ip("203.0.113.5", "198.51.100.1") == "203.0.113.5"  # a spoofed header changes nothing
    assert _ip("127.0.0.1", "198.51.100.1") == "127.0.0.1"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(settings):
    settings.KAM_TRUSTED_PROXIES = ["127.0.0.1/32", "10.0.0.0/8"]
    # the client wrote "1.1.1.1"; nginx appended the address it saw
    assert _ip("127.0.0.1", "1.1.1.1, 203.0.113.9") == "203.0.113.9"
    # two proxies: a load balancer (10.0.0.5) in front of nginx (127.0.0.1)
    assert _ip("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.5") == "198.51.100.7"
    assert _ip("127.0.0.1", "198.51.100.7:51234") == "198.51.100.7"  # a port is dropped
    assert _ip("127.0.0.1", "[2001:db8::1]:443") == "2001:db8::1"
    assert _ip("127.0.0.1") == "127.0.0.1"  # the proxy itself asking (no header)
    assert _ip("127.0.0.1", "10.0.0.7") == "10.0.0.7"  # only trusted hops: the farthest one
    assert _ip("127.0.0.1", "203.0.113.1, not-an-address") == "127.0.0.1"  # garbage is not believed


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(settings):
    settings.KAM_TRUSTED_PROXIES = ["127.0.0.1/32"]
    assert _ip("203.0.113.50", "127.0.0.1") == "203.0.113.50"
    assert _ip("203.0.113.50", "198.51.100.1, 10.1.1.1") == "203.0.113.50"


def test_a_bad_trusted_proxies_setting_stops_the_start():
    from kam.settings import _networks

    assert _networks(" 127.0.0.1 , 10.0.0.0/24,") == ["127.0.0.1/32", "10.0.0.0/24"]
    with pytest.raises(ImproperlyConfigured, match="KAM_TRUSTED_PROXIES"):
        _networks("127.0.0.1,proxy.local")


@pytest.mark.django_db
def test_audit_rows_and_throttling_use_the_client_address_behind_the_proxy(users, client, settings):
    from kam.audit.models import AuditEvent
    from kam.users.models import LoginThrottle

    settings.KAM_TRUSTED_PROXIES = ["127.0.0.1/32"]
    client.post("/login/", {"username": "am1", "password": "wrong"}, REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.23")
    event = AuditEvent.objects.get(action="users.login.failed")
    assert event.ip == "198.51.100.23"
    assert LoginThrottle.objects.filter(username="am1", ip="198.51.100.23").exists()
    assert not LoginThrottle.objects.filter(ip="127.0.0.1").exists()  # not the proxy's address
