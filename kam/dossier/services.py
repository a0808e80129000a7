"""Writes of the dossier (A6): section stamps (update / confirm unchanged), contacts, licences, anonymisation."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.core.access import require_role
from kam.core.errors import AccessDenied, ApplicationError
from kam.customers.models import Contact, Customer
from kam.customers.search import set_contact_keys
from kam.dossier.models import FRESHNESS_SECTIONS, License, Section, SectionStamp
from kam.obligations.store import reflect
from kam.users.models import Role, User

#: which section an edited customer field belongs to (A6.2 stamps)
FIELD_SECTION = {
    "short_name": Section.BASIC, "province": Section.BASIC, "city": Section.BASIC, "address": Section.BASIC, "founded_on": Section.BASIC,
    "name": Section.BASIC, "customer_type": Section.BASIC, "parent": Section.BASIC,
    "decision_process": Section.DECISION,
    "pref_style": Section.PREFERENCES, "pref_customisation": Section.PREFERENCES,
    "pref_price_sensitivity": Section.PREFERENCES, "pref_customs": Section.PREFERENCES,
}


def may_edit_dossier(user: User, customer: Customer) -> bool:
    """A6.1: the account manager edits their own accounts' basic info, contacts, decision process and
    preferences; the head of sales edits everything."""
    return user.has_role(Role.HEAD_OF_SALES) or (user.is_account_manager and customer.account_manager_id == user.pk)


def _require_edit(user: User, customer: Customer) -> None:
    if not may_edit_dossier(user, customer):
        raise AccessDenied(_("只有该客户的客户经理或销售部负责人可以维护档案（A6.1）。"))


def stamp(*, actor: User, customer: Customer, sections, confirmed: bool, at: dt.datetime | None = None,
          renamed: bool = False) -> None:
    now = at or timezone.now()
    SectionStamp.objects.bulk_create([SectionStamp(customer=customer, section=s, at=now, by=actor,
                                                   confirmed=confirmed) for s in set(sections)])
    # A6.2 freshness on the next page at once; a new name is in every clock's label
    reflect(customer_ids={customer.pk}, touched=None if renamed else {"dossier"})


@transaction.atomic
def section_confirm(*, actor: User, customer: Customer, section: str, at: dt.datetime | None = None) -> None:
    """A6.2 "确认无变化": the account manager confirms a section is still accurate this period."""
    _require_edit(actor, customer)
    if section not in FRESHNESS_SECTIONS:
        raise ApplicationError(_("该部分无需确认。"), field="section", rule="A6.2")
    stamp(actor=actor, customer=customer, sections=[section], confirmed=True, at=at)
    audit_log(actor=actor, action="dossier.section.confirmed", target=customer, rule="A6.2",
              changes={"section": section})


@transaction.atomic
def dossier_update(*, actor: User, customer: Customer, **values) -> Customer:
    """Edit basic info / decision process / preferences through the customer service; stamps the sections."""
    from kam.customers.services import customer_update

    _require_edit(actor, customer)
    renamed = "name" in values and values["name"] != customer.name
    customer = customer_update(actor=actor, customer=customer, **values)
    stamp(actor=actor, customer=customer, sections=[FIELD_SECTION[f] for f in values if f in FIELD_SECTION],
          confirmed=False, renamed=renamed)
    return customer


CONTACT_FIELDS = ("name", "title", "phone", "wechat", "email", "is_decision_maker", "birthday_kind",
                  "birthday_month", "birthday_day", "birthday_leap_month", "customs_note")
#: personal data: the audit names the change, never the value (A7.2; the birthday is encrypted, A14.1)
PERSONAL_CONTACT_FIELDS = ("phone", "wechat", "email", "birthday_kind", "birthday_month", "birthday_day",
                           "birthday_leap_month")


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, **values) -> Contact:
    customer = contact.customer
    _require_edit(actor, customer)
    if contact.anonymised_at:
        raise ApplicationError(_("该联系人已匿名化，不能再修改。"), field="name")
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ApplicationError(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    if "name" in values and not str(values["name"]).strip():
        raise ApplicationError(_("「姓名」不能为空。"), field="name")
    if "is_decision_maker" in values and values["is_decision_maker"] != contact.is_decision_maker and \
            not actor.has_role(Role.HEAD_OF_SALES):
        # A7.1: un-flagging a decision maker would turn core channels into basic data
        raise AccessDenied(_("只有销售部负责人可以调整联系人是否属于决策层（A7.1）。"))
    # core or personal values are named in the audit, never valued (A7.2)
    changed = {}
    for name, new in values.items():
        if getattr(contact, name) != new:
            changed[name] = {"changed": True} if name in PERSONAL_CONTACT_FIELDS else {
                "old": getattr(contact, name), "new": new}
            setattr(contact, name, new)
    if changed:
        if "phone" in changed:
            set_contact_keys(contact)  # issue 13: the phone's last digits, as a keyed digest
        contact.save()
        stamp(actor=actor, customer=customer, sections=[Section.CONTACTS], confirmed=False)
        audit_log(actor=actor, action="customers.contact.updated", target=contact, changes=changed)
    return contact


@transaction.atomic
def contact_anonymise(*, actor: User, contact: Contact, reason: str) -> Contact:
    """PIPL: on request, the head of sales anonymises a contact — name and channels replaced, history kept."""
    require_role(actor, Role.HEAD_OF_SALES, message=_("只有销售部负责人可以匿名化联系人。"))
    if not reason.strip():
        raise ApplicationError(_("请填写匿名化的依据（例如本人申请）。"), field="reason")
    if contact.anonymised_at:
        return contact
    contact.name = f"已匿名联系人#{contact.pk}"
    contact.phone = contact.wechat = contact.email = ""
    set_contact_keys(contact)  # no phone: no longer found by its digits
    contact.birthday = contact.customs_note = ""  # the birthday (encrypted) and the customs go too
    contact.anonymised_at = timezone.now()
    contact.save()
    audit_log(actor=actor, action="customers.contact.anonymised", target=contact, target_repr=contact.name,
              changes={"reason": reason.strip()})
    return contact


@transaction.atomic
def license_save(*, actor: User, customer: Customer, name: str, number: str = "",
                 expires_on: dt.date | None = None, license: License | None = None, file=None) -> License:
    _require_edit(actor, customer)
    if not name.strip():
        raise ApplicationError(_("请填写资质/证照名称。"), field="name")
    obj = license or License(customer=customer)
    if obj.customer_id != customer.pk:
        raise ApplicationError(_("证照不属于该客户。"), field="license")
    if file:  # issue 12 §3: a licence scan is an image or a PDF, checked by its content and size
        from kam.core.uploads import check_upload

        check_upload(file, kind="document", label=_("证照文件"))
        obj.file = file
    obj.name, obj.number, obj.expires_on = name.strip(), number.strip(), expires_on
    obj.save()
    stamp(actor=actor, customer=customer, sections=[Section.BASIC], confirmed=False)
    audit_log(actor=actor, action="dossier.license.saved", target=customer,
              changes={"license": obj.name, "expires_on": expires_on, "file": bool(file)})
    return obj
