from clients.domain.municipalities import canonical_city, cities_of


def test_every_uf_has_its_municipalities():
    assert len(cities_of("SP")) == 645
    assert len(cities_of("DF")) == 1
    assert sum(len(cities_of(uf)) for uf in ["AC", "RR"]) == 22 + 15


def test_a_city_is_matched_without_accents_or_case():
    assert canonical_city("SP", "sao paulo") == "São Paulo"
    assert canonical_city("sp", "EMBU DAS ARTES") == "Embu das Artes"
    assert canonical_city("RO", "alta floresta d oeste") == "Alta Floresta D'Oeste"


def test_a_city_of_another_uf_is_not_matched():
    assert canonical_city("RJ", "Campinas") is None
    assert canonical_city("XX", "São Paulo") is None
    assert canonical_city("SP", "") is None
