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
