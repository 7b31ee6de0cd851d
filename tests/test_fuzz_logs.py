"""Fuzzing the request log (portal.logs.RequestLogMiddleware) and the URLs: any method, path
and query string is logged as one JSON line without raising and without the values of
sensitive parameters; and through the whole stack, any path answers without a 5xx.
"""

import json
import logging
from urllib.parse import quote

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from portal.logs import SENSITIVE, JsonFormatter, RequestLogMiddleware
from tests.fuzz import assert_escaped, assert_no_server_error, fuzz_settings, text

METHODS = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PROPFIND", "<script>", "get"]
PREFIXES = ["/", "/clientes/", "/clientes/1/", "/api/v1/", "/admin/", "/static/", "/entrar/"]
# A secret no other part of a log line could contain by chance.
SECRET = "Segredo-Q7w9Zx"


class Captured(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def request_log():
    """The records portal.request writes, caught whatever the configured level."""
    handler, logger = Captured(), logging.getLogger("portal.request")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    yield handler.records
    logger.removeHandler(handler)
    logger.level = level


paths = st.one_of(
    st.builds(
        lambda prefix, rest: prefix + quote(rest, safe="/%"), st.sampled_from(PREFIXES), text
    ),
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(PREFIXES), text),
)
query_pairs = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(sorted(SENSITIVE)), text), st.one_of(st.just(SECRET), text)
    ),
    max_size=4,
)


@given(
    method=st.one_of(st.sampled_from(METHODS), text.filter(lambda m: m.strip())),
    path=paths,
    pairs=query_pairs,
    raw_query=text,
    status=st.sampled_from([200, 302, 404, 429, 500, 503]),
)
@fuzz_settings(max_examples=150)
def test_the_request_log_takes_any_request(request_log, method, path, pairs, raw_query, status):
    query = "&".join(f"{quote(key)}={quote(value)}" for key, value in pairs) or quote(raw_query)
    request = RequestFactory().generic(method, path, QUERY_STRING=query)
    middleware = RequestLogMiddleware(lambda request: HttpResponse(status=status))
    request_log.clear()

    assert middleware(request).status_code == status

    if request.path.startswith("/static/"):
        return
    [record] = request_log
    entry = json.loads(JsonFormatter().format(record))
    assert entry["status"] == status and entry["path"] == request.path
    if SECRET not in [value for key, value in pairs if key.lower() not in SENSITIVE]:
        assert SECRET not in entry["query"]


@given(path=paths, query=text)
@fuzz_settings(max_examples=80)
def test_any_path_answers_without_a_server_error(client_a, path, query):
    response = client_a.get(path, {"q": query, "next": query})
    assert_no_server_error(response)
    assert_escaped(response)
