from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kam.core.access import login_required


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request):
    from django.shortcuts import redirect

    from kam.customers.selectors import customers_visible
    from kam.users.models import Role

    if request.user.has_role(Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES):
        return redirect("my_day")
    customers = customers_visible(user=request.user)
    return render(request, "core/home.html", {"customer_count": customers.count(), "roles": request.user.roles})
