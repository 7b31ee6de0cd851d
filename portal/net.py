import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The caller's address. Behind PROXY_COUNT trusted proxies, the address the outermost
    of them saw (X-Forwarded-For read from the right); otherwise REMOTE_ADDR, since a header
    the client sets itself proves nothing. A forwarded value that is no IP address (a
    misconfigured PROXY_COUNT lets the client write it) falls back to REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "")
    if settings.PROXY_COUNT <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < settings.PROXY_COUNT:
        return remote
    candidate = hops[-settings.PROXY_COUNT]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
