from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "kam.receivables"
    label = "receivables"
    verbose_name = "应收"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.customers.panels import register_activity, register_figures
        from kam.receivables.activity import (
            invoice_entry,
            invoice_query,
            payment_entry,
            payment_query,
            receivable_figures,
            receivable_values,
        )

        register_figures("receivables", receivable_values, receivable_figures, order=30)
        register_activity("invoices", _("发票"), order=60, has_person=False, query=invoice_query,
                          entry=invoice_entry)
        register_activity("payments", _("收款"), order=70, has_person=False, query=payment_query,
                          entry=payment_entry)
