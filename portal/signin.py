"""Who django-axes counts a sign-in attempt against (AXES_USERNAME_CALLABLE)."""

from django.conf import settings

# The length of django-axes' username columns (AccessAttempt, AccessLog, AccessFailureLog).
AXES_USERNAME_LENGTH = 255


def sign_in_username(request, credentials=None) -> str | None:
    """The user name typed, as django-axes takes it, cut to the length of its columns.

    Django's sign-in forms (the portal's and the admin's) do not enforce the user name's
    max_length, so a longer name reaches authenticate(), and axes' INSERT of the failed attempt
    failed (a 500 on PostgreSQL). No user name is that long, so the cut locks out no real user.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return username[:AXES_USERNAME_LENGTH] if isinstance(username, str) else username
