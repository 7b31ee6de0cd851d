"""Request bodies are refused by their declared size, before anything reads them.

Django reads a POST whole (a file to a temporary file) as soon as anything touches
request.POST or request.FILES — the CSRF check does, before the view — and the view's own
size check comes after. `BodyLimitMiddleware`, placed before the CSRF check, compares the
Content-Length with the view's limit (`max_body_size`, else MAX_REQUEST_BODY_SIZE) and
answers 413 without reading a byte. Django reads no more than the Content-Length, so a body
without one is empty to it. The reverse proxy caps bodies too (docs/security.md).
"""

import functools

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from portal.responses import wants_json

# What a form adds to its file: the other fields and the multipart boundaries.
FORM_OVERHEAD = 64 * 1024


def max_body_size(limit):
    """The largest request body (bytes) the decorated view accepts: a number, or a function
    of no arguments that gives it (for a limit read from the settings at each request)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        wrapper.max_body_size = limit
        return wrapper

    return decorate


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",").replace(",0", "") + " MB"


class BodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        limit = getattr(view_func, "max_body_size", settings.MAX_REQUEST_BODY_SIZE)
        if callable(limit):
            limit = limit()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads nothing of a body whose length it cannot read
        if length <= limit:
            return None
        message = f"O envio passa do limite de {_megabytes(limit)}: nada foi alterado."
        if wants_json(request) or request.path.startswith("/api/"):
            return JsonResponse({"erro": message}, status=413)
        return render(request, "413.html", {"message": message}, status=413)
