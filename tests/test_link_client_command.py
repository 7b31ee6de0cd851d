"""`manage.py link_client`: the reference client, calling a real server over HTTP."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from clients.models import Client

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args):
    out = StringIO()
    call_command("link_client", *args, stdout=out)
    return out.getvalue()


def test_it_activates_a_code_and_checks_the_signed_license(
    live_server, api, make_link_client, partner_a
):
    client, code = make_link_client(partner_a, licenses=3)

    out = run(
        "ativar", code, "--maquina", "CAIXA-07", "--versao", "4.5.0", "--url", live_server.url
    )

    client.refresh_from_db()
    assert "Ativado." in out
    assert f"chave:            {client.license_key}" in out
    assert "status:           ativo" in out
    assert "licenças:         principal=3" in out
    assert f"licença assinada: válida (cliente {client.pk}," in out
    assert client.link_version == "4.5.0"
    assert client.registration_codes.get().machine == "CAIXA-07"


def test_it_checks_in_with_a_key_and_shows_a_suspension(
    live_server, api, make_link_client, partner_a
):
    client, code = make_link_client(partner_a)
    run("ativar", code, "--url", live_server.url)
    client.refresh_from_db()
    Client.objects.filter(pk=client.pk).update(suspended_at=timezone.now())

    out = run("verificar", client.license_key, "--versao", "4.6.0", "--url", live_server.url)

    assert "Verificado." in out
    assert "status:           suspenso" in out
    assert "licença assinada: válida" in out
    client.refresh_from_db()
    assert client.link_version == "4.6.0"


def test_it_prints_the_json_answer(live_server, api, make_link_client, partner_a):
    _, code = make_link_client(partner_a)

    data = json.loads(run("ativar", code, "--json", "--url", live_server.url))

    assert set(data) == {"chave", "status", "vencimento", "licencas", "licenca_assinada"}


def test_it_reports_the_apis_refusal(live_server, api, make_link_client, partner_a):
    _, code = make_link_client(partner_a)
    run("ativar", code, "--url", live_server.url)

    with pytest.raises(CommandError, match="409: Este código de registro já foi usado."):
        run("ativar", code, "--url", live_server.url)
    with pytest.raises(CommandError, match="404: Chave não encontrada."):
        run("verificar", "22222-22222-22222-22222-22222", "--url", live_server.url)


def test_it_reports_a_server_it_cannot_reach(db):
    with pytest.raises(CommandError, match="Não foi possível falar com http://127.0.0.1:9"):
        run("verificar", "X", "--url", "http://127.0.0.1:9")
