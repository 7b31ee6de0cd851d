import math
import re

import pytest
from django.db import IntegrityError, transaction

from clients.domain.codes import (
    CODE_ALPHABET,
    new_license_key,
    new_registration_code,
    new_registration_codes,
    normalize_registration_code,
)
from clients.models import RegistrationCode

LOOK_ALIKES = set("0O1IL")


def test_a_code_is_four_groups_of_five_symbols():
    assert re.fullmatch(r"[A-Z2-9]{5}(-[A-Z2-9]{5}){3}", new_registration_code())


def test_a_code_carries_at_least_80_bits():
    symbols = len(new_registration_code().replace("-", ""))
    assert symbols * math.log2(len(set(CODE_ALPHABET))) >= 80


def test_the_alphabet_has_no_look_alike_characters():
    assert not LOOK_ALIKES & set(CODE_ALPHABET)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET)


def test_codes_use_only_the_alphabet():
    symbols = set("".join(new_registration_code().replace("-", "") for _ in range(500)))
    assert symbols <= set(CODE_ALPHABET)
    assert len(symbols) == len(CODE_ALPHABET)  # every symbol turns up: none is left unused


def test_codes_do_not_repeat():
    codes = [new_registration_code() for _ in range(10_000)]
    assert len(set(codes)) == len(codes)


def test_codes_made_in_bulk_are_codes_and_do_not_repeat():
    codes = new_registration_codes(20_000)
    assert len(codes) == len(set(codes)) == 20_000
    assert all(re.fullmatch(r"[A-Z2-9]{5}(-[A-Z2-9]{5}){3}", code) for code in codes)
    assert set("".join(codes).replace("-", "")) == set(CODE_ALPHABET)
    assert new_registration_codes(0) == []


@pytest.mark.parametrize(
    "make",
    [new_registration_codes, lambda n: [new_registration_code() for _ in range(n)]],
    ids=["bulk", "one by one"],
)
def test_every_symbol_is_equally_likely(make):
    # Random bytes read modulo 31 without dropping those from 248 up would favour the first 8
    # symbols (9/256 each instead of 8/256): their share would be 28.1% instead of 25.8%.
    symbols = "".join(make(10_000)).replace("-", "")  # 200,000 symbols: σ of the share ≈ 0.1%
    first = sum(symbols.count(symbol) for symbol in CODE_ALPHABET[:8]) / len(symbols)
    assert abs(first - 8 / len(CODE_ALPHABET)) < 0.006
    counts = [symbols.count(symbol) for symbol in CODE_ALPHABET]
    assert max(counts) / min(counts) < 1.1  # each ≈ 6,450 (σ ≈ 80)


def test_a_license_key_is_five_groups_and_differs_from_a_code():
    key = new_license_key()
    assert re.fullmatch(r"[A-Z2-9]{5}(-[A-Z2-9]{5}){4}", key)
    assert normalize_registration_code(key) is None


def test_the_database_refuses_a_duplicate_code(make_client, partner_a):
    first = RegistrationCode.objects.create(client=make_client(partner_a))
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationCode.objects.create(client=make_client(partner_a), code=first.code)


def test_each_new_code_gets_its_own_value(make_client, partner_a):
    client = make_client(partner_a)
    codes = {RegistrationCode.objects.create(client=client).code for _ in range(20)}
    assert len(codes) == 20


@pytest.mark.parametrize(
    "typed",
    ["abcde-fghjk-mnpqr-stuvw", "ABCDEFGHJKMNPQRSTUVW", " abcde fghjk-MNPQR stuvw "],
)
def test_a_code_typed_any_way_is_normalised(typed):
    assert normalize_registration_code(typed) == "ABCDE-FGHJK-MNPQR-STUVW"


@pytest.mark.parametrize(
    "typed", ["", "ABCDE-FGHJK-MNPQR", "ABCDE-FGHJK-MNPQR-STUV0", "ABCDE-FGHJK-MNPQR-STUVWX"]
)
def test_what_cannot_be_a_code_normalises_to_none(typed):
    assert normalize_registration_code(typed) is None
