"""Where to go after a form: the `next` parameter, only when it stays on this site (no open redirect)."""

from __future__ import annotations

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str, *, param: str = "next") -> str:
    """`next` from the query string (or the posted form) if it points to this host, else `default`
    (a URL or a URL name; "" gives ""). `https://evil.example/…`, `//evil.example`, `javascript:` … fall back to the default."""
    candidate = request.GET.get(param) or request.POST.get(param)
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return resolve_url(default) if default else ""
