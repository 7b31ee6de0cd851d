"""Small helpers of the security tests: two-factor devices and their codes."""

from django_otp.oath import totp

from accounts.services import two_factor_confirm, two_factor_start


def code_for(device, steps_back=0) -> str:
    """The authenticator app's code now (or `steps_back` steps of 30 s ago)."""
    return f"{totp(device.bin_key, step=30, digits=6, drift=-steps_back):06d}"


def enrol(user):
    """Turns two-factor sign-in on for `user` with the previous step's code (the current one
    stays unused, for the test to give); returns the device."""
    device = two_factor_start(user)
    two_factor_confirm(device=device, token=code_for(device, steps_back=1))
    device.refresh_from_db()
    return device


def expire_sudo(http) -> None:
    """The confirmation given at sign-in is no longer fresh (accounts.sudo)."""
    session = http.session
    session["_sudo_until"] = 0
    session.save()


def sign_in(http, username, password, device=None, steps_back=0):
    """Signs in through the pages (the password step, and the code step with `device`'s
    code of `steps_back` steps ago: a code is accepted once)."""
    from django.urls import reverse

    response = http.post(reverse("login"), {"username": username, "password": password})
    if device is not None:
        response = http.post(reverse("login-code"), {"code": code_for(device, steps_back)})
    assert response.status_code == 302, response
    return response
