"""GET /clientes/municipios/?uf=XX — a UF's municipalities, for the Cidade field."""

from django.urls import reverse

URL = reverse("clients:cities")


def test_it_lists_the_municipalities_of_the_uf(client_a):
    response = client_a.get(URL, {"uf": "sp"})
    assert response.status_code == 200
    body = response.json()
    assert body["uf"] == "SP" and len(body["cidades"]) == 645
    assert "Campinas" in body["cidades"] and "Niterói" not in body["cidades"]
    assert "max-age=86400" in response["Cache-Control"]


def test_an_unknown_uf_is_not_found(client_a):
    response = client_a.get(URL, {"uf": "XX"})
    assert response.status_code == 404
    assert response.json() == {"erro": "UF desconhecida."}


def test_anonymous_users_are_sent_to_sign_in(client, db):
    response = client.get(URL, {"uf": "SP"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
