from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    """Signs in by user name, or by e-mail address when exactly one user has it.

    django-axes counts failures against what was typed (AXES_USERNAME_CALLABLE), either way.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None or not username or "@" not in username or password is None:
            return user
        users = list(get_user_model().objects.filter(email__iexact=username.strip())[:2])
        if len(users) != 1:
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
