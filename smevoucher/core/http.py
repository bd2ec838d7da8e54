from axes.helpers import get_client_ip_address


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For only behind the trusted proxies
    (TRUSTED_PROXY_COUNT), the same rule login lockout uses."""
    return get_client_ip_address(request)
