from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kam.core.health import run_probes


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers and every registered probe is healthy (the sweep ran recently, the outbox
    is not stuck), 503 otherwise — for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    body: dict = {"status": "ok", "database": "ok"}
    for name, (ok, details) in run_probes().items():
        body[name] = {"ok": ok, **details}
        if not ok:
            body["status"] = "error"
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
