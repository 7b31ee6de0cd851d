"""Reading, checking and encrypting A1 certificates (clients.certificates), with real files."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.exceptions import ValidationError
from django.test import override_settings

from clients.certificates import (
    MAX_FILE_SIZE,
    check_belongs_to,
    decrypt,
    describe_certificate,
    encrypt,
    read_certificate,
)
from clients.domain.documents import cnpj_from_base, cpf_from_base
from clients.models import Client
from portal.devkeys import development_secret
from tests.pkcs12 import CERTIFICATE_PASSWORD, make_certificate, make_pfx, rsa_key

CNPJ = cnpj_from_base("112223330001")  # 11.222.333/0001-81
OTHER_CNPJ = cnpj_from_base("445556660001")
NOW = datetime.datetime.now(datetime.UTC)


def refusal(data: bytes, password: str = CERTIFICATE_PASSWORD) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        read_certificate(data, password)
    return caught.value


def test_it_reads_holder_cnpj_and_validity_of_an_e_cnpj():
    until = NOW + datetime.timedelta(days=200)
    info = read_certificate(make_pfx(CNPJ, valid_until=until), CERTIFICATE_PASSWORD)
    assert info.holder == "MERCADO BOM PRECO LTDA"
    assert info.cnpj == CNPJ
    assert info.issuer == "AC Teste do Portal v5"
    assert info.valid_until == until.replace(microsecond=0)
    assert len(info.fingerprint) == 64


def test_it_reads_the_cnpj_from_the_subject_alt_name_alone():
    info = read_certificate(make_pfx(CNPJ, cn_cnpj=False), CERTIFICATE_PASSWORD)
    assert (info.cnpj, info.holder) == (CNPJ, "MERCADO BOM PRECO LTDA")


def test_it_reads_the_cnpj_from_the_common_name_alone():
    info = read_certificate(make_pfx(CNPJ, san_cnpj=False), CERTIFICATE_PASSWORD)
    assert (info.cnpj, info.holder) == (CNPJ, "MERCADO BOM PRECO LTDA")


def test_the_subject_alt_name_wins_over_the_common_name():
    certificate = make_certificate(CNPJ, holder=f"OUTRA EMPRESA:{OTHER_CNPJ}", cn_cnpj=False)
    assert describe_certificate(certificate).cnpj == CNPJ


def test_it_reads_an_alphanumeric_cnpj():
    cnpj = cnpj_from_base("12ABC34501DE")
    assert read_certificate(make_pfx(cnpj), CERTIFICATE_PASSWORD).cnpj == cnpj


def test_it_reads_a_file_encrypted_the_legacy_way():
    assert read_certificate(make_pfx(CNPJ, legacy=True), CERTIFICATE_PASSWORD).cnpj == CNPJ


def test_it_refuses_a_wrong_password():
    error = refusal(make_pfx(CNPJ), "senha-errada")
    assert error.code == "wrong_password"
    assert error.message == "Senha incorreta para este certificado."


@pytest.mark.parametrize(
    "data",
    [
        b"isto nao e um certificado",
        make_certificate(CNPJ).public_bytes(serialization.Encoding.PEM),
        make_certificate(CNPJ).public_bytes(serialization.Encoding.DER),
    ],
    ids=["text", "pem-certificate", "der-certificate"],
)
def test_it_refuses_a_file_that_is_not_pkcs12(data):
    error = refusal(data)
    assert error.code == "not_pkcs12"
    assert error.message == "O arquivo não é um certificado A1 (PKCS#12, .pfx ou .p12)."


def test_it_refuses_a_file_without_private_key():
    error = refusal(make_pfx(CNPJ, with_key=False))
    assert error.code == "no_private_key"
    assert "não contém a chave privada" in error.message


def test_it_refuses_a_key_without_its_certificate():
    data = pkcs12.serialize_key_and_certificates(
        b"x",
        rsa_key(1),
        None,
        [make_certificate(CNPJ)],
        serialization.BestAvailableEncryption(CERTIFICATE_PASSWORD.encode()),
    )
    error = refusal(data)
    assert error.code == "key_mismatch"
    assert error.message == "O arquivo não contém o certificado da sua chave privada."


def test_it_refuses_an_expired_certificate():
    data = make_pfx(
        CNPJ,
        valid_from=datetime.datetime(2024, 1, 10, 15, tzinfo=datetime.UTC),
        valid_until=datetime.datetime(2025, 1, 10, 15, tzinfo=datetime.UTC),
    )
    error = refusal(data)
    assert error.code == "expired"
    assert error.message == "O certificado venceu em 10/01/2025: envie um certificado válido."


def test_it_refuses_a_certificate_not_valid_yet():
    start = NOW + datetime.timedelta(days=3)
    error = refusal(make_pfx(CNPJ, valid_from=start))
    assert error.code == "not_yet_valid"
    assert error.message.startswith("O certificado só é válido a partir de ")


def test_it_refuses_a_file_over_1_mb():
    error = refusal(b"0" * (MAX_FILE_SIZE + 1))
    assert error.code == "too_large"
    assert error.message == "O arquivo passa do limite de 1 MB: um certificado A1 tem poucos kB."


def test_it_accepts_the_clients_own_cnpj():
    check_belongs_to(read_certificate(make_pfx(CNPJ), CERTIFICATE_PASSWORD), Client(cpf_cnpj=CNPJ))


def test_a_branch_may_use_its_head_offices_certificate():
    branch = Client(cpf_cnpj=cnpj_from_base("112223330002"))
    check_belongs_to(read_certificate(make_pfx(CNPJ), CERTIFICATE_PASSWORD), branch)


def test_it_refuses_another_companys_cnpj():
    info = read_certificate(make_pfx(OTHER_CNPJ), CERTIFICATE_PASSWORD)
    with pytest.raises(ValidationError) as caught:
        check_belongs_to(info, Client(cpf_cnpj=CNPJ))
    assert caught.value.code == "wrong_cnpj"
    assert caught.value.message == (
        "O certificado é do CNPJ 44.555.666/0001-81, não do cliente (CNPJ 11.222.333/0001-81)."
    )


def test_it_refuses_an_e_cnpj_for_a_client_with_cpf():
    cpf = cpf_from_base("112223330")  # the same first 8 digits as CNPJ's root
    info = read_certificate(make_pfx(CNPJ), CERTIFICATE_PASSWORD)
    with pytest.raises(ValidationError) as caught:
        check_belongs_to(info, Client(cpf_cnpj=cpf))
    assert caught.value.code == "wrong_cnpj"
    assert "(CPF 112.223.330-" in caught.value.message


def test_it_refuses_a_certificate_without_cnpj():
    info = read_certificate(make_pfx(None, holder="FULANO DE TAL"), CERTIFICATE_PASSWORD)
    assert info.cnpj == ""
    with pytest.raises(ValidationError) as caught:
        check_belongs_to(info, Client(cpf_cnpj=CNPJ))
    assert caught.value.code == "no_cnpj"
    assert caught.value.message == (
        "O certificado não informa um CNPJ: envie o e-CNPJ (A1) do cliente."
    )


def test_encryption_round_trips_and_hides_the_data():
    data = make_pfx(CNPJ)
    token = encrypt(data)
    assert data not in token.encode() and token.encode() != data
    assert decrypt(token) == data


def test_another_key_cannot_decrypt():
    token = encrypt(b"segredo")
    with (
        override_settings(CERTIFICATE_ENCRYPTION_KEY=Fernet.generate_key().decode()),
        pytest.raises(InvalidToken),
    ):
        decrypt(token)


def test_keys_rotate_new_first_old_still_decrypts(settings):
    old_token = encrypt(b"segredo")
    new_key = Fernet.generate_key().decode()
    settings.CERTIFICATE_ENCRYPTION_KEY = f"{new_key},{settings.CERTIFICATE_ENCRYPTION_KEY}"
    assert decrypt(old_token) == b"segredo"
    assert Fernet(new_key).decrypt(encrypt(b"novo").encode()) == b"novo"


def test_the_development_key_is_made_once_and_kept_private(tmp_path):
    path = tmp_path / "var" / "certificate-encryption.key"

    def development_key(path):
        return development_secret(path, lambda: Fernet.generate_key().decode())

    key = development_key(path)
    assert Fernet(key) and development_key(path) == key
    assert path.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "CERTIFICATE_ENCRYPTION_KEY must be set when DEBUG is off."),
        ("curta", "CERTIFICATE_ENCRYPTION_KEY must be one or more comma-separated Fernet keys"),
    ],
    ids=["missing", "malformed"],
)
def test_production_refuses_to_start_without_a_good_certificate_key(key, message):
    environment = {k: v for k, v in os.environ.items() if k != "CERTIFICATE_ENCRYPTION_KEY"}
    environment["DEBUG"] = "false"
    if key is not None:
        environment["CERTIFICATE_ENCRYPTION_KEY"] = key
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert message in result.stderr
