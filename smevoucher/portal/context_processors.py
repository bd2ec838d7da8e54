from django.conf import settings

from smevoucher.notifications.selectors import inbox_unread_count

from .menu import entries


def shell(request):
    """What every page's header and menus need."""
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "nav_entries": entries("nav", user),
        "center_entries": entries("center", user) if authenticated else [],
        "staff_entries": entries("staff", user) if authenticated and user.is_staff else [],
        "unread_count": inbox_unread_count(actor=user) if authenticated else 0,
        "demo_mode": settings.DEMO_MODE,
    }
