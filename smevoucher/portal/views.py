from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _

from smevoucher.core.access import LOGIN_REQUIRED, PUBLIC, STAFF_ONLY, access

# The eight steps of the usage flow, as the Guangxi homepage shows them (服务券使用流程).
USAGE_FLOW = [
    (_("注册"), _("手机号注册平台账号")),
    (_("认证"), _("填写企业信息，完成实名认证")),
    (_("配额"), _("申请服务券配额，审核通过后发券")),
    (_("下单服务"), _("选择服务产品，用券下单")),
    (_("签合同"), _("与服务机构在线签订合同")),
    (_("付定金"), _("服务券抵扣后支付定金")),
    (_("付尾款"), _("服务完成后支付尾款")),
    (_("评价服务"), _("对服务进行评价，完成订单")),
]


@access(PUBLIC)
def home(request):
    from smevoucher.community.selectors import demand_board, demand_categories, published_articles
    from smevoucher.settlements.selectors import public_notices

    from .figures import active_program_banners, homepage_figures

    return render(
        request,
        "portal/home.html",
        {
            "usage_flow": USAGE_FLOW,
            "figures": homepage_figures(),
            "banners": active_program_banners(),
            "notices": public_notices()[:5],
            "articles": published_articles()[:6],
            "demands": demand_board()[:5],
            "categories": demand_categories(fallback=False),
        },
    )


@login_required
@access(LOGIN_REQUIRED)
def center(request):
    return render(request, "portal/center.html", {"active_entry": "profile"})


@access(PUBLIC)
def healthz(request):
    """A constant answer for load balancers and the benchmark's ceiling: no database, no
    session, only the server and the middleware every page passes through."""
    return JsonResponse({"status": "ok"})


@access(PUBLIC)
def agreement(request):
    return render(request, "portal/agreement.html")


@access(PUBLIC)
def privacy(request):
    return render(request, "portal/privacy.html")


@login_required
@access(STAFF_ONLY)
def dashboard(request):
    """数据看板: the staff member's region in charts, tables and Excel."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404, HttpResponse

    from smevoucher.programs.selectors import sees_staff_pages

    from .dashboard import chart_xlsx, charts_for

    if not sees_staff_pages(request.user):
        raise PermissionDenied
    charts = charts_for(request.user)
    export = request.GET.get("export", "")
    if export:
        chart = next((c for c in charts if c.key == export), None)
        if chart is None:
            raise Http404
        response = HttpResponse(
            chart_xlsx(chart),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="dashboard-{chart.key}.xlsx"'
        return response
    return render(request, "portal/dashboard.html", {"charts": charts, "active_entry": "dashboard"})


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # A static page: rendering must not depend on the database that may have failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
