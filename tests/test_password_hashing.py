"""Passwords are hashed with Argon2id (less CPU per sign-in than Django's PBKDF2 here, and
memory-hard); a PBKDF2 hash made before is replaced by an Argon2 one at the next sign-in."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher
from django.urls import reverse

from portal import settings as production
from tests.conftest import PASSWORD


def test_production_hashes_new_passwords_with_argon2():
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # The hashes made before still verify.
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production.PASSWORD_HASHERS


def test_a_pbkdf2_hash_becomes_argon2_at_the_next_sign_in(client, partner_a_user, settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    hasher = PBKDF2PasswordHasher()
    partner_a_user.password = hasher.encode(PASSWORD, hasher.salt())
    partner_a_user.save(update_fields=["password"])

    response = client.post(reverse("login"), {"username": "ana", "password": PASSWORD})

    assert response.status_code == 302
    partner_a_user.refresh_from_db()
    assert identify_hasher(partner_a_user.password).algorithm == "argon2"
    assert partner_a_user.password.startswith("argon2$argon2id$")
    assert partner_a_user.check_password(PASSWORD)
