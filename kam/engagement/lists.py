"""The contact-log and visit lists' declarations (kam.core.lists): the account manager sees the records of their
own accounts, the head of sales everyone's (the selectors scope); filters by customer, kind, person and date."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from kam.core.lists import Column, Filter, ListSpec, choice_filter, date_filter, text_filter
from kam.engagement.models import ContactKind, Topic, VisitStatus
from kam.users.models import Role, User


def local_time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def people(user: User) -> list[tuple[str, str]]:
    """Whose records a user may filter by: everyone's for those who see all accounts, else only their own."""
    if not user.sees_all_customers:
        return [(str(user.pk), str(user))]
    qs = User.objects.filter(is_active=True, role_grants__role__in=[Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES]
                             ).distinct().order_by("display_name", "username")
    return [(str(u.pk), str(u)) for u in qs]


def contact_spec(user: User) -> ListSpec:
    return ListSpec(
        name="engagement.contacts",
        columns=[Column("at", _l("时间"), order_by="at", value=lambda c: local_time(c.at)),
                 Column("customer", _l("客户"), order_by="customer__name", template="engagement/_customer_link.html"),
                 Column("kind", _l("方式"), order_by="kind", value=lambda c: c.get_kind_display()),
                 Column("topic", _l("主题"), order_by="topic", value=lambda c: c.get_topic_display()),
                 Column("author", _l("记录人"), order_by="author__display_name", value=lambda c: c.author),
                 Column("contact", _l("客户方人员"), template="engagement/_contact_person.html"),
                 Column("summary", _l("摘要"), template="engagement/_contact_summary.html"),
                 Column("next_step", _l("下一步"), value=lambda c: c.next_step or "—", default=False)],
        filters=[text_filter("customer", _l("客户"), "customer__name", placeholder=_l("客户名称")),
                 choice_filter("kind", _l("方式"), ContactKind.choices),
                 choice_filter("topic", _l("主题"), Topic.choices),
                 choice_filter("author", _l("记录人"), people(user), field_name="author_id"),
                 Filter("dm", _l("决策层"), lambda qs, v: qs.filter(with_decision_maker=True),
                        choices=[("1", _l("只看与决策层的沟通"))]),
                 date_filter("since", _l("起始日期"), "at__date__gte"),
                 date_filter("until", _l("截止日期"), "at__date__lte")],
        default_sort="-at")


def visit_spec(user: User) -> ListSpec:
    return ListSpec(
        name="engagement.visits",
        columns=[Column("starts_at", _l("时间"), order_by="starts_at", template="engagement/_visit_link.html"),
                 Column("customer", _l("客户"), order_by="customer__name", template="engagement/_customer_link.html"),
                 Column("owner", _l("拜访人"), order_by="owner__display_name", value=lambda v: v.owner),
                 Column("status", _l("状态"), order_by="status", template="engagement/_visit_state.html"),
                 Column("purpose", _l("目的"), value=lambda v: v.purpose[:40]),
                 Column("materials", _l("携带资料"), value=lambda v: "、".join(v.get_materials_display()) or "—"),
                 Column("purchase_plans", _l("近期采购计划"), value=lambda v: v.purchase_plans[:60] or "—",
                        default=False)],
        filters=[text_filter("customer", _l("客户"), "customer__name", placeholder=_l("客户名称")),
                 choice_filter("status", _l("状态"), VisitStatus.choices),
                 choice_filter("owner", _l("拜访人"), people(user), field_name="owner_id"),
                 date_filter("since", _l("起始日期"), "starts_at__date__gte"),
                 date_filter("until", _l("截止日期"), "starts_at__date__lte")],
        default_sort="-starts_at")
