"""/favicon.ico, which every browser asks for by itself, is the portal's icon, not a 404."""

from django.contrib.staticfiles import finders
from django.urls import reverse


def test_the_favicon_is_there(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response.url.endswith("/portal/favicon.svg")
    assert finders.find("portal/favicon.svg")
    assert 'rel="icon"' in client.get(reverse("login")).text
