"""The sign-in lockout (django-axes): failures counted per account and per client address.

- AXES_USERNAME_CALLABLE (`lockout_username`): a failure counts against the account the
  typed text names (accounts.backends.find_account: user name or e-mail, any letter case),
  stored as its user name case-folded; a text that names nobody counts by its own folded
  form. So "ana", "ANA" and "ana@alfa.example.com" are one count, and so are "Ghost" and
  "ghost".
- AXES_HANDLER (`SignInLockoutHandler`): AXES_FAILURE_LIMIT failures against one account
  (from any addresses) lock that account out; SIGN_IN_ADDRESS_FAILURE_LIMIT failures from
  one client address (against any accounts) lock that address out, both for
  AXES_COOLOFF_TIME. The address's limit is higher: an office behind one NAT address shares
  it.

The password step, the code step, the invitation page's existing-account form, the identity
confirmation of sensitive changes and the admin's sign-in (which is the portal's) all report
their failures with the same credentials, so one rule counts them all.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Q, Sum

from accounts.backends import LONGEST_NAME, find_account

# The length of django-axes' username columns (AccessAttempt, AccessLog, AccessFailureLog).
AXES_USERNAME_LENGTH = 255


def account_key(typed: str) -> str:
    """What a failure is counted against: the named account's user name, or the text typed,
    case-folded (and cut to axes' column: no name is that long, so no real user shares the
    count of a longer text)."""
    user = find_account(typed) if len(typed) <= LONGEST_NAME else None
    key = user.get_username() if user is not None else typed.strip()
    return key.casefold()[:AXES_USERNAME_LENGTH]


def lockout_username(request, credentials=None):
    """AXES_USERNAME_CALLABLE: the account key of the name in `credentials` (or the POST)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        typed = credentials.get(field)
    else:
        typed = getattr(request, "data", request.POST).get(field)
    if not isinstance(typed, str):
        return typed
    # django-axes asks several times per attempt: one lookup per request and name.
    known = request.__dict__.setdefault("_lockout_keys", {})
    if typed not in known:
        known[typed] = account_key(typed)
    return known[typed]


class SignInLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a limit of its own for each count (axes has one
    limit for all its lockout parameters)."""

    def failure_counts(self, request, credentials=None) -> tuple[int, int]:
        """Recent failures against the account, and from the client's address (one query)."""
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        totals = AccessAttempt.objects.filter(
            Q(username=username) | Q(ip_address=address),
            attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(
            account=Sum("failures_since_start", filter=Q(username=username)),
            address=Sum("failures_since_start", filter=Q(ip_address=address)),
        )
        return totals["account"] or 0, totals["address"] or 0

    def get_failures(self, request, credentials=None) -> int:
        """The account's count, which axes compares with AXES_FAILURE_LIMIT."""
        return self.failure_counts(request, credentials)[0]

    def is_locked(self, request, credentials=None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        account, address = self.failure_counts(request, credentials)
        return (
            account >= get_failure_limit(request, credentials)
            or address >= settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
        )

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # axes locked the account out if its count reached the limit; the address's is ours.
        if request is None or request.axes_locked_out or not self.is_locked(request, credentials):
            return
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful sign-in: the failures of this account from this address only.
        Neither someone else's failures against the account (from elsewhere) nor the
        address's failures against other accounts are forgiven by one's own sign-in."""
        username = get_client_username(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return deleted
