from clients.models import PartnerUser


class PartnerMiddleware:
    """Sets `request.partner`: the partner the signed-in user works for, or None.

    One query (the link and its partner together) for signed-in users; none for others.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.partner = None
        if request.user.is_authenticated:
            link = PartnerUser.objects.select_related("partner").filter(user=request.user).first()
            request.partner = link.partner if link else None
        return self.get_response(request)
