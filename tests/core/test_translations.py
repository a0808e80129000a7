"""The English translation (issue 13): the UI is Chinese (zh-hans, the source language of every message) with English
available through the language switch. The catalogue kam/locale/en is complete — no empty or fuzzy message, also
when regenerated from the code — its compiled .mo (committed: a clean checkout has working translations) says the
same as the .po, and switching to English shows English on the pages people open first."""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from tests.core.untranslated import text_of_html

CATALOGUE = Path(django_settings.BASE_DIR) / "kam" / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1:line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: {msgctxt, msgid, msgid_plural, msgstr: [...], fuzzy} (the header left out)."""
    entries: list[dict] = []
    entry: dict = {}
    field = None

    def close():
        if entry.get("msgid"):
            entries.append(dict(entry))

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            close()
            entry, field = {}, None
        elif line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            field = "msgctxt"
            entry[field] = _unquote(line)
        elif line.startswith("msgid_plural "):
            field = "msgid_plural"
            entry[field] = _unquote(line)
        elif line.startswith("msgid "):
            field = "msgid"
            entry[field] = _unquote(line)
        elif line.startswith("msgstr"):
            field = "msgstr"
            entry.setdefault("msgstr", []).append(_unquote(line))
        elif line.startswith('"') and field:
            if field == "msgstr":
                entry["msgstr"][-1] += _unquote(line)
            else:
                entry[field] += _unquote(line)
    close()
    return entries


def _problems(entries: list[dict]) -> list[str]:
    return [e["msgid"] for e in entries if e.get("fuzzy") or not e.get("msgstr") or not all(e["msgstr"])]


def test_the_english_catalogue_has_no_empty_or_fuzzy_message():
    entries = read_po(CATALOGUE / "django.po")
    assert len(entries) > 1500  # the whole UI, not a stub
    assert _problems(entries) == []


def test_the_compiled_catalogue_says_what_the_po_says():
    """The .mo is committed (a clean checkout and CI need no gettext tools to show English): it must be compiled
    from the current .po (`manage.py compilemessages -l en`, run inside kam/)."""
    with open(CATALOGUE / "django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for e in read_po(CATALOGUE / "django.po"):
        if "msgid_plural" in e:
            got = [compiled.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
            want = [e["msgstr"][0], e["msgstr"][-1]]
        elif "msgctxt" in e:
            got, want = [compiled.pgettext(e["msgctxt"], e["msgid"])], [e["msgstr"][0]]
        else:
            got, want = [compiled.gettext(e["msgid"])], [e["msgstr"][0]]
        if got != want:
            stale.append(e["msgid"])
    assert stale == []


@pytest.mark.skipif(shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
                    reason="GNU gettext is not installed (.ci/run installs it)")
def test_every_message_of_the_code_is_in_the_english_catalogue(tmp_path, settings, monkeypatch):
    """makemessages on a copy of the code (the real catalogue untouched): every message the code and templates
    have today is translated — a new string without its English fails here."""
    source = Path(settings.BASE_DIR) / "kam"
    copy = tmp_path / "kam"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static", "migrations"))
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], no_location=True, no_obsolete=True, verbosity=0)
    regenerated = read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    assert len(regenerated) > 1500
    assert _problems(regenerated) == []


def _english(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_switching_to_english_shows_english_on_home_customers_and_my_day(users, customer_factory, client):
    """The head of sales and an account manager switch to English with the button in the top bar: their home page,
    the customer list and my day read in English (the customer names are data and stay as entered)."""
    from tests.factories import KeyAccountFactory, at

    KeyAccountFactory(name="Grand Hotel Foshan", manager=users.am1, city="Foshan", tier="core",
                      since=at(2025, 1, 1))
    customer_factory("Harbour Offices", manager=users.am1, city="Foshan")
    pages = {"head": ["/", "/customers/", "/my-day/"], "am1": ["/", "/customers/", "/my-day/"]}
    for username, urls in pages.items():
        client.force_login(getattr(users, username))
        client.get("/")  # the default: Chinese
        _english(client)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Language"] == "en"
            html = response.content.decode()
            assert '<html lang="en">' in html
            text = text_of_html(html).replace("中文", "")  # the switch back names its language in that language
            assert "Log out" in text
            chinese = sorted(set(CJK.findall(text)))
            assert not chinese, (username, url, "".join(chinese), [line for line in text.splitlines()
                                                                  if CJK.search(line)][:10])
        # the switch back to Chinese is offered, and Chinese is the default for a new browser
        assert ">中文<" in client.get("/").content.decode()
        client.logout()
        client.cookies.clear()
    client.force_login(users.head)
    assert ">退出<" in client.get("/").content.decode()  # a new browser: Chinese again


def test_amounts_read_in_the_readers_units():
    """万/亿 in Chinese; millions and billions in English (figure tiles; the charts do the same in charts.js)."""
    from django.utils import translation

    from kam.core.home import yuan_short

    with translation.override("zh-hans"):
        assert [yuan_short(v) for v in (9_999, 47_030_000, 109_200_000)] == ["¥9,999", "¥4,703万", "¥1.09亿"]
    with translation.override("en"):
        assert [yuan_short(v) for v in (9_999, 47_030_000, 1_092_000_000)] == ["¥9,999", "¥47.0M", "¥1.09B"]


def test_no_message_hides_inside_an_f_string():
    """xgettext does not look inside f-strings: `f"{_('报修')} …"` is translated at run time only if the message
    happens to be in the catalogue for another reason. Messages are marked outside f-strings."""
    hidden = re.compile(r"""\bf(["'])[^"'\n]*\{\s*(?:_|_l|gettext|gettext_lazy|pgettext)\(""")
    found = [f"{path.relative_to(django_settings.BASE_DIR)}:{n}"
             for path in sorted((Path(django_settings.BASE_DIR) / "kam").rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if hidden.search(line)]
    assert found == []
