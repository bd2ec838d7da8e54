from django.urls import include, path
from django.views.i18n import set_language

from smevoucher.api.api import api
from smevoucher.reviews.urls import calendar_urlpatterns

urlpatterns = [
    path("", include("smevoucher.portal.urls")),
    path("accounts/", include("smevoucher.accounts.urls")),
    path("center/quota/", include("smevoucher.quotas.urls")),
    path("center/org/", include("smevoucher.orgs.urls")),
    path("center/products/", include("smevoucher.catalog.urls_provider")),
    path("center/provider/", include("smevoucher.providers.urls")),
    path("inbox/", include("smevoucher.notifications.urls")),
    path("files/", include("smevoucher.uploads.urls")),
    path("staff/audit/", include("smevoucher.audit.urls")),
    path("staff/reviews/", include("smevoucher.reviews.urls")),
    path("staff/people/", include("smevoucher.staff.urls")),
    path("staff/calendar/", include((calendar_urlpatterns, "calendar"))),
    path("staff/programs/", include("smevoucher.programs.urls")),
    path("staff/vouchers/", include("smevoucher.vouchers.urls")),
    path("staff/classifications/", include("smevoucher.programs.urls_imports")),
    path("staff/providers/", include("smevoucher.providers.urls_staff")),
    path("providers/", include("smevoucher.providers.urls_public")),
    path("products/", include("smevoucher.catalog.urls")),
    path("orders/", include("smevoucher.orders.urls")),
    path("", include("smevoucher.esign.urls")),  # /center/seal/ and /esign/verify/
    path("claims/", include("smevoucher.settlements.urls")),
    path("messages/", include("smevoucher.community.urls")),
    path("news/", include("smevoucher.community.urls_news")),
    path("captcha/", include("captcha.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
]

handler403 = "smevoucher.portal.views.error_403"
handler404 = "smevoucher.portal.views.error_404"
handler500 = "smevoucher.portal.views.error_500"
