"""The A3 page: the integrity side of the programme for management — each figure equals the records its link
lists (gift refusals and decisions, unapproved commitments, exports and core-data access by person)."""

from __future__ import annotations

import re

import pytest

from kam.care import services
from kam.core.errors import PolicyViolation

pytestmark = pytest.mark.django_db


def _total(client, url: str, table: str) -> int:
    body = client.get(url.replace("&amp;", "&")).content.decode()
    match = re.search(r"共\s*(\d+)\s*条", body)
    if match:
        return int(match.group(1))
    section = body[body.index(f'id="{table}"'):]
    section = section[:section.index("</table>")]
    return section.count("<tr>") - 1  # minus the header row


def test_a3_figures_equal_the_records_they_link_to(users, account, client):
    for item in ("超市购物卡", "中秋红包"):
        with pytest.raises(PolicyViolation):
            services.gift_register(actor=users.am1, customer=account.mine, recipient=account.boss, item=item,
                                   category="food", quantity=1, unit_value="100.00")
    with pytest.raises(PolicyViolation):
        services.gift_register(actor=users.am1, customer=account.mine, recipient=account.boss, item="红木茶台",
                               category="craft", quantity=1, unit_value="900.00")
    services.gift_register(actor=users.am1, customer=account.mine, recipient=account.boss,
                                     item="定制茶具", category="craft", quantity=1, unit_value="300.00")
    rejected = services.gift_register(actor=users.am1, customer=account.mine, recipient=account.buyer,
                                      item="茶叶礼盒", category="tea", quantity=1, unit_value="250.00")
    services.gift_decide(actor=users.head, gift=rejected, approve=False, note="重复")
    services.commitment_register(actor=users.am1, customer=account.mine, kind="discount", description="返点 2%",
                                 department="finance")
    client.force_login(users.am1)
    client.get("/requests/export.xlsx")  # an audited export by am1
    client.force_login(users.head)
    client.post(f"/customers/{account.mine.pk}/reveal/contacts/")  # a core-data reveal by the head of sales
    client.force_login(users.mgmt)
    page = client.get("/care/integrity/")
    assert page.status_code == 200
    body = page.content.decode()
    figures = {i: (u, int(n)) for i, u, n in re.findall(r'<a id="(fig-[\w-]+)" href="([^"]+)">(\d+)</a>', body)}
    assert figures["fig-refusals"][1] == 3 and figures["fig-refusals-word"][1] == 2
    assert figures["fig-refusals-per_gift"][1] == 1
    assert figures["fig-awaiting"][1] == 1 and figures["fig-rejected"][1] == 1 and figures["fig-commitments"][1] == 1
    tables = {"fig-refusals": "refusals", "fig-refusals-word": "refusals", "fig-refusals-per_gift": "refusals",
              "fig-refusals-category": "refusals", "fig-refusals-per_year": "refusals", "fig-awaiting": "gifts",
              "fig-approved": "gifts", "fig-rejected": "gifts", "fig-commitments": "commitments",
              "fig-commitments-late": "commitments", "fig-commitments-missed": "commitments",
              "fig-no-contract": "no-contract"}
    for key, (url, n) in figures.items():
        assert _total(client, url, tables[key]) == n, (key, url)
    exports = re.findall(r'<a href="(/audit/\?action=[^"]+)">(\d+)</a>', body)
    reveals = re.findall(r'<a href="(/audit/access-log/\?user=\d+)">(\d+)</a>', body)
    assert exports and reveals
    for url, n in exports:
        assert _total(client, url, "audit") == int(n), url
    for url, n in reveals:
        assert _total(client, url, "access-log") == int(n), url
    assert "am1" in body[body.index('id="a3-exports"'):] and "head" in body[body.index('id="a3-reveals"'):]
    for who in (users.head, users.am1, users.svc):
        client.force_login(who)
        assert client.get("/care/integrity/").status_code == 403
