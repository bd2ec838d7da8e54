"""服务券配额申请 pages. Views parse input and call services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smevoucher.core.access import ENT_A, ENTERPRISES, LOGIN_REQUIRED, MISSING, access, allow, own
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.money import parse_yuan
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.programs.models import Program, ProgramStatus
from smevoucher.programs.selectors import program_version_at, programs_for_region
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_transition
from smevoucher.uploads.services import upload_create

from . import services
from .choices import ApplicationStatus
from .forms import SpecialQuotaForm
from .models import QuotaApplication
from .selectors import quota_cards, quota_open_application, quota_quote


@login_required
@access(LOGIN_REQUIRED)
def index(request):
    org = org_acting_for(request.user)
    programs = []
    if org is not None:
        for program in programs_for_region(region_code=org.region_code):
            version = program_version_at(program=program)
            cards = quota_cards(org=org, program=program, version=version)
            # A past year's program shows only where the enterprise has something in it.
            if all(
                c["quote"].code == "quota.closed" and not c["vouchers"] and not c["application"]
                for c in cards
            ):
                continue
            programs.append({"program": program, "version": version, "cards": cards})
    return render(
        request, "quotas/index.html", {"org": org, "programs": programs, "active_entry": "quota"}
    )


def _reason_of(application: QuotaApplication | None) -> str:
    if application is None or application.status not in (
        ApplicationStatus.RETURNED,
        ApplicationStatus.REJECTED,
    ):
        return ""
    review = review_latest_for_subject(subject=application)
    return review.last_reason if review else ""


# Staff act for no organization: no program is theirs to apply to.
@login_required
@access(allow(*ENTERPRISES, others=MISSING), sample="quota")
def apply(request, program_id: int, voucher_type: str):
    org = org_acting_for(request.user)
    program = get_object_or_404(Program, pk=program_id, status=ProgramStatus.ACTIVE)
    if org is None or not org.region_code.startswith(program.region_code):
        raise Http404
    open_application = quota_open_application(org=org, program=program, voucher_type=voucher_type)
    version = (
        open_application.program_version
        if open_application
        else program_version_at(program=program)
    )
    rule = version.parsed.voucher_type(voucher_type)
    if rule is None:
        raise Http404
    returned = (
        open_application
        if open_application and open_application.status == ApplicationStatus.RETURNED
        else None
    )
    if open_application and not returned:
        messages.info(request, _("该券种已有待审核的申请"))
        return redirect("quotas:index")
    special = rule.amount_mode == "requested"
    form = SpecialQuotaForm(base_label=rule.base_label) if special else None
    error = ""
    if request.method == "POST":
        try:
            base_fen = requested_fen = None
            upload_id = None
            if special:
                form = SpecialQuotaForm(request.POST, request.FILES, base_label=rule.base_label)
                if not form.is_valid():
                    raise DomainError("form.invalid", _("请检查填写的内容"))
                base_fen = parse_yuan(form.cleaned_data["base_yuan"], field="base_yuan")
                requested_fen = parse_yuan(
                    form.cleaned_data["requested_yuan"], field="requested_yuan"
                )
                if form.cleaned_data.get("proof"):
                    upload_id = upload_create(
                        actor=request.user,
                        uploaded=form.cleaned_data["proof"],
                        purpose="quota_proof",
                    ).pk
            if returned:
                services.quota_resubmit(
                    actor=request.user,
                    application_id=returned.pk,
                    requested_fen=requested_fen,
                    base_fen=base_fen,
                    proof_upload_id=upload_id,
                )
            else:
                services.quota_apply(
                    actor=request.user,
                    program_id=program.pk,
                    voucher_type=voucher_type,
                    requested_fen=requested_fen,
                    base_fen=base_fen,
                    proof_upload_id=upload_id,
                )
        except DomainError as exc:
            if form is not None and exc.field in ("base_yuan", "requested_yuan", "proof", "file"):
                form.add_error("proof" if exc.field == "file" else exc.field, exc.message)
            elif form is not None and exc.field == "amount":
                form.add_error("requested_yuan", exc.message)
            elif exc.code != "form.invalid":
                error = exc.message
        else:
            messages.success(request, _("配额申请已提交，平台工作人员将在1-2个工作日内审核"))
            return redirect("quotas:index")
    quote = quota_quote(org=org, version=version, voucher_type=voucher_type)
    return render(
        request,
        "quotas/apply.html",
        {
            "program": program,
            "rule": rule,
            "quote": quote,
            "form": form,
            "error": error,
            "returned": returned,
            "returned_reason": _reason_of(returned),
            "class_names": [version.parsed.classification_name(c) for c in quote.classes],
            "active_entry": "quota",
        },
    )


@login_required
@require_POST
@access(own(ENT_A), sample="quota_application", method="POST")
def withdraw(request, application_id: int):
    org = org_acting_for(request.user)
    application = (
        QuotaApplication.objects.filter(pk=application_id, org=org).first() if org else None
    )
    review = review_latest_for_subject(subject=application) if application else None
    if review is None:
        raise Http404
    try:
        review_transition(actor=request.user, review_id=review.pk, action="withdraw")
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("配额申请已撤回"))
    return redirect("quotas:index")
