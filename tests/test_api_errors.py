"""Every refusal of the API is JSON `{"erro": "…"}` in pt-BR with the right status, and
changes nothing."""

import json

import pytest

from clients.models import Client, RegistrationCode

ACTIVATION = {"codigo_registro": "22222-22222-22222-22222", "maquina": "CAIXA-01", "versao": "4"}
CHECK_IN = {"chave": "22222-22222-22222-22222-22222", "versao": "4"}


def assert_error(response, status, message=None):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert list(data) == ["erro"]
    if message:
        assert data["erro"] == message


@pytest.mark.parametrize("endpoint", ["ativacao", "verificacao"])
@pytest.mark.parametrize("body", ["", "{", "not json", b"\xff\xfe", '{"chave": "x",}'])
def test_malformed_json_gets_400(api, endpoint, body):
    assert_error(api.post(endpoint, body), 400, "O corpo da requisição não é um JSON válido.")


@pytest.mark.parametrize("endpoint", ["ativacao", "verificacao"])
@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000],
    ids=["arrays", "objects"],
)
def test_json_nested_too_deep_to_decode_gets_400(api, endpoint, body):
    assert_error(api.post(endpoint, body), 400, "O corpo da requisição não é um JSON válido.")


@pytest.mark.parametrize("endpoint", ["ativacao", "verificacao"])
@pytest.mark.parametrize("body", ["[]", '"texto"', "42", "null"])
def test_json_that_is_not_an_object_gets_400(api, endpoint, body):
    assert_error(api.post(endpoint, body), 400, "O corpo da requisição deve ser um objeto JSON.")


@pytest.mark.parametrize("field", list(ACTIVATION))
def test_activation_without_a_field_gets_400_naming_it(api, field):
    body = {name: value for name, value in ACTIVATION.items() if name != field}
    assert_error(api.post("ativacao", body), 400, f"Campo obrigatório ausente: {field}.")


@pytest.mark.parametrize("field", list(CHECK_IN))
def test_check_in_without_a_field_gets_400_naming_it(api, field):
    body = {name: value for name, value in CHECK_IN.items() if name != field}
    assert_error(api.post("verificacao", body), 400, f"Campo obrigatório ausente: {field}.")


def test_it_names_every_missing_field(api):
    assert_error(
        api.post("ativacao", {}),
        400,
        "Campo obrigatório ausente: codigo_registro, maquina, versao.",
    )


@pytest.mark.parametrize("value", [None, 42, ["4"], {"v": "4"}, "", "   "])
@pytest.mark.parametrize("endpoint,body", [("ativacao", ACTIVATION), ("verificacao", CHECK_IN)])
def test_a_field_that_is_not_non_empty_text_gets_400(api, endpoint, body, value):
    assert_error(
        api.post(endpoint, {**body, "versao": value}),
        400,
        "O campo “versao” deve ser um texto não vazio.",
    )


@pytest.mark.parametrize(
    "endpoint,field,limit",
    [("ativacao", "maquina", 200), ("ativacao", "versao", 40), ("verificacao", "chave", 64)],
)
def test_a_field_longer_than_its_column_gets_400(api, endpoint, field, limit):
    body = {**(ACTIVATION if endpoint == "ativacao" else CHECK_IN), field: "A" * (limit + 1)}
    assert_error(
        api.post(endpoint, body), 400, f"O campo “{field}” aceita no máximo {limit} caracteres."
    )


def test_a_body_over_the_upload_limit_gets_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = {**CHECK_IN, "extra": "x" * 200}
    assert_error(api.post("verificacao", body), 413, "Corpo da requisição grande demais.")


@pytest.mark.parametrize("endpoint", ["ativacao", "verificacao"])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_a_method_other_than_post_gets_405(api, endpoint, method):
    response = getattr(api.request, method)(f"/api/v1/{endpoint}")
    assert_error(response, 405, "Método não permitido. Use POST.")
    assert response["Allow"] == "POST"


def test_posting_to_the_public_key_gets_405(api):
    response = api.post("chave-publica", {})
    assert_error(response, 405)
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["ativacao/", "nada", "v2/verificacao"])
def test_an_unknown_api_address_gets_a_json_404(api, path):
    assert_error(api.post(path, {}), 404, "Endereço da API não encontrado.")


@pytest.mark.parametrize(
    "value",
    ["CAIXA\x00", "\x00", "\ud800", "4.2\udfff", "4.2\u009b31m", "\x1b[2J4", "4\x7f", "4.2\n"],
)
@pytest.mark.parametrize("field", ["maquina", "versao"])
def test_a_control_character_or_a_lone_surrogate_gets_400_and_changes_nothing(
    api, make_link_client, partner_a, field, value
):
    # JSON's \u escapes carry them: NUL (PostgreSQL refuses it), lone surrogates (UTF-8 has
    # none), and C0/C1 controls (a terminal's CSI in the history): refused before the code
    # is looked up.
    client, code = make_link_client(partner_a)
    body = {"codigo_registro": code, "maquina": "CAIXA", "versao": "4", field: value}

    response = api.post("ativacao", json.dumps(body))

    assert_error(
        response,
        400,
        f"O campo “{field}” contém caracteres inválidos (de controle ou incompletos).",
    )
    assert not RegistrationCode.objects.get(code=code).is_consumed
    assert not client.events.exists()


@pytest.mark.parametrize(
    "body", [{"chave": "\ud800", "versao": "4"}, {**CHECK_IN, "versao": "\x00"}]
)
def test_a_check_in_with_a_nul_or_a_lone_surrogate_gets_400(api, body):
    assert_error(api.post("verificacao", json.dumps(body)), 400)


def test_a_check_in_with_a_c1_control_in_the_version_stores_nothing(
    api, make_link_client, partner_a
):
    client, code = make_link_client(partner_a)
    activation = {"codigo_registro": code, "maquina": "CAIXA", "versao": "4"}
    key = api.post("ativacao", activation).json()["chave"]

    response = api.post("verificacao", json.dumps({"chave": key, "versao": "4\u009b2J"}))

    assert_error(
        response, 400, "O campo “versao” contém caracteres inválidos (de controle ou incompletos)."
    )
    client.refresh_from_db()
    assert client.link_version == "4"
    assert list(client.events.values_list("action", flat=True)) == ["ativar"]


def test_the_schema_bounds_each_field_as_the_api_and_the_columns_do():
    import yaml

    from clients.models import Client
    from licenses.api import FIELD_MAX_LENGTH, OPENAPI_PATH

    schema = yaml.safe_load(OPENAPI_PATH.read_text())
    paths = schema["paths"]
    for path, operation in (("/ativacao", "post"), ("/verificacao", "post")):
        body = paths[path][operation]["requestBody"]["content"]["application/json"]["schema"]
        for name, field in body["properties"].items():
            assert field["minLength"] == 1, name
            assert field["maxLength"] == FIELD_MAX_LENGTH[name], name
            assert field["pattern"], name
    assert FIELD_MAX_LENGTH["versao"] == Client._meta.get_field("link_version").max_length
    assert FIELD_MAX_LENGTH["chave"] == Client._meta.get_field("license_key").max_length


def test_an_unknown_key_gets_404(api):
    assert_error(api.post("verificacao", CHECK_IN), 404, "Chave não encontrada.")


def test_an_unknown_code_gets_404(api):
    assert_error(api.post("ativacao", ACTIVATION), 404, "Código de registro não encontrado.")


def test_a_refused_activation_changes_nothing(api, make_link_client, partner_a):
    client, code = make_link_client(partner_a)

    api.post("ativacao", {"codigo_registro": code, "maquina": "CAIXA", "versao": 4})

    client.refresh_from_db()
    assert (client.license_key, client.link_version, client.last_seen_at) == (None, "", None)
    assert not RegistrationCode.objects.get(code=code).is_consumed
    assert not client.events.exists()


def test_no_csrf_token_or_session_is_needed_or_set(api, make_link_client, partner_a):
    _, code = make_link_client(partner_a)

    response = api.post("ativacao", {**ACTIVATION, "codigo_registro": code})

    assert response.status_code == 201
    assert not response.cookies
    assert response["Cache-Control"] == "no-store"
    assert Client.objects.filter(license_key=response.json()["chave"]).exists()


def test_the_benchmarks_reference_view_is_not_mounted_by_default(api):
    assert_error(api.get("bench/select-1"), 404, "Endereço da API não encontrado.")
