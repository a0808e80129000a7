from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kam.customers"
    label = "customers"
    verbose_name = "客户"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.search import SearchProvider, register_provider
        from kam.customers.search import contact_hits, customer_hits, customer_match
        from kam.users.models import CUSTOMER_READER_ROLES

        register_provider(
            SearchProvider("customers", _("客户"), customer_hits, roles=CUSTOMER_READER_ROLES, order=10,
                           match=customer_match, hint=_("名称、简称、统一社会信用代码、拼音或拼音首字母")),
            SearchProvider("contacts", _("联系人"), contact_hits, roles=CUSTOMER_READER_ROLES, order=20,
                           hint=_("姓名、电话尾号（至少 4 位，仅限有权查看该电话的人员）")))
