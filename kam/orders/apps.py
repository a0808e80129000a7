from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "kam.orders"
    label = "orders"
    verbose_name = "订单"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.customers.panels import register_activity, register_figures
        from kam.orders.activity import order_entry, order_query, purchase_figures, purchase_values

        register_figures("orders", purchase_values, purchase_figures, order=10)
        register_activity("orders", _("订单"), order=50, has_person=False, query=order_query, entry=order_entry)
