"""Repeated failed activations from one address get 429; the count lives in Django's cache,
which every app process shares (the database, or Redis with REDIS_URL)."""

import datetime
import os

import pytest
import time_machine
from django.core.cache import cache

from clients.models import RegistrationCode

UNKNOWN = {"codigo_registro": "22222-22222-22222-22222", "maquina": "CAIXA", "versao": "4"}


@pytest.fixture(autouse=True)
def limit(settings):
    settings.API_ACTIVATION_MAX_FAILURES = 3
    settings.API_ACTIVATION_FAILURE_WINDOW = 600


def fail(api, times, **extra):
    for _ in range(times):
        assert api.post("ativacao", UNKNOWN, **extra).status_code == 404


def test_after_the_allowed_failures_the_address_gets_429(api, make_link_client, partner_a):
    _, code = make_link_client(partner_a)
    fail(api, 3)

    response = api.post("ativacao", {**UNKNOWN, "codigo_registro": code})

    assert response.status_code == 429
    assert response.json() == {
        "erro": "Muitas tentativas de ativação sem sucesso deste endereço. "
        "Tente novamente mais tarde."
    }
    assert response["Retry-After"] == "600"
    assert not RegistrationCode.objects.get(code=code).is_consumed


def test_fewer_failures_are_not_blocked(api, make_link_client, partner_a):
    _, code = make_link_client(partner_a)
    fail(api, 2)

    assert api.post("ativacao", {**UNKNOWN, "codigo_registro": code}).status_code == 201


def test_conflicts_and_bad_requests_count_as_failures(api, make_link_client, partner_a):
    _, code = make_link_client(partner_a)
    body = {**UNKNOWN, "codigo_registro": code}
    assert api.post("ativacao", body).status_code == 201
    assert api.post("ativacao", body).status_code == 409
    assert api.post("ativacao", "{").status_code == 400
    assert api.post("ativacao", {}).status_code == 400

    assert api.post("ativacao", body).status_code == 429


def test_a_success_does_not_count(api, make_link_client, partner_a):
    for _ in range(4):
        _, code = make_link_client(partner_a)
        assert api.post("ativacao", {**UNKNOWN, "codigo_registro": code}).status_code == 201


def test_the_count_is_per_address(api):
    fail(api, 3, REMOTE_ADDR="203.0.113.7")

    assert api.post("ativacao", UNKNOWN, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert api.post("ativacao", UNKNOWN, REMOTE_ADDR="203.0.113.8").status_code == 404


def test_x_forwarded_for_is_ignored_unless_behind_a_proxy(api, settings):
    settings.PROXY_COUNT = 0
    for n in range(3):
        api.post("ativacao", UNKNOWN, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    assert api.post("ativacao", UNKNOWN, HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 429


def test_behind_a_proxy_the_address_the_proxy_saw_counts(api, settings):
    settings.PROXY_COUNT = 1
    for n in range(3):
        # The caller forges the first entry each time; the proxy appends the real address.
        api.post("ativacao", UNKNOWN, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7")

    forged_then_real = "1.2.3.4, 203.0.113.7"
    assert api.post("ativacao", UNKNOWN, HTTP_X_FORWARDED_FOR=forged_then_real).status_code == 429
    assert api.post("ativacao", UNKNOWN, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 404


def test_the_block_ends_with_the_window(api, settings):
    # Redis expires keys on its own clock, which time-machine cannot move: the window's logic
    # is checked on the database cache (the default without REDIS_URL).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }
    start = datetime.datetime(2026, 11, 18, 12, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        fail(api, 3)
        assert api.post("ativacao", UNKNOWN).status_code == 429
    with time_machine.travel(start + datetime.timedelta(seconds=601), tick=False):
        assert api.post("ativacao", UNKNOWN).status_code == 404


def test_the_count_is_kept_in_the_shared_cache(api):
    fail(api, 2)

    assert cache.get("api:ativacao:falhas:127.0.0.1") == 2


def test_check_ins_are_not_limited(api):
    fail(api, 3)

    body = {"chave": "22222-22222-22222-22222-22222", "versao": "4"}
    assert api.post("verificacao", body).status_code == 404


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6")


def redis_is_up():
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_is_up(), reason="precisa de Redis")
def test_the_limit_works_with_redis_as_the_cache(api, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "test-rate-limit",
        }
    }
    cache.clear()
    try:
        fail(api, 3)
        assert cache.get("api:ativacao:falhas:127.0.0.1") == 3
        assert api.post("ativacao", UNKNOWN).status_code == 429
    finally:
        cache.clear()
