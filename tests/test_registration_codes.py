import math
import re

import pytest
from django.db import IntegrityError, transaction

from clients.models import (
    CODE_ALPHABET,
    RegistrationCode,
    new_license_key,
    new_registration_code,
    normalize_registration_code,
)

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
