from django.conf import settings


def client_ip(request) -> str:
    """The caller's address. Behind PROXY_COUNT trusted proxies, the address the outermost
    of them saw (X-Forwarded-For read from the right); otherwise REMOTE_ADDR, since a header
    the client sets itself proves nothing."""
    remote = request.META.get("REMOTE_ADDR", "")
    if settings.PROXY_COUNT <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    return hops[-settings.PROXY_COUNT] if len(hops) >= settings.PROXY_COUNT else remote
