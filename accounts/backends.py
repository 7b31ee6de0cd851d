"""Who a sign-in names, and its password checked at the same cost whatever the answer.

One rule, `find_account`, says which account the text typed at sign-in stands for; the
sign-in backend, the invitation page and the lockout (accounts.lockout) all use it, so that
no spelling of a name (another letter case, the e-mail instead of the user name) is a way
around the lockout's count.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

# No user name (150) nor e-mail address (254) is longer: nothing to look up beyond this.
LONGEST_NAME = 254
# An e-mail address of more users than this names nobody anyway.
CANDIDATES = 10


def find_account(typed):
    """The user `typed` names: the user name as typed; else the one user with that user name
    in another letter case; else the one user with that e-mail address (any case). None
    when nobody (or more than one user) answers to it. One query."""
    if not isinstance(typed, str):
        return None
    text = typed.strip()
    if not text or len(text) > LONGEST_NAME:
        return None
    User = get_user_model()
    candidates = list(
        User._default_manager.filter(Q(username__iexact=text) | Q(email__iexact=text)).order_by(
            "pk"
        )[:CANDIDATES]
    )
    folded = text.lower()
    for matches in (
        [user for user in candidates if user.username == text],
        [user for user in candidates if user.username.lower() == folded],
        [user for user in candidates if user.email.lower() == folded],
    ):
        if len(matches) == 1:
            return matches[0]
        if matches:
            return None  # two accounts answer to it: it names neither
    return None


def password_matches(user, password) -> bool:
    """`password` is `user`'s. With no user, the same key derivation runs on a throwaway
    user, so the answer takes as long for an unknown name as for a known one."""
    if user is None:
        get_user_model()().set_password(password)
        return False
    return user.check_password(password)


class UsernameOrEmailBackend(ModelBackend):
    """Signs in by user name (in any letter case) or by e-mail address (of one user only).

    Exactly one password hash is computed per attempt, whether the name or e-mail exists or
    not: the time of an answer tells nothing about who has an account.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = find_account(username)
        if password_matches(user, password) and self.user_can_authenticate(user):
            return user
        return None
