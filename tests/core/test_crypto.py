"""Encryption at rest of personal and core data (A7.1): MultiFernet, fail closed, rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from kam.core import crypto
from kam.customers.models import Contact, FloorPrice
from kam.customers.services import contact_create, floor_price_set

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cur.fetchone()[0]


def test_raw_column_is_not_the_plaintext(customer_factory):
    customer = customer_factory()
    contact = contact_create(actor=None, customer=customer, name="王总", phone="13800138000",
                             email="wang@example.cn", is_decision_maker=True)
    raw = _raw("customers_contact", "phone", contact.pk)
    assert "13800138000" not in raw and raw.startswith("gAAAAA")
    assert Contact.objects.get(pk=contact.pk).phone == "13800138000"
    fp = floor_price_set(actor=None, customer=customer, product_series="酒店床组", price="1234.50")
    assert "1234.5" not in _raw("customers_floorprice", "price", fp.pk)


def test_same_plaintext_gives_different_tokens(customer_factory):
    customer = customer_factory()
    a = contact_create(actor=None, customer=customer, name="甲", phone="13900000000")
    b = contact_create(actor=None, customer=customer, name="乙", phone="13900000000")
    assert _raw("customers_contact", "phone", a.pk) != _raw("customers_contact", "phone", b.pk)


def test_wrong_key_raises_instead_of_returning_ciphertext(customer_factory, settings):
    customer = customer_factory()
    contact = contact_create(actor=None, customer=customer, name="王总", phone="13800138000")
    settings.FIELD_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.FieldDecryptionError):
        Contact.objects.get(pk=contact.pk)


def test_rotation_keeps_data_readable_and_old_key_can_go(customer_factory, settings):
    customer = customer_factory()
    contact = contact_create(actor=None, customer=customer, name="王总", phone="13800138000")
    fp = floor_price_set(actor=None, customer=customer, product_series="办公桌", price="999.00")
    old_keys = list(settings.FIELD_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_KEYS = [new_key, *old_keys]
    call_command("rotate_field_keys", stdout=open("/dev/null", "w"))
    settings.FIELD_KEYS = [new_key]
    assert Contact.objects.get(pk=contact.pk).phone == "13800138000"
    assert FloorPrice.objects.get(pk=fp.pk).price == "999.00"


def test_audit_never_holds_core_or_personal_values(customer_factory):
    from kam.audit.models import AuditEvent

    customer = customer_factory()
    contact_create(actor=None, customer=customer, name="王总", phone="13812345678", is_decision_maker=True)
    floor_price_set(actor=None, customer=customer, product_series="沙发", price="76543.21")
    dump = str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert "13812345678" not in dump and "76543" not in dump
