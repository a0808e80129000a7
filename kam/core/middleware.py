from __future__ import annotations

import ipaddress
import uuid
from functools import lru_cache

from kam.core import context

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _trusted(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def _parse(value: str | None) -> IPAddress | None:
    """An address from REMOTE_ADDR or one X-Forwarded-For hop ("1.2.3.4", "1.2.3.4:5678", "[::1]:80")."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy (settings.KAM_TRUSTED_PROXIES).

    Behind trusted proxies it is the right-most X-Forwarded-For hop that is not itself a trusted proxy: every
    hop to the right of it was appended by a proxy we trust, everything to its left the client could have
    written. gunicorn does not rewrite REMOTE_ADDR from X-Forwarded-For (its --forwarded-allow-ips only
    concerns the scheme), so without this setting every user behind a proxy has the proxy's address.
    """
    from django.conf import settings

    remote = _parse(request.META.get("REMOTE_ADDR"))
    networks = _trusted(tuple(getattr(settings, "KAM_TRUSTED_PROXIES", ()) or ()))
    if remote is None or not networks or not any(remote in n for n in networks):
        return str(remote) if remote is not None else None
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    nearest = remote  # the closest trusted hop seen so far
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # garbage where a trusted proxy should have written an address: believe nothing further
        if not any(address in n for n in networks):
            return str(address)
        nearest = address
    return str(nearest)


class RequestContextMiddleware:
    """Gives each request an id and records the client IP for audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex
        request.request_id = request_id[:64]
        channel = "api" if request.path.startswith("/api/") else "page"
        token = context.set_current(context.RequestContext(request_id=request.request_id, ip=client_ip(request),
                                                           channel=channel))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class ChineseFirstLocaleMiddleware:
    """The UI is Chinese by default whatever the browser says; a user who chose English (the language switch
    sets a cookie) gets English. Django's LocaleMiddleware would follow Accept-Language instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response
