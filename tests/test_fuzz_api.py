"""Fuzzing the licensing API: whatever the body (hostile JSON, nested objects, numbers, nulls,
huge strings, NULs, lone surrogates, bytes that are not JSON at all), /api/v1/ativacao and
/api/v1/verificacao answer JSON with a 2xx or 4xx status, `erro` on every refusal, and a
refusal changes nothing.
"""

import json

import pytest
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from clients.domain.codes import new_license_key
from tests.fuzz import (
    assert_escaped,
    assert_no_nul_stored,
    database_state,
    fuzz_settings,
    json_text,
    json_values,
    rolled_back,
)

FIELDS = {
    "ativacao": ("codigo_registro", "maquina", "versao"),
    "verificacao": ("chave", "versao"),
}
# Bodies no JSON encoder writes: broken, too deep, too big a number, odd encodings.
RAW_BODIES = (
    b"",
    b"{",
    b"null",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b"1" * 5_000,
    b"1e999",
    b"NaN",
    b"\xef\xbb\xbf{}",
    b"\xff\xfe{\x00}\x00",
    b'{"chave": "\\u0000", "versao": "\\u0000"}',
    b'{"chave": "\\ud800", "versao": "1"}',
    b'{"codigo_registro": "\xff", "maquina": "x", "versao": "1"}',
    b"{'chave': 'x'}",
)


@pytest.fixture
def link(partner_a, make_link_client, settings):
    """A Link client with an unused code and a license key: (client, code, key)."""
    settings.API_ACTIVATION_MAX_FAILURES = 10**9  # every example reaches the code, none a 429
    client, code = make_link_client(partner_a)
    client.license_key = new_license_key()
    client.save(update_fields=["license_key"])
    return client, code, client.license_key


def valid_values(code: str, key: str) -> dict:
    return {"codigo_registro": code, "maquina": "CAIXA-01", "versao": "4.2.1", "chave": key}


def variants(value: str):
    """The valid value as software might send it, or with something hostile attached."""
    return st.one_of(
        st.sampled_from(
            [value, value.lower(), value.replace("-", ""), f"  {value} ", f"{value}\x00"]
        ),
        st.builds(lambda text: value + text, json_text),
    )


def objects(fields, valid: dict):
    field_values = {
        name: st.one_of(variants(valid[name]), json_text, json_values) for name in fields
    }
    return st.builds(
        lambda chosen, extra: {**extra, **chosen},
        st.fixed_dictionaries({}, optional=field_values),
        st.dictionaries(st.text(max_size=10), json_values, max_size=2),
    )


def encoded(value, encoding: str) -> bytes:
    """JSON text of `value`: ASCII with \\u escapes, UTF-8 (lone surrogates written as they
    are, which is not UTF-8), or UTF-16."""
    if encoding == "ascii":
        return json.dumps(value).encode()
    text = json.dumps(value, ensure_ascii=False)
    if encoding == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


def credentialed(fields, valid: dict):
    """Objects with the right code or key, so that the other fields reach the database."""
    credential, *others = fields
    return st.fixed_dictionaries(
        {
            credential: st.sampled_from(
                [valid[credential], valid[credential].lower(), f" {valid[credential]} "]
            ),
            **{name: st.one_of(st.just(valid[name]), json_text, json_values) for name in others},
        }
    )


def bodies(fields, valid: dict):
    json_encodings = st.sampled_from(["ascii", "utf-8", "utf-16"])
    return st.one_of(
        st.builds(encoded, objects(fields, valid), json_encodings),
        st.builds(encoded, credentialed(fields, valid), json_encodings),
        st.builds(encoded, json_values, json_encodings),
        st.binary(max_size=300),
        st.sampled_from(RAW_BODIES),
    )


def assert_json_answer(response, before):
    assert 200 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert isinstance(data, dict)
    if response.status_code >= 400:
        assert isinstance(data.get("erro"), str) and data["erro"], data
        assert database_state() == before
    else:
        assert_no_nul_stored()
    return data


def assert_history_escaped(client_a, client):
    """What the software reported (machine, version) shows escaped in the client's history."""
    page = client_a.get(reverse("clients:history", args=[client.pk]))
    assert page.status_code == 200
    assert_escaped(page)


@given(data=st.data())
@fuzz_settings(max_examples=120)
def test_activation_answers_json_to_any_body(api, client_a, link, data):
    client, code, key = link
    body = data.draw(bodies(FIELDS["ativacao"], valid_values(code, key)), label="body")
    with rolled_back():
        before = database_state()
        response = api.post("ativacao", body)
        event(f"HTTP {response.status_code}")
        answer = assert_json_answer(response, before)
        if response.status_code == 201:
            assert set(answer) >= {"chave", "status", "licenca_assinada"}
            assert_history_escaped(client_a, client)


@given(data=st.data())
@fuzz_settings(max_examples=120)
def test_check_in_answers_json_to_any_body(api, client_a, link, data):
    client, code, key = link
    body = data.draw(bodies(FIELDS["verificacao"], valid_values(code, key)), label="body")
    with rolled_back():
        before = database_state()
        response = api.post("verificacao", body)
        event(f"HTTP {response.status_code}")
        answer = assert_json_answer(response, before)
        if response.status_code == 200:
            assert set(answer) >= {"status", "licenca_assinada"}
            assert_history_escaped(client_a, client)


@pytest.mark.parametrize("endpoint", ["ativacao", "verificacao"])
@pytest.mark.parametrize("body", RAW_BODIES, ids=range(len(RAW_BODIES)))
def test_every_raw_body_gets_a_json_answer(api, link, endpoint, body):
    # The hand-picked bodies, each on its own, whatever hypothesis happens to draw.
    with rolled_back():
        before = database_state()
        assert_json_answer(api.post(endpoint, body), before)
