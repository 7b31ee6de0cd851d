"""The API against its own schema: schemathesis generates requests from licenses/openapi.yaml
(valid ones and, negatively, invalid ones) and runs all its checks on the answers of the app
served by a live server: no 500, every status and body as documented, what the schema allows
accepted, what it forbids refused. Derandomized, with a bounded number of examples.
"""

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from licenses.api import OPENAPI_PATH

schema = schemathesis.openapi.from_path(OPENAPI_PATH)
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
load_all_checks()
ALL_CHECKS = CHECKS.get_all()


@pytest.fixture
def api_server(live_server, signing_key, settings):
    # The failed activations the generated requests make must not end in the documented 429
    # (tests/test_api_rate_limit.py has that), which would hide the answers under test.
    settings.API_ACTIVATION_MAX_FAILURES = 10**9
    yield f"{live_server.url}/api/v1"
    # The failures counted stay in the cache (its table is not flushed with the test
    # database): later tests from the same address would start locked out.
    cache.clear()


@schema.parametrize()
@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, api_server):
    case.call_and_validate(base_url=api_server, checks=ALL_CHECKS)


# What the API answers while its database is down, from a real app process whose DATABASE_URL
# points where nothing listens: the documented 503, its JSON and its Retry-After.
OUTAGE_CHECKS = [
    check
    for check in ALL_CHECKS
    if check.__name__
    in {
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    }
]
VALID_BODIES = {
    "/ativacao": {
        "codigo_registro": "ABCDE-FGHJK-MNPQR-STUVW",
        "maquina": "CAIXA-01",
        "versao": "4",
    },
    "/verificacao": {"chave": "7KQ3M-X9TZC-4HRNP-VW2DE-8GJYA", "versao": "4"},
}


@pytest.fixture(scope="module")
def api_without_database():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from licenses.signing import private_key_pem
    from tests.servers import app_server, free_port

    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/portal"
    key = private_key_pem(Ed25519PrivateKey.generate())
    with app_server(nowhere, LICENSE_SIGNING_KEY=key) as base:
        yield f"{base}/api/v1"


@pytest.mark.parametrize("path", sorted(VALID_BODIES))
def test_a_database_outage_is_the_documented_503(path, api_without_database):
    case = schema[path]["POST"].Case(body=VALID_BODIES[path], media_type="application/json")

    response = case.call(base_url=api_without_database)

    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == ["30"]
    assert response.json() == {
        "erro": "Serviço temporariamente indisponível. Tente novamente em instantes."
    }
    case.validate_response(response, checks=OUTAGE_CHECKS)
