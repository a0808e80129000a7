"""Dossier edits (A6.1, A6.2, A7.1) through forms: bad input is a 400 naming the field with nothing changed;
a refused floor price is never sent back to the browser (core data)."""

import pytest

from kam.customers.models import Contact, FloorPrice
from kam.dossier.models import License

pytestmark = pytest.mark.django_db


def test_a61_license_with_a_bad_expiry_is_a_400_keeping_what_was_typed(users, key_account, client):
    c = key_account()
    client.force_login(users.am1)
    response = client.post(f"/customers/{c.pk}/licenses/", {"name": "营业执照", "number": "N-1",
                                                            "expires_on": "2026-13-45"})
    body = response.content.decode()
    assert response.status_code == 400 and "「有效期至」" in body
    assert 'value="营业执照"' in body and 'value="N-1"' in body
    response = client.post(f"/customers/{c.pk}/licenses/", {"name": " "})
    assert response.status_code == 400 and "「证照名称」" in response.content.decode()
    assert not License.objects.exists()
    assert client.post(f"/customers/{c.pk}/licenses/", {"name": "营业执照", "expires_on": "2027-06-30"}
                       ).status_code == 302
    assert License.objects.get().expires_on.isoformat() == "2027-06-30"


def test_a71_refused_floor_price_names_the_field_but_never_echoes_the_price(users, key_account, client):
    c = key_account()
    client.force_login(users.head)
    response = client.post(f"/customers/{c.pk}/floor-prices/", {"series": "", "price": "4321.98"})
    body = response.content.decode()
    assert response.status_code == 400 and "「产品系列」" in body
    assert "4321.98" not in body  # A7.1: a floor price typed in is not rendered back
    response = client.post(f"/customers/{c.pk}/floor-prices/", {"series": "沙发", "price": "abc"})
    body = response.content.decode()
    assert response.status_code == 400 and "「底价（元）」" in body and 'value="沙发"' in body
    assert not FloorPrice.objects.exists()


def test_a62_confirming_an_unknown_section_is_a_404_not_a_500(users, key_account, client):
    c = key_account()
    client.force_login(users.am1)
    for section in ("zzz", "contacts"):
        assert client.post(f"/customers/{c.pk}/confirm/{section}/", HTTP_HX_REQUEST="true").status_code == 404
    assert client.post(f"/customers/{c.pk}/confirm/basic/", HTTP_HX_REQUEST="true").status_code == 200


def test_in_place_edit_with_a_bad_date_returns_the_form_with_status_400(users, key_account, client):
    c = key_account()
    client.force_login(users.am1)
    response = client.post(f"/customers/{c.pk}/edit/basic/", {"city": "广州", "founded_on": "2001-02-30"},
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 400 and "errorlist" in body and 'value="广州"' in body
    c.refresh_from_db()
    assert c.city == "佛山"


def test_contact_anonymise_without_a_reason_and_huge_contact_ids(users, key_account, client):
    from kam.customers.services import contact_create

    c = key_account()
    person = contact_create(actor=None, customer=c, name="林董", phone="13711112222")
    client.force_login(users.head)
    response = client.post(f"/customers/{c.pk}/contacts/{person.pk}/anonymise/", {"reason": ""})
    assert response.status_code == 400 and "「匿名化依据」" in response.content.decode()
    person.refresh_from_db()
    assert person.name == "林董"
    assert client.post(f"/customers/{c.pk}/contacts/99999999999999999999/anonymise/", {"reason": "x"}
                       ).status_code == 404
    response = client.post(f"/customers/{c.pk}/contacts/new/", {"name": "王经理", "email": "not-an-email"})
    assert response.status_code == 400 and 'value="王经理"' in response.content.decode()
    assert Contact.objects.count() == 1
