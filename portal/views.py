"""Health check, the favicon and error pages: HTML for the portal's pages, the API's JSON
(`{"erro": …}`) for anything under /api/, whatever failed."""

import logging
import sys

import redis
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.responses import (
    API_BAD_REQUEST,
    API_FORBIDDEN,
    API_NOT_FOUND,
    API_SERVER_ERROR,
    API_TOO_LARGE,
    API_UNAVAILABLE,
    is_api,
    json_error,
)

log = logging.getLogger("portal.health")

# A database or a cache (Redis) that does not answer: the request may succeed in a moment, so
# the answer is a 503 with Retry-After, not a 500. (With the database cache, a cache outage is
# a database one.)
OUTAGE = (OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError)
RETRY_AFTER_SECONDS = 30


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
    """handler500: an outage of the database or the cache is a 503 ("try again soon") with
    Retry-After, anything else a 500.

    Django calls this while handling the exception, so sys.exc_info() names the cause.
    """
    outage = isinstance(sys.exc_info()[1], OUTAGE)
    if is_api(request):
        response = json_error(*((API_UNAVAILABLE, 503) if outage else (API_SERVER_ERROR, 500)))
    elif outage:
        response = render(request, "503.html", status=503)
    else:
        return render(request, "500.html", status=500)
    if outage:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request, exception):
    """handler400; a body over DATA_UPLOAD_MAX_MEMORY_SIZE read outside the API's own views
    is, for the API, the 413 its views answer."""
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return json_error(API_TOO_LARGE, 413)
        return json_error(API_BAD_REQUEST, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    """handler403."""
    if is_api(request):
        return json_error(API_FORBIDDEN, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    """handler404: under /api/ but outside a version the API mounts (e.g. /api/v2/)."""
    if is_api(request):
        return json_error(API_NOT_FOUND, 404)
    return defaults.page_not_found(request, exception)
