"""A small reference client of the licensing API, for demos and ops: it does over HTTP what
the Link software does, with the standard library only, and checks the signed license
offline with the public key (licenses.signing.verify, as the software would)."""

import json
import socket
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError

from licenses import signing

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT = 15


class Command(BaseCommand):
    help = "Cliente de referência da API de licenças: ativa um código ou verifica uma chave."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="acao", required=True, metavar="{ativar,verificar}")
        activate = actions.add_parser(
            "ativar", help="Consome um código de registro (POST /api/v1/ativacao)."
        )
        activate.add_argument("codigo", help="O código de registro, ex.: ABCDE-FGHJK-MNPQR-STUVW")
        activate.add_argument(
            "--maquina", default=socket.gethostname(), help="Nome da máquina (padrão: esta)."
        )
        check_in = actions.add_parser(
            "verificar", help="Verifica uma chave (POST /api/v1/verificacao)."
        )
        check_in.add_argument("chave", help="A chave recebida na ativação.")
        for sub in (activate, check_in):
            sub.add_argument(
                "--versao",
                default="referencia",
                help="Versão do Link informada (padrão: %(default)s).",
            )
            sub.add_argument(
                "--url", default=DEFAULT_URL, help="Endereço do portal (padrão: %(default)s)."
            )
            sub.add_argument("--json", action="store_true", help="Mostra a resposta em JSON.")

    def handle(self, *args, acao, url, versao, json=False, **options):
        self.base = url.rstrip("/")
        if acao == "ativar":
            body = {"codigo_registro": options["codigo"], "maquina": options["maquina"]}
            data = self.call("POST", "ativacao", {**body, "versao": versao})
        else:
            data = self.call("POST", "verificacao", {"chave": options["chave"], "versao": versao})
        if json:
            self.stdout.write(_dumps(data))
            return
        self.stdout.write(self.style.SUCCESS("Ativado." if acao == "ativar" else "Verificado."))
        if "chave" in data:
            self.stdout.write(f"  chave:            {data['chave']}")
        self.stdout.write(f"  status:           {data['status']}")
        self.stdout.write(f"  vencimento:       {data['vencimento']}")
        licencas = ", ".join(f"{module}={count}" for module, count in data["licencas"].items())
        self.stdout.write(f"  licenças:         {licencas or '—'}")
        self.stdout.write(f"  licença assinada: {self.check_signature(data)}")

    def check_signature(self, data) -> str:
        """Validate the token as the software does offline, with the published public key."""
        document = self.call("GET", "chave-publica")
        try:
            payload = signing.verify(
                data["licenca_assinada"], signing.public_key_from_document(document)
            )
        except signing.InvalidToken as invalid:
            raise CommandError("A licença assinada não confere com a chave pública.") from invalid
        fields = ("status", "vencimento", "licencas")
        if any(payload.get(field) != data[field] for field in fields):
            raise CommandError("A licença assinada não confere com a resposta.")
        return f"válida (cliente {payload['cliente']}, chave pública {document['id_chave']})"

    def call(self, method, endpoint, body=None):
        request = urllib.request.Request(
            f"{self.base}/api/v1/{endpoint}",
            method=method,
            data=None if body is None else _dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.load(response)
        except urllib.error.HTTPError as refusal:
            try:
                message = json.load(refusal)["erro"]
            except (ValueError, KeyError, TypeError):
                message = refusal.reason
            raise CommandError(f"{refusal.code}: {message}") from refusal
        except (urllib.error.URLError, TimeoutError, ConnectionError) as failure:
            reason = getattr(failure, "reason", failure)
            raise CommandError(f"Não foi possível falar com {self.base}: {reason}") from failure


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
