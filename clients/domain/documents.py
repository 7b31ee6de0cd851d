"""CPF and CNPJ: normalise, validate (check digits, alphanumeric CNPJ) and format.

The check digits are computed here, by the same function that makes valid documents for demo
data and tests: django-localflavor's validators (which tests/test_documents.py checks this
against) cost ~50 µs a document, most of it building their lazily translated messages, and the
import validates 100,000 documents per file.
"""

import re
from operator import mul

from django.core.exceptions import ValidationError
from django.db.models import CharField, Func

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")

INVALID_MESSAGE = "CPF/CNPJ inválido: confira os dígitos verificadores."


def normalize_document(value: str) -> str:
    """Upper case, punctuation and spaces removed: '12.abc.345/01de-35' -> '12ABC34501DE35'."""
    return _NOT_ALNUM.sub("", (value or "").upper())


def validate_document(value: str) -> None:
    """Accept a CPF (11 digits) or a CNPJ (14 characters, the first 12 may be letters)."""
    document = normalize_document(value)
    if len(set(document)) <= 1:
        raise ValidationError(INVALID_MESSAGE, code="invalid")
    if len(document) == 11 and document.isdigit():
        expected = cpf_from_base(document[:9])
    elif len(document) == 14:
        # Letters only in the first 12 positions; the check digits are digits.
        expected = cnpj_from_base(document[:12]) if document[12:].isdigit() else None
    else:
        raise ValidationError(
            "Informe um CPF (11 dígitos) ou um CNPJ (14 caracteres).", code="invalid_length"
        )
    if document != expected:
        raise ValidationError(INVALID_MESSAGE, code="invalid")


def format_document(document: str) -> str:
    """'12345678909' -> '123.456.789-09'; '12ABC34501DE35' -> '12.ABC.345/01DE-35'."""
    if len(document) == 11:
        return f"{document[:3]}.{document[3:6]}.{document[6:9]}-{document[9:]}"
    if len(document) == 14:
        return f"{document[:2]}.{document[2:5]}.{document[5:8]}/{document[8:12]}-{document[12:]}"
    return document


def _piece(start: int, length: int) -> str:
    return f"SUBSTR(%(expressions)s, {start}, {length})"


class DocumentText(Func):
    """format_document's SQL twin (PostgreSQL and SQLite), for the exports: the stored
    CPF/CNPJ of a column as shown, 123.456.789-09 or 12.ABC.345/01DE-35."""

    _cpf = " || ".join(
        [_piece(1, 3), "'.'", _piece(4, 3), "'.'", _piece(7, 3), "'-'", _piece(10, 2)]
    )
    _cnpj = " || ".join(
        [_piece(1, 2), "'.'", _piece(3, 3), "'.'", _piece(6, 3), "'/'", _piece(9, 4)]
        + ["'-'", _piece(13, 2)]
    )
    template = (
        f"CASE LENGTH(%(expressions)s) WHEN 11 THEN {_cpf} WHEN 14 THEN {_cnpj} "
        "ELSE %(expressions)s END"
    )
    output_field = CharField()
    arity = 1


def _check_digit(body: str, weights: tuple[int, ...]) -> str:
    # ord(c) - 48 maps digits to 0-9 and letters to 17-42, as the alphanumeric CNPJ rule says:
    # the sum of (ord(c) - 48) * weight, with the 48s taken out once.
    total = sum(map(mul, map(ord, body), weights)) - 48 * sum(weights)
    remainder = total % 11
    return "0" if remainder < 2 else str(11 - remainder)


_CPF_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_WEIGHTS = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def cpf_from_base(base: str) -> str:
    """A valid CPF from its first 9 digits (validation, demo data, benchmarks, tests)."""
    first = _check_digit(base, _CPF_WEIGHTS)
    return base + first + _check_digit(base + first, (11, *_CPF_WEIGHTS))


def cnpj_from_base(base: str) -> str:
    """A valid CNPJ (numeric or alphanumeric) from its first 12 characters."""
    first = _check_digit(base, _CNPJ_WEIGHTS)
    return base + first + _check_digit(base + first, (6, *_CNPJ_WEIGHTS))
