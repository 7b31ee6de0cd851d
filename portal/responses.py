"""How any view tells a fetch/htmx request from a page navigation, the pt-BR 403, and the
JSON error the API answers with (`{"erro": "…"}`)."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

# Everything under this prefix is the API the customers' software calls: its answers are JSON,
# errors included, whatever went wrong (portal.views' error handlers, deploy/nginx's pages).
API_PREFIX = "/api/"
# The API's messages for the errors no view of its own answers (portal.views' handlers);
# deploy/nginx/errors/*.json say the same for what the proxy answers (a test compares them).
API_UNAVAILABLE = "Serviço temporariamente indisponível. Tente novamente em instantes."
API_SERVER_ERROR = "Erro interno do servidor. Tente novamente mais tarde."
API_NOT_FOUND = "Endereço da API não encontrado."
API_BAD_REQUEST = "Requisição inválida."
API_TOO_LARGE = "Corpo da requisição grande demais."
API_FORBIDDEN = "Acesso negado."


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def json_response(data: dict, status: int = 200) -> JsonResponse:
    """An API answer: UTF-8 JSON as is (pt-BR accents unescaped), never stored by a cache."""
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, no_store=True)
    return response


def json_error(message: str, status: int) -> JsonResponse:
    """The API's error shape: `{"erro": message}` with `status`."""
    return json_response({"erro": message}, status)


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
