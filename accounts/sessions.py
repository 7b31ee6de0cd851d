"""A user's signed-in sessions: recorded at sign-in, listed on Minha conta, and ended —
one, or all but the current one (after turning two-factor sign-in on or off, or a new
password), by deleting them from Django's session store.

Each session remembers when its record was last touched; every TOUCH_EVERY seconds a request
touches it again (one UPDATE), which also finds a session whose record is gone (ended while
the store kept it) and signs it out. A session with no record at all (opened before sessions
were recorded) is signed out once.
"""

import ipaddress
import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import timezone

from accounts.models import UserSession
from accounts.sudo import sudo_grant
from portal.net import client_ip

SEEN = "_session_seen"  # session key: when this session's record was last touched (epoch s)
TOUCH_EVERY = 5 * 60


def _address(request) -> str | None:
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def record_sign_in(sender, request, user, **kwargs):
    """user_logged_in: the new session's record (Django has just given it a new key). Signing
    in is a fresh confirmation of the password (and code): the sudo window opens."""
    if request is None or not hasattr(request, "session"):
        return
    session = request.session
    if session.session_key is None:
        session.save()
    now = timezone.now()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "signed_in_at": now,
            "last_seen_at": now,
            "ip_address": _address(request),
            "user_agent": request.headers.get("User-Agent", "")[:300],
        },
    )
    session[SEEN] = time.time()
    sudo_grant(request)


def forget_sign_out(sender, request, user, **kwargs):
    """user_logged_out: the session ends here, and so does its record."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def session_rekeyed(old_key: str | None, new_key: str | None) -> None:
    """The session took a new key (Django's cycle_key, after a new password): so does its
    record."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def sessions_end(user, *, keep: str | None = None) -> int:
    """Ends `user`'s sessions except the one whose key is `keep`; returns how many."""
    records = UserSession.objects.filter(user=user)
    if keep:
        records = records.exclude(session_key=keep)
    keys = list(records.values_list("session_key", flat=True))
    for key in keys:
        _store(key).delete()
    records.delete()
    return len(keys)


def session_end(user, pk: int, *, keep: str | None = None) -> bool:
    """Ends one of `user`'s sessions (by its record's id) other than `keep`; False if it is
    not theirs (or is `keep`)."""
    record = UserSession.objects.filter(user=user, pk=pk).exclude(session_key=keep or "").first()
    if record is None:
        return False
    _store(record.session_key).delete()
    record.delete()
    return True


def open_sessions(user):
    """`user`'s sessions still open (a session unused for SESSION_COOKIE_AGE has expired),
    the most recently used first; expired records are dropped on the way."""
    expired = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    UserSession.objects.filter(user=user, last_seen_at__lt=expired).delete()
    return UserSession.objects.filter(user=user)


def describe(user_agent: str) -> str:
    """“Chrome no Windows”: enough to recognise one's own devices."""
    browsers = (
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    )
    systems = (
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    )
    browser = next((name for mark, name in browsers if mark in user_agent), "Navegador")
    system = next((name for mark, name in systems if mark in user_agent), "")
    return f"{browser} no {system}" if system else browser


class SessionRecordMiddleware:
    """Touches the signed-in session's record every TOUCH_EVERY seconds (its last use and
    address); signs out a session whose record is gone or that never had one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._touch(request)
        return self.get_response(request)

    def _touch(self, request):
        seen = request.session.get(SEEN)
        now = time.time()
        if seen is not None and now - seen < TOUCH_EVERY:
            return
        touched = seen is not None and UserSession.objects.filter(
            session_key=request.session.session_key, user=request.user
        ).update(last_seen_at=timezone.now(), ip_address=_address(request))
        if touched:
            request.session[SEEN] = now
            return
        logout(request)
        messages.info(request, "Sua sessão foi encerrada. Entre de novo para continuar.")
