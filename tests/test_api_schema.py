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
