"""制作签章 (the organization's e-seal, in the personal center) and 签章验证 (anyone checks a
signed PDF). Views parse input and call the services; the services hold the rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from smevoucher.core.access import ENT_A, LOGIN_REQUIRED, PUBLIC, access, own
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.http import client_ip
from smevoucher.orgs.selectors import org_acting_for

from . import services
from .forms import SealForm, VerifyForm
from .identity import identity_verifier
from .selectors import active_seal, seal_get_for_actor
from .signing import pdf_verify

# 签章验证 is public: a light cap on how many files one address checks per minute.
VERIFY_PER_MINUTE = 20


def _add_domain_error(form, exc: DomainError) -> None:
    if isinstance(exc, NotFound):
        raise Http404 from exc
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
@require_http_methods(["GET", "POST"])
@access(LOGIN_REQUIRED)
def seal(request):
    """The organization's seal, or the form that makes it (code, agreement, make)."""
    user = request.user
    org = org_acting_for(user)
    current = active_seal(org)
    verifier = identity_verifier(purpose="seal")
    label = verifier.response_label
    form = SealForm(response_label=label)
    if request.method == "POST" and current is None:
        action = request.POST.get("action", "make")
        if action == "send_code":
            try:
                sent = services.seal_start_verification(actor=user, ip_address=client_ip(request))
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(request, sent)
            form.initial["agreed"] = bool(request.POST.get("agreed"))
        else:
            form = SealForm(request.POST, response_label=label)
            if form.is_valid():
                try:
                    services.seal_create(
                        actor=user,
                        org=org,
                        response=form.cleaned_data["sms_code"],
                        agreed=form.cleaned_data["agreed"],
                    )
                except DomainError as exc:
                    _add_domain_error(form, exc)
                else:
                    messages.success(request, _("签章制作成功，今后签署合同时无需重复制作"))
                    return redirect("esign:seal")
    return render(
        request,
        "esign/seal.html",
        {
            "org": org,
            "seal": current,
            "form": form,
            "identity_method": verifier.method,
            "active_entry": "seal",
        },
    )


@login_required
@never_cache
@access(own(ENT_A), sample="seal")
def seal_image(request, pk: int):
    """The seal's image, only to the people of its organization (404 for anyone else)."""
    try:
        seal = seal_get_for_actor(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(bytes(seal.image_png), content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="seal.png"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def verification_allowed(request) -> bool:
    """Count one verification of the client's address in this minute; False past the cap."""
    key = f"esign:verify:{client_ip(request) or '-'}"
    if cache.add(key, 1, timeout=60):
        return True
    try:
        return cache.incr(key) <= VERIFY_PER_MINUTE
    except ValueError:  # expired between add and incr
        return cache.add(key, 1, timeout=60) or True


@require_http_methods(["GET", "POST"])
@access(PUBLIC)
def verify(request):
    """签章验证: anyone may check a signed contract against this platform's certificates."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        if not verification_allowed(request):
            form.add_error(None, _("验证过于频繁，请稍后再试"))
        else:
            report = pdf_verify(form.cleaned_data["file"].read())
    return render(request, "esign/verify.html", {"form": form, "report": report})
