from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.customers.models import Customer


class OrderStatus(models.TextChoices):
    OPEN = "open", _("执行中")
    DELIVERED = "delivered", _("已交付")
    CANCELLED = "cancelled", _("已取消")


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("订单编号"), max_length=60, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    order_date = models.DateField(_("下单日期"))
    promised_delivery_date = models.DateField(_("承诺交期"), null=True, blank=True)
    actual_delivery_date = models.DateField(_("实际交付日期"), null=True, blank=True)
    # sum of the lines, kept by the services that write lines (tax included as recorded, A2.1)
    amount = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2, default=0)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-order_date", "-id"]
        indexes = [models.Index(fields=["customer", "order_date"])]
        verbose_name = _("订单")
        verbose_name_plural = _("订单")

    def __str__(self) -> str:
        return self.number

    @property
    def delivery_cycle_days(self) -> int | None:
        """A6.1 delivery cycle: order to delivery, in days."""
        if self.actual_delivery_date is None:
            return None
        return (self.actual_delivery_date - self.order_date).days


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product_series = models.CharField(_("产品系列"), max_length=60)
    product_model = models.CharField(_("型号"), max_length=60)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("单价（元）"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["order_id", "id"]
        verbose_name = _("订单行")
        verbose_name_plural = _("订单行")

    def __str__(self) -> str:
        return f"{self.product_series} {self.product_model}"


class OrderReturn(models.Model):
    number = models.CharField(_("退货单号"), max_length=60, unique=True, null=True, blank=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="returns")
    returned_on = models.DateField(_("退货日期"))
    amount = models.DecimalField(_("退货金额（元）"), max_digits=16, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["-returned_on", "-id"]
        indexes = [models.Index(fields=["customer", "returned_on"])]
        verbose_name = _("退货")
        verbose_name_plural = _("退货")

    def __str__(self) -> str:
        return f"{self.order_id} −{self.amount}"


class QualityDispute(models.Model):
    number = models.CharField(_("争议编号"), max_length=60, unique=True, null=True, blank=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="quality_disputes")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="quality_disputes")
    opened_on = models.DateField(_("提出日期"))
    closed_on = models.DateField(_("关闭日期"), null=True, blank=True)
    summary = models.CharField(_("摘要"), max_length=300)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("质量争议")
        verbose_name_plural = _("质量争议")

    def __str__(self) -> str:
        return self.summary
