"""Health check, the favicon and error pages."""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger("portal.health")

DATABASE_DOWN = (OperationalError, InterfaceError)


@require_GET
def favicon(request):
    """/favicon.ico, which browsers ask for by themselves: the portal's icon in /static/."""
    response = redirect(static("portal/favicon.svg"))
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response


@never_cache
@require_GET
def healthz(request):
    """For load balancers: 200 while the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        log.warning("health check failed: database unreachable", extra={"error": str(error)})
        return JsonResponse({"status": "indisponivel", "database": "erro"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """handler500: a database outage is a 503 ("try again soon"), anything else a 500.

    Django calls this while handling the exception, so sys.exc_info() names the cause.
    """
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_DOWN):
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response
    return render(request, "500.html", status=500)
