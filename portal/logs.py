"""Structured logs: one JSON object per line, and one line per request.

Nothing here reads request bodies, so passwords, certificate passwords and tokens never reach
the logs; query strings are logged without the values of sensitive-looking parameters, and
paths without the tokens of one-time links.
"""

import datetime
import json
import logging
import time

from django.utils.functional import empty
from django.utils.http import urlencode

from portal.net import client_ip

request_log = logging.getLogger("portal.request")

SENSITIVE = {"password", "senha", "token", "chave", "codigo_registro", "csrfmiddlewaretoken"}
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# json.dumps with options builds an encoder per call; one is enough (the import writes one
# audit line per client: 100,000 lines a file).
_encode = json.JSONEncoder(default=str, ensure_ascii=False).encode


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = value
        entry.pop("request", None)  # Django attaches the request object to some records
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _encode(entry)


def _safe_query(request) -> str:
    pairs = [
        (key, "***" if key.lower() in SENSITIVE else value)
        for key, values in request.GET.lists()
        for value in values
    ]
    return urlencode(pairs)[:500]


# URL parts that are credentials: the one-time links of password reset and invitations.
SENSITIVE_PATH_PARTS = ("token", "uidb64")


def _safe_path(request) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    for part in SENSITIVE_PATH_PARTS:
        value = match.kwargs.get(part) if match else None
        if value:
            path = path.replace(str(value), "***")
    return path


def _user_id(request):
    """The signed-in user's id, only if the request already loaded the user: logging must
    not query the database (it may be the thing that is down)."""
    user = getattr(request, "user", None)
    user = getattr(user, "_wrapped", user)
    if user is None or user is empty or not user.is_authenticated:
        return None
    return user.pk


class RequestLogMiddleware:
    """Logs method, path, status, duration, the client's address (portal.net.client_ip, as
    the rate limits see it), user and partner of every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request.path.startswith("/static/"):
            return response
        partner = getattr(request, "partner", None)
        path = _safe_path(request)
        request_log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "query": _safe_query(request),
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "ip": client_ip(request),
                "user": _user_id(request),
                "partner": partner.code if partner else None,
            },
        )
        return response
