from django.shortcuts import redirect, render

from kam.core.access import login_required
from kam.customers.selectors import customers_visible
from kam.users.models import Role


@login_required
def home(request):
    if request.user.has_role(Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES):
        return redirect("my_day")
    customers = customers_visible(user=request.user)
    return render(request, "workbench/home.html", {"customer_count": customers.count(), "roles": request.user.roles})
