"""A short window of fresh confirmation (“sudo”, as GitHub calls it) for the changes that hand
an account over: turning two-factor sign-in on or off, new recovery codes, a new password or
e-mail address. Inside it, the session's user gave their password (and, with two-factor
sign-in on, a code) less than SUDO_SECONDS ago — at sign-in or on the confirmation page —
so a session left open, or taken, cannot make those changes by itself.
"""

import functools
import time
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

UNTIL = "_sudo_until"  # session key: the window's end (epoch seconds)


def sudo_grant(request) -> None:
    request.session[UNTIL] = time.time() + settings.SUDO_SECONDS


def in_sudo(request) -> bool:
    return request.session.get(UNTIL, 0) > time.time()


def sudo_required(view=None, *, back: str | None = None):
    """Outside the window, the page asks for the confirmation first and comes back: to this
    page, or for a POST-only view to its form's page (the URL name `back`)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if in_sudo(request):
                return view(request, *args, **kwargs)
            here = request.get_full_path()
            if request.method != "GET" and back:
                here = reverse(back)
            query = urlencode({"next": here})
            return redirect(f"{reverse('confirm-identity')}?{query}")

        return wrapper

    return decorate(view) if view is not None else decorate
