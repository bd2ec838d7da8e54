from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _

# The eight steps every program's enterprise goes through (Guangxi manual, 使用流程).
USAGE_FLOW = [
    (_("注册登录"), _("手机号注册，设置登录密码")),
    (_("企业认证"), _("填写企业信息，完成实名认证")),
    (_("申领服务券"), _("提交配额申请，审核通过后发券")),
    (_("选购服务"), _("在服务产品中选择所需服务")),
    (_("签订合同"), _("与服务机构在线签订合同")),
    (_("支付费用"), _("服务券抵扣后支付剩余金额")),
    (_("接受服务"), _("服务机构提供服务并交付成果")),
    (_("评价验收"), _("对服务进行评价，完成订单")),
]


def home(request):
    return render(request, "portal/home.html", {"usage_flow": USAGE_FLOW})


@login_required
def center(request):
    return render(request, "portal/center.html", {"active_entry": "profile"})


def agreement(request):
    return render(request, "portal/agreement.html")


def privacy(request):
    return render(request, "portal/privacy.html")


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # A static page: rendering must not depend on the database that may have failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
