"""制作签章 (the organization's e-seal) and 签章验证 (checking a signed PDF). Views parse and
call services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from smevoucher.core.errors import DomainError
from smevoucher.core.http import client_ip
from smevoucher.orgs.selectors import org_acting_for

from . import services
from .selectors import active_seal
from .signing import pdf_verify

MAX_PDF = 5 * 1024 * 1024


class SealForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("短信验证码"), min_length=6, max_length=6)
    agreed = forms.BooleanField(label=gettext_lazy("我已阅读并同意《电子签章使用协议》"))


class VerifyForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("已签署的PDF合同（不超过5MB）"))


@login_required
def seal(request):
    org = org_acting_for(request.user)
    current = active_seal(org)
    form = SealForm()
    if request.method == "POST" and current is None:
        if request.POST.get("step") == "code":
            try:
                messages.info(
                    request,
                    services.seal_start_verification(
                        actor=request.user, ip_address=client_ip(request)
                    ),
                )
            except DomainError as error:
                messages.error(request, error.message)
            return redirect("esign:seal")
        form = SealForm(request.POST)
        if form.is_valid():
            try:
                services.seal_create(
                    actor=request.user,
                    response=form.cleaned_data["code"],
                    agreed=form.cleaned_data["agreed"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("签章制作成功，签约合同时无需重复制作"))
                return redirect("esign:seal")
    return render(
        request,
        "esign/seal.html",
        {"org": org, "seal": current, "form": form, "active_entry": "seal"},
    )


@login_required
@never_cache
def seal_image(request):
    """The seal image, only to the people of its organization."""
    current = active_seal(org_acting_for(request.user))
    if current is None:
        raise Http404
    return HttpResponse(bytes(current.image_png), content_type="image/png")


def verify(request):
    """签章验证: anyone may check a signed contract against this platform's certificates."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_PDF:
            form.add_error("file", _("文件不能超过5MB"))
        else:
            report = pdf_verify(upload.read())
    return render(request, "esign/verify.html", {"form": form, "report": report})
