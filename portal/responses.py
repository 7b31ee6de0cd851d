"""How any view tells a fetch/htmx request from a page navigation, and the pt-BR 403."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def is_fetch(request) -> bool:
    """An htmx or fetch() request (answered with a status code), not a page navigation."""
    return (
        request.headers.get("HX-Request") == "true"
        or wants_json(request)
        or request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate"
    )


def forbidden(request, message: str):
    """What the signed-in user's role may not do (nothing was changed): a pt-BR 403 page, or
    the message as JSON / text for fetch and htmx requests."""
    if wants_json(request):
        return JsonResponse({"erro": message}, status=403)
    if is_fetch(request):
        return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
    return render(request, "403.html", {"message": message}, status=403)
