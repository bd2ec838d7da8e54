"""服务券兑付 pages: the provider's claims, the staff's queues, notices and payout, and the
public notice (兑现公示). Views parse and call services."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smevoucher.core.access import (
    APPROVER,
    CITY1,
    CITY2,
    FINANCE,
    LOGIN_REQUIRED,
    MISSING,
    PROV_X,
    PROVINCE,
    PUBLIC,
    REDIRECT,
    REGION_STAFF,
    STAFF_ONLY,
    SYSADMIN,
    access,
    allow,
    own,
)
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.money import parse_yuan
from smevoucher.programs.models import Program
from smevoucher.programs.selectors import program_scope, sees_staff_pages
from smevoucher.uploads.services import upload_create

from . import exports, services
from .choices import ClaimStatus
from .selectors import (
    cap_problem,
    claim_dossier,
    claim_get_for_provider,
    claim_get_for_staff,
    claimable_orders,
    claims_for_staff,
    notice_rows,
    program_budget,
    provider_claims,
    public_notices,
)


def _fail(request, error: DomainError) -> None:
    messages.error(request, error.message)


# --- provider ---


@login_required
@access(LOGIN_REQUIRED)
def index(request):
    return render(
        request,
        "settlements/index.html",
        {
            "claims": provider_claims(actor=request.user),
            "claimable": claimable_orders(actor=request.user).count(),
            "active_entry": "claims",
        },
    )


@login_required
@access(LOGIN_REQUIRED)
def new(request):
    """选择已评价的订单，填写发票信息并上传发票，生成兑现申请（草稿）。"""
    orders = list(claimable_orders(actor=request.user))
    if request.method == "POST":
        chosen = [o for o in orders if request.POST.get(f"order_{o.pk}")]
        try:
            if not chosen:
                raise DomainError("claim.no_orders", _("请选择要兑现的订单"), field="orders")
            lines = []
            for order in chosen:
                raw_date = request.POST.get(f"invoice_date_{order.pk}", "")
                try:
                    invoice_date = dt.date.fromisoformat(raw_date)
                except ValueError as exc:
                    raise DomainError(
                        "claim.invoice_date", _("请填写正确的开票日期"), field="invoice_date"
                    ) from exc
                upload = request.FILES.get(f"invoice_{order.pk}")
                if upload is None:
                    raise DomainError(
                        "claim.invoice", _("请上传订单 %(n)s 的发票") % {"n": order.number}
                    )
                invoice = upload_create(
                    actor=request.user, uploaded=upload, purpose="claim_invoice"
                )
                lines.append(
                    services.LineInput(
                        order_id=order.pk,
                        invoice_number=request.POST.get(f"invoice_number_{order.pk}", ""),
                        invoice_amount_fen=parse_yuan(
                            request.POST.get(f"invoice_amount_{order.pk}", ""),
                            field="invoice_amount",
                        ),
                        invoice_date=invoice_date,
                        invoice_upload_id=str(invoice.pk),
                    )
                )
            claim = services.claim_create(
                actor=request.user, program_id=chosen[0].program_id, lines=lines
            )
        except DomainError as error:
            _fail(request, error)
        else:
            messages.success(
                request, _("兑现申请已生成，请下载申请表与明细汇总表，盖章后上传扫描件并提交")
            )
            return redirect("settlements:detail", claim.pk)
    return render(
        request,
        "settlements/new.html",
        {"orders": orders, "today": timezone.localdate(), "active_entry": "claims"},
    )


def _claim_for(request, pk: int):
    try:
        if request.user.is_staff:
            return claim_get_for_staff(actor=request.user, pk=pk)
        return claim_get_for_provider(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


# Staff are sent on to the staff page of the claim.
@login_required
@access(own(PROV_X) | dict.fromkeys(REGION_STAFF, REDIRECT), sample="claim")
def detail(request, pk: int):
    claim = _claim_for(request, pk)
    if request.user.is_staff:
        return redirect("settlements:staff_detail", pk)
    if request.method == "POST" and claim.status in services.EDITABLE:
        try:
            stamped = request.FILES.get("stamped_form")
            others = request.FILES.getlist("materials")
            stamped_id = (
                str(
                    upload_create(actor=request.user, uploaded=stamped, purpose="claim_material").pk
                )
                if stamped
                else None
            )
            material_ids = [
                str(upload_create(actor=request.user, uploaded=f, purpose="claim_material").pk)
                for f in others
            ]
            services.claim_update(
                actor=request.user,
                claim_id=claim.pk,
                stamped_form_id=stamped_id,
                material_ids=material_ids or None,
            )
        except DomainError as error:
            _fail(request, error)
        else:
            messages.success(request, _("材料已上传"))
        return redirect("settlements:detail", pk)
    context = claim_dossier(claim=claim, viewer=request.user)
    context.update(
        cap_problem=cap_problem(claim) if claim.status in services.EDITABLE else None,
        editable=claim.status in services.EDITABLE,
        active_entry="claims",
        base_template="center_base.html",
    )
    return render(request, "settlements/detail.html", context)


@login_required
@access(own(PROV_X, *REGION_STAFF), sample="claim", kwargs={"kind": "form.pdf"})
def export(request, pk: int, kind: str):
    claim = _claim_for(request, pk)
    makers = {
        "form.pdf": (exports.application_pdf, "application/pdf", "服务券兑现申请表"),
        "summary.pdf": (exports.summary_pdf, "application/pdf", "服务券使用情况明细汇总表"),
        # Streamed from a temporary file: a claim of 10,000 orders takes no more memory.
        "summary.xlsx": (
            exports.summary_xlsx_file,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "服务券使用情况明细汇总表",
        ),
    }
    if kind not in makers:
        raise Http404
    make, content_type, title = makers[kind]
    name = f"{title}-{claim.number}.{kind.rsplit('.', 1)[1]}"
    made = make(claim)
    if isinstance(made, bytes):
        response = HttpResponse(made, content_type=content_type)
    else:
        response = FileResponse(made, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_POST
@access(own(PROV_X, *REGION_STAFF), sample="claim", method="POST")
def submit(request, pk: int):
    claim = _claim_for(request, pk)
    try:
        services.claim_submit(actor=request.user, claim_id=claim.pk)
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, _("兑现申请已提交，请按要求报送纸质材料"))
    return redirect("settlements:detail", pk)


# --- staff ---


def _staff(request) -> None:
    if not sees_staff_pages(request.user):
        raise PermissionDenied


@login_required
@access(STAFF_ONLY)
def staff_index(request):
    _staff(request)
    status = request.GET.get("status", "")
    status = status if status in ClaimStatus.values else ""
    claims = claims_for_staff(actor=request.user, status=status)
    programs = Program.objects.filter(program_scope(request.user)).order_by("-year", "code")
    return render(
        request,
        "settlements/staff_index.html",
        {
            "claims": claims[:200],
            "status": status,
            "statuses": ClaimStatus.choices,
            "budgets": [(p, program_budget(p)) for p in programs],
            "approved": claims_for_staff(actor=request.user, status=ClaimStatus.APPROVED),
            "noticed": claims_for_staff(actor=request.user, status=ClaimStatus.NOTICE),
            "today": timezone.localdate(),
            "active_entry": "claims",
        },
    )


@login_required
@access(STAFF_ONLY | {CITY2: MISSING}, sample="claim_review")
def staff_detail(request, pk: int):
    _staff(request)
    claim = _claim_for(request, pk)
    context = claim_dossier(claim=claim, viewer=request.user)
    context.update(active_entry="claims", base_template="staff_base.html", staff=True)
    return render(request, "settlements/detail.html", context)


def _staff_post(request, call, done: str, back: str):
    _staff(request)
    try:
        call()
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
@access(STAFF_ONLY | {CITY2: MISSING}, sample="claim_review", method="POST")
def paper(request, pk: int):
    return _staff_post(
        request,
        lambda: services.claim_paper_received(actor=request.user, claim_id=pk),
        _("已登记纸质材料接收"),
        request.POST.get("next") or f"/claims/staff/{pk}/",
    )


@login_required
@require_POST
@access(
    STAFF_ONLY | {CITY2: MISSING},
    sample="claim_line",
    method="POST",
    data={"approved": "1", "reason": "矩阵测试"},
)
def cut(request, line_id: int):
    def call():
        services.claim_line_cut(
            actor=request.user,
            line_id=line_id,
            approved_fen=parse_yuan(
                request.POST.get("approved", ""), field="approved", allow_zero=True
            ),
            reason=request.POST.get("reason", ""),
        )

    return _staff_post(request, call, _("已核减"), request.POST.get("next") or "/claims/staff/")


@login_required
@require_POST
@access(STAFF_ONLY, method="POST")
def publish(request):
    def call():
        ids = [int(i) for i in request.POST.getlist("claims") if i.isdigit()]
        program = request.POST.get("program", "")
        days = request.POST.get("days", "5")
        services.notice_publish(
            actor=request.user,
            program_id=int(program) if program.isdigit() else 0,
            claim_ids=ids,
            days=int(days) if days.isdigit() else 0,
        )

    return _staff_post(request, call, _("兑现公示已发布"), "/claims/staff/")


# Only finance pays: other staff are told so before the claim is looked up.
@login_required
@require_POST
@access(STAFF_ONLY, sample="claim_review", method="POST")
def pay(request, pk: int):
    return _staff_post(
        request,
        lambda: services.claim_pay(actor=request.user, claim_id=pk),
        _("已兑付"),
        "/claims/staff/",
    )


# The approvers of the notice's region answer its objections; other staff do not see them.
@login_required
@require_POST
@access(
    allow(PROVINCE, APPROVER) | dict.fromkeys((CITY1, CITY2, FINANCE, SYSADMIN), MISSING),
    sample="objection",
    method="POST",
    data={"answer": "矩阵测试"},
)
def answer(request, objection_id: int):
    return _staff_post(
        request,
        lambda: services.objection_answer(
            actor=request.user,
            objection_id=objection_id,
            answer=request.POST.get("answer", ""),
            upheld=request.POST.get("upheld") == "1",
        ),
        _("异议已处理"),
        request.POST.get("next") or "/claims/staff/",
    )


# --- public ---


@access(PUBLIC)
def notices(request):
    return render(request, "settlements/notices.html", {"notices": public_notices()[:50]})


@access(PUBLIC, sample="notice")
def notice(request, pk: int):
    found = public_notices().filter(pk=pk).first()
    if found is None:
        raise Http404
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next=/claims/notices/{pk}/")
        claim = request.POST.get("claim", "")
        try:
            services.objection_raise(
                actor=request.user,
                notice_id=found.pk,
                content=request.POST.get("content", ""),
                claim_id=int(claim) if claim.isdigit() else None,
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as error:
            _fail(request, error)
        else:
            messages.success(request, _("异议已提交，平台将核实处理"))
        return redirect("settlements:notice", pk)
    objections = found.objections.all() if sees_staff_pages(request.user) else []
    return render(
        request,
        "settlements/notice.html",
        {
            "notice": found,
            "rows": notice_rows(found),
            "open": timezone.localdate() <= found.objection_until,
            "objections": objections,
        },
    )
