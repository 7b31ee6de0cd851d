"""What goes wrong outside the API's own refusals still answers in the API's shape under
/api/ — JSON `{"erro": "…"}` with the right status — while the portal's pages keep their pt-BR
HTML pages (portal.views' handlers). The outage answers of a real app process are in
tests/test_api_schema.py; the proxy's own in tests/test_production_stack.py."""

import json
import socket

import pytest
import redis
from django.core.exceptions import RequestDataTooBig
from django.test import Client as HttpClient
from django.test import RequestFactory

from portal.responses import (
    API_BAD_REQUEST,
    API_NOT_FOUND,
    API_SERVER_ERROR,
    API_TOO_LARGE,
    API_UNAVAILABLE,
)
from portal.views import bad_request, server_error


def assert_json_error(response, status, message):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"erro": message}


def assert_html(response, status, text):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert text in response.content.decode()


@pytest.fixture
def http(db):
    """A client that gets the handlers' answers instead of the exception."""
    return HttpClient(raise_request_exception=False)


def test_an_unexpected_error_in_the_api_is_a_json_500(http, settings):
    settings.LICENSE_SIGNING_KEY = "não é uma chave"  # a misconfiguration: signing fails
    body = {"codigo_registro": "A", "maquina": "B", "versao": "1"}

    response = http.post("/api/v1/ativacao", body, content_type="application/json")

    assert_json_error(response, 500, API_SERVER_ERROR)


@pytest.mark.parametrize("path", ["/api/", "/api/v2/verificacao", "/api/nada"])
def test_an_api_address_outside_the_mounted_version_is_a_json_404(http, path):
    assert_json_error(http.get(path), 404, API_NOT_FOUND)


def test_a_page_that_does_not_exist_is_still_the_html_404(http):
    assert_html(http.get("/nada/"), 404, "Página não encontrada")


def test_a_host_that_is_not_allowed_is_a_json_400_for_the_api_and_a_page_elsewhere(http):
    assert_json_error(
        http.get("/api/v1/chave-publica", HTTP_HOST="outro.example"), 400, API_BAD_REQUEST
    )
    assert_html(http.get("/entrar/", HTTP_HOST="outro.example"), 400, "Requisição inválida")


def _too_big(path, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    request = RequestFactory().post(path, "x" * 100, content_type="application/json")
    try:
        request.body  # noqa: B018 -- reading it is what raises
    except RequestDataTooBig as error:
        return request, error
    raise AssertionError("the body was not too big")


def test_a_body_too_big_read_outside_the_api_views_is_the_apis_413(settings):
    request, error = _too_big("/api/v1/qualquer", settings)
    assert_json_error(bad_request(request, error), 413, API_TOO_LARGE)


def test_a_body_too_big_for_a_page_is_the_html_400(settings, db):
    request, error = _too_big("/entrar/", settings)
    assert_html(bad_request(request, error), 400, "Requisição inválida")


def _cache_outage():
    """A real redis-py error: a Redis client asked on a port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    try:
        redis.Redis(port=port, socket_connect_timeout=1).ping()
    except redis.ConnectionError as error:
        return error
    raise AssertionError("Redis answered")


@pytest.mark.parametrize("path", ["/api/v1/verificacao", "/clientes/"])
def test_a_cache_outage_is_a_503_with_retry_after(path, db):
    request = RequestFactory().get(path)
    try:
        raise _cache_outage()
    except redis.ConnectionError:
        response = server_error(request)  # as Django calls it, while handling the exception
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    if path.startswith("/api/"):
        assert_json_error(response, 503, API_UNAVAILABLE)
    else:
        assert_html(response, 503, "Serviço temporariamente indisponível")


def test_any_other_error_on_a_page_is_the_html_500(db):
    request = RequestFactory().get("/clientes/")
    try:
        raise ValueError("inesperado")
    except ValueError:
        response = server_error(request)
    assert_html(response, 500, "Ocorreu um erro inesperado")
