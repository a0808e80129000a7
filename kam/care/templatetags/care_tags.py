from decimal import Decimal

from django import template

from kam.care.gates import yuan as _yuan

register = template.Library()


@register.filter
def yuan(value) -> str:
    """¥1,234.50: yuan with two places and thousands separators, as the gates' messages write it."""
    if value is None or value == "":
        return "—"
    return _yuan(Decimal(str(value)))
