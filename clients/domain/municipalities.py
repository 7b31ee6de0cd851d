"""The IBGE municipality list (clients/data/municipios.csv): which cities belong to a UF."""

import csv
import unicodedata
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "municipios.csv"


def _key(name: str) -> str:
    """Accents, case, hyphens, apostrophes and extra spaces don't matter when matching."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(letters.replace("-", " ").replace("'", " ").casefold().split())


@cache
def _by_uf() -> dict[str, dict[str, str]]:
    cities: dict[str, dict[str, str]] = {}
    with DATA_FILE.open(encoding="utf-8", newline="") as data:
        for row in csv.DictReader(data):
            cities.setdefault(row["uf"], {})[_key(row["nome"])] = row["nome"]
    return cities


def cities_of(uf: str) -> list[str]:
    """The official names of the municipalities of `uf`, in alphabetical order."""
    return sorted(_by_uf().get((uf or "").upper(), {}).values(), key=_key)


def canonical_city(uf: str, name: str) -> str | None:
    """The official spelling of `name` if it is a municipality of `uf`, else None.

    'sao paulo' in SP → 'São Paulo'; 'Campinas' in RJ → None.
    """
    return _by_uf().get((uf or "").upper(), {}).get(_key(name))
