from django.utils.functional import SimpleLazyObject


def _partner_of(user):
    if not user.is_authenticated:
        return None
    partner_user = getattr(user, "partner_user", None)
    return partner_user.partner if partner_user else None


class PartnerMiddleware:
    """Sets `request.partner`: the partner the signed-in user works for, or None."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.partner = SimpleLazyObject(lambda: _partner_of(request.user))
        return self.get_response(request)
