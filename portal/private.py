"""Responses to a signed-in user are nobody else's: no cache may keep them."""

from django.utils.cache import add_never_cache_headers


class NoStoreWhenSignedInMiddleware:
    """Every response to a signed-in user — pages with clients, license keys and registration
    codes, exports, the account — gets `Cache-Control: no-store` (and private, no-cache): a
    shared proxy must not serve it to someone else, nor the browser's cache or back button
    show it after signing out. A response whose view chose its own caching (the favicon, the
    list of a state's cities: no one's data) keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
