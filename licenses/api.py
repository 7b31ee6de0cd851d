"""The JSON API the customers' software calls (documented in docs/api.md and openapi.yaml).

No session, no CSRF: JSON in, JSON out, errors as `{"erro": "…"}` in pt-BR. The views only
translate HTTP to licenses.activation.
"""

import functools
import json
import logging
import re
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt

from clients.models import Client, RegistrationCode
from licenses import activation, signing
from portal import ratelimit
from portal.net import client_ip
from portal.responses import API_NOT_FOUND, API_TOO_LARGE, json_error, json_response

logger = logging.getLogger(__name__)

OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")


def api_view(*methods):
    """An API endpoint: CSRF-exempt, `methods` only (else a JSON 405), ApiError → its status."""

    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = json_error(f"Método não permitido. Use {' ou '.join(methods)}.", 405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except activation.ApiError as refusal:
                return json_error(refusal.message, refusal.http_status)

        return wrapper

    return decorator


def read_fields(request, *names) -> list[str]:
    """The named fields of a JSON object body, as non-empty trimmed text; ApiError otherwise."""
    try:
        data = json.loads(request.body)
    except RequestDataTooBig as too_big:
        raise activation.BodyTooLarge(API_TOO_LARGE) from too_big
    # JSONDecodeError, UnicodeDecodeError; RecursionError: arrays or objects nested
    # thousands deep, which the decoder cannot descend.
    except (ValueError, RecursionError) as malformed:
        raise activation.ApiError("O corpo da requisição não é um JSON válido.") from malformed
    if not isinstance(data, dict):
        raise activation.ApiError("O corpo da requisição deve ser um objeto JSON.")
    missing = [name for name in names if name not in data]
    if missing:
        raise activation.ApiError(f"Campo obrigatório ausente: {', '.join(missing)}.")
    values = []
    for name in names:
        value = data[name]
        if not isinstance(value, str) or not value.strip():
            raise activation.ApiError(f"O campo “{name}” deve ser um texto não vazio.")
        if len(value) > FIELD_MAX_LENGTH[name]:
            raise activation.ApiError(
                f"O campo “{name}” aceita no máximo {FIELD_MAX_LENGTH[name]} caracteres."
            )
        if UNSTORABLE.search(value):
            raise activation.ApiError(
                f"O campo “{name}” contém caracteres inválidos (de controle ou incompletos)."
            )
        values.append(value.strip())
    return values


# Characters no field may carry, which JSON's \u escapes can: the control characters, C0
# (NUL, which PostgreSQL refuses in text, tab, newline…), DEL and C1 (e.g. U+009B, a
# terminal's CSI), and lone surrogates (UTF-8 has no encoding for them). openapi.yaml's
# `pattern` says the same, with "not only spaces".
UNSTORABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# As long as the columns they are stored in (openapi.yaml's maxLength; a test compares them).
FIELD_MAX_LENGTH = {
    "codigo_registro": 40,  # typed by a person: lower case, spaces, no hyphens are normalized
    "maquina": RegistrationCode._meta.get_field("machine").max_length,
    "versao": Client._meta.get_field("link_version").max_length,
    "chave": Client._meta.get_field("license_key").max_length,
}


# Failed activations, counted per address (portal.net.client_ip) in the shared cache.
def _failures_key(address: str) -> str:
    return f"api:ativacao:falhas:{address}"


def too_many_failures(address: str) -> bool:
    try:
        return (cache.get(_failures_key(address)) or 0) >= settings.API_ACTIVATION_MAX_FAILURES
    except Exception:  # the cache is down: activations go on, unlimited, and the log says so
        logger.exception("Cache indisponível ao ler as falhas de ativação")
        return False


def count_failure(address: str) -> None:
    ratelimit.count(_failures_key(address), settings.API_ACTIVATION_FAILURE_WINDOW)


@api_view("POST")
def activate(request):
    address = client_ip(request)
    if too_many_failures(address):
        response = json_error(
            "Muitas tentativas de ativação sem sucesso deste endereço. Tente novamente mais tarde.",
            429,
        )
        response["Retry-After"] = str(settings.API_ACTIVATION_FAILURE_WINDOW)
        return response
    # A missing signing key must fail before a code is consumed, not after.
    signing.signing_key()
    try:
        code, machine, version = read_fields(request, "codigo_registro", "maquina", "versao")
        client = activation.client_activate(code=code, machine=machine, version=version)
    except activation.ApiError:
        count_failure(address)
        raise
    state = activation.license_state(client, client.licenses.all())
    return json_response({"chave": client.license_key, **state}, 201)


@api_view("POST")
def check_in(request):
    key, version = read_fields(request, "chave", "versao")
    facts = activation.client_check_in(key=key, version=version)
    return json_response(activation.license_state(facts, facts.licenses))


@api_view("GET", "HEAD")
def public_key(request):
    response = JsonResponse(signing.public_key_document())
    patch_cache_control(response, public=True, max_age=3600)
    return response


@api_view("GET", "HEAD")
def openapi(request):
    return HttpResponse(OPENAPI_PATH.read_bytes(), content_type="application/yaml; charset=utf-8")


@api_view("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
def not_found(request, path=""):
    return json_error(API_NOT_FOUND, 404)
