from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.customers.models import Customer
from kam.orders.models import Order


class Invoice(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(_("发票号码"), max_length=60, unique=True)
    issue_date = models.DateField(_("开票日期"))
    due_date = models.DateField(_("到期日"))
    amount = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [models.Index(fields=["customer", "due_date"])]
        verbose_name = _("发票")
        verbose_name_plural = _("发票")

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    reference = models.CharField(_("收款单号"), max_length=60, unique=True)
    paid_on = models.DateField(_("收款日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=16, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["customer", "paid_on"])]
        verbose_name = _("收款")
        verbose_name_plural = _("收款")

    def __str__(self) -> str:
        return self.reference


class PaymentAllocation(models.Model):
    """The part of a payment applied to an invoice (A5 on-time payment ratio, A17 aging)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("核销金额（元）"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("收款核销")
        verbose_name_plural = _("收款核销")

    def __str__(self) -> str:
        return f"{self.payment_id}→{self.invoice_id} {self.amount}"
