"""How a partner-facing view answers a refused action, shared by every action view."""

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portal.responses import is_fetch, wants_json


def back_url(request) -> str:
    """`next` (from the form or the query string) if it is a path on this site, else the list.

    Only a path: redirect() would look up anything without "/" or "." as a view name.
    """
    url = request.POST.get("next") or request.GET.get("next")
    if (
        url
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return reverse("clients:list")


def refuse(request, message: str):
    """An action not allowed now (nothing was changed): 409 for fetch/htmx, else a message
    and back where the partner came from."""
    if wants_json(request):
        return JsonResponse({"erro": message}, status=409)
    if is_fetch(request):
        return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(back_url(request))
