"""Organization pages of the personal center: 企业信息认证, 指定经办人, 支付认证, 信息变更.

Views parse input and call services; the services hold the rules. Personal values are
shown through the presenters, so an enterprise never sees a full ID or account number.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from smevoucher.accounts.choices import SmsPurpose
from smevoucher.accounts.services import sms_code_send
from smevoucher.core.access import LOGIN_REQUIRED, access
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.http import client_ip
from smevoucher.regions.models import Region
from smevoucher.regions.selectors import region_children
from smevoucher.reviews.choices import ReviewAction
from smevoucher.reviews.selectors import review_allowed_actions, review_latest_for_subject
from smevoucher.reviews.services import review_transition

from . import forms, services
from .choices import CertStatus, IdType
from .models import BankAccount, Organization
from .presenters import shown_bank_account, shown_id_number, shown_phone
from .selectors import org_acting_for, org_agent

# Service error fields the forms call differently: a region error belongs to the selects.
_FIELD_ALIASES = {"region_code": "city"}
# Never echoed back into a re-rendered form.
_SECRET_FIELDS = ("sms_code",)
# How each certification state looks in the status banner (alert-* classes).
_STATUS_TONES = {
    CertStatus.DRAFT: "info",
    CertStatus.SUBMITTED: "info",
    CertStatus.APPROVED: "success",
    CertStatus.RETURNED: "warning",
    CertStatus.REJECTED: "error",
}
# Key fields whose history is kept (OrgHistory.field), as the applicant reads them.
_HISTORY_LABELS = {
    "name": gettext_lazy("机构名称"),
    "region_code": gettext_lazy("注册地区"),
    "address": gettext_lazy("注册地址"),
    "legal_rep_name": gettext_lazy("法定代表人姓名"),
    "legal_rep_id_type": gettext_lazy("法定代表人证件类型"),
    "legal_rep_id_number": gettext_lazy("法定代表人证件号码"),
}


def _add_domain_error(form, exc: DomainError) -> None:
    if isinstance(exc, NotFound):
        raise Http404 from exc
    field = _FIELD_ALIASES.get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


def _redisplay(form_class, request, errors: dict | None = None, **form_kwargs):
    """The same form again with what the person typed (never the SMS code), unvalidated."""
    data = request.POST.copy()
    for name in _SECRET_FIELDS:
        data.pop(name, None)
    form = form_class(data=data, **form_kwargs)
    form._errors = ErrorDict()  # shown as given, without validating the half-filled form
    for name, error_list in (errors or {}).items():
        form._errors[name] = form.error_class(error_list)
    return form


def _allows(user, review, action: str) -> bool:
    return review is not None and any(
        allowed.action == action for allowed in review_allowed_actions(actor=user, review=review)
    )


def _acting_org(user) -> Organization | None:
    """The organization ``user`` acts for, with its region's parents (pages show full names)."""
    org = org_acting_for(user)
    if org is not None:
        org.region = Region.objects.select_related("parent__parent").get(pk=org.region_id)
    return org


def _no_org(request, *, active_entry: str, title: str):
    """A friendly page for someone who has not certified an organization yet."""
    return render(request, "orgs/no_org.html", {"active_entry": active_entry, "page_title": title})


# --- 企业信息认证 ----------------------------------------------------------------------


def _certification_form_kwargs(org: Organization | None, user) -> dict:
    if org is None:
        return {}
    return {
        "region": org.region,
        "saved_id_masked": shown_id_number(org.legal_rep_id_number, user),
    }


def _certification_initial(org: Organization | None, user) -> dict:
    if org is None:
        return {"kind": "enterprise", "name": user.display_name}
    return {
        "kind": org.kind,
        "name": org.name,
        "uscc": org.uscc,
        "address": org.address,
        "legal_rep_name": org.legal_rep_name,
        "legal_rep_id_type": org.legal_rep_id_type,
    }


def _certification_post(request, org: Organization | None):
    """Handle one button of the form: a response when done, else the form to show again."""
    user = request.user
    action = request.POST.get("action", "save")
    form_kwargs = _certification_form_kwargs(org, user)
    if action == "pick_region":
        return _redisplay(forms.CertificationForm, request, **form_kwargs)
    if action == "send_code":
        try:
            sms_code_send(
                phone=user.phone, purpose=SmsPurpose.CERTIFY, ip_address=client_ip(request)
            )
        except DomainError as exc:
            return _redisplay(
                forms.CertificationForm, request, {"sms_code": [exc.message]}, **form_kwargs
            )
        messages.success(
            request,
            _("验证码已发送至%(phone)s，%(minutes)d分钟内有效")
            % {"phone": user.masked_phone, "minutes": settings.SMS_CODE_TTL_SECONDS // 60},
        )
        return _redisplay(forms.CertificationForm, request, **form_kwargs)
    if action == "withdraw":
        review = review_latest_for_subject(subject=org) if org else None
        if review is None:
            raise Http404
        try:
            review_transition(actor=user, review_id=review.pk, action=ReviewAction.WITHDRAW)
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已撤回认证申请，可修改后重新提交"))
        return redirect("orgs:certification")

    submit = action == "submit"
    form = forms.CertificationForm(
        request.POST, action="submit" if submit else "save", **form_kwargs
    )
    if not form.is_valid():
        return form
    data = form.cleaned_data
    # Left empty, the saved number stays (it is never put back into the page).
    id_number = data["legal_rep_id_number"] or (org.legal_rep_id_number if org else "")
    try:
        saved = services.org_save(
            actor=user,
            kind=data["kind"],
            name=data["name"],
            uscc=data["uscc"],
            region_code=form.region_code,
            address=data["address"],
            legal_rep_name=data["legal_rep_name"],
            legal_rep_id_type=data["legal_rep_id_type"],
            legal_rep_id_number=id_number,
        )
        if submit:
            services.org_submit(
                actor=user, org_id=saved.pk, sms_code=data["sms_code"], agreed=data["agreed"]
            )
    except DomainError as exc:
        _add_domain_error(form, exc)
        return form
    if submit:
        messages.success(request, _("认证信息已提交，服务中心将在1至2个工作日内完成审核"))
    else:
        messages.success(request, _("认证信息已保存，确认无误后请获取验证码并提交认证"))
    return redirect("orgs:certification")


def _decision_reason(org: Organization | None, review, events) -> str:
    """Why the certification was returned or rejected, for the top of the page."""
    if (
        org is None
        or review is None
        or org.status not in (CertStatus.RETURNED, CertStatus.REJECTED)
    ):
        return ""
    if review.last_reason:
        return review.last_reason
    decided = [e for e in events if e.action in (ReviewAction.RETURN, ReviewAction.REJECT)]
    return decided[-1].reason if decided else ""


# Staff get the page for someone without an organization; the services refuse them.
@login_required
@access(LOGIN_REQUIRED)
def certification(request):
    user = request.user
    org = _acting_org(user)
    editable = org is None or org.status in services.EDITABLE
    form = None
    if request.method == "POST":
        handled_withdraw = request.POST.get("action") == "withdraw"
        if not editable and not handled_withdraw:
            messages.error(request, _("认证信息已提交或已通过，不能直接修改"))
            return redirect("orgs:certification")
        outcome = _certification_post(request, org)
        if isinstance(outcome, HttpResponse):
            return outcome
        form = outcome
        org = _acting_org(user)  # a submit may have saved before its code was refused
    elif editable:
        form = forms.CertificationForm(
            initial=_certification_initial(org, user), **_certification_form_kwargs(org, user)
        )
    review = review_latest_for_subject(subject=org) if org else None
    events = list(review.events.all()) if review else []
    context = {
        "active_entry": "org",
        "org": org,
        "is_agent": org is not None and org.owner_id != user.pk,
        "status": org.status if org else CertStatus.DRAFT,
        "status_label": org.get_status_display() if org else CertStatus.DRAFT.label,
        "status_tone": _STATUS_TONES.get(org.status if org else CertStatus.DRAFT, "info"),
        "review": review,
        "events": events,
        "decision_reason": _decision_reason(org, review, events),
        "may_withdraw": org is not None
        and org.status == CertStatus.SUBMITTED
        and _allows(user, review, ReviewAction.WITHDRAW),
        "form": form,
        "shown_id": shown_id_number(org.legal_rep_id_number, user) if org else "",
        "region_name": org.region.full_name if org else "",
    }
    return render(request, "orgs/certification.html", context)


@login_required
@require_GET
@access(LOGIN_REQUIRED)
def regions(request):
    """The children of a region for the cascading selects: [{code, name}, ...]."""
    parent = (request.GET.get("parent") or "").strip()
    if parent and not (parent.isdigit() and len(parent) <= 6):
        rows = []
    else:
        rows = [
            {"code": code, "name": name}
            for code, name in region_children(parent_code=parent or None).values_list(
                "code", "name"
            )
        ]
    response = JsonResponse(rows, safe=False)
    patch_cache_control(response, private=True, max_age=3600)
    return response


# --- 指定经办人 --------------------------------------------------------------------------


@login_required
@access(LOGIN_REQUIRED)
def agent(request):
    user = request.user
    org = org_acting_for(user)
    if org is None:
        return _no_org(request, active_entry="org_agent", title=_("指定经办人"))
    if org.owner_id != user.pk:
        # An agent acts for the organization but does not choose who else does.
        raise PermissionDenied
    form = forms.AgentForm()
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            try:
                services.org_agent_remove(actor=user, org_id=org.pk)
            except NotFound as exc:
                raise Http404 from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已取消经办人，该账号不能再代表本机构办理业务"))
            return redirect("orgs:agent")
        form = forms.AgentForm(request.POST)
        if form.is_valid():
            try:
                services.org_agent_designate(actor=user, org_id=org.pk, **form.cleaned_data)
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(request, _("经办人已指定，对方登录后即可代表本机构办理业务"))
                return redirect("orgs:agent")
    current = org_agent(org)
    shown_agent = None
    if current is not None:
        shown_agent = {
            "name": current.person_name,
            "phone": shown_phone(current.user.phone, user),
            "id_type": current.get_id_type_display(),
            "id_number": shown_id_number(current.id_number, user),
            "since": current.created_at,
        }
    return render(
        request,
        "orgs/agent.html",
        {"active_entry": "org_agent", "org": org, "agent": shown_agent, "form": form},
    )


# --- 支付认证 ----------------------------------------------------------------------------


@login_required
@access(LOGIN_REQUIRED)
def bank(request):
    user = request.user
    org = org_acting_for(user)
    if org is None:
        return _no_org(request, active_entry="org_bank", title=_("支付认证"))
    account = BankAccount.objects.select_related("region__parent__parent").filter(org=org).first()
    form_kwargs = {
        "region": account.region if account else org.region,
        "has_saved_account": account is not None,
    }
    if request.method == "POST":
        if request.POST.get("action") == "pick_region":
            form = _redisplay(forms.BankAccountForm, request, **form_kwargs)
        else:
            form = forms.BankAccountForm(request.POST, **form_kwargs)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.bank_account_save(
                        actor=user,
                        org_id=org.pk,
                        account_name=data["account_name"],
                        bank_name=data["bank_name"],
                        branch_name=data["branch_name"],
                        region_code=form.region_code,
                        account_number=data["account_number"],
                    )
                except DomainError as exc:
                    _add_domain_error(form, exc)
                else:
                    messages.success(request, _("收款银行账户已保存"))
                    return redirect("orgs:bank")
    else:
        initial = {"account_name": org.name}
        if account is not None:
            initial.update(
                account_name=account.account_name,
                bank_name=account.bank_name,
                branch_name=account.branch_name,
            )
        form = forms.BankAccountForm(initial=initial, **form_kwargs)
    shown_account = None
    if account is not None:
        shown_account = {
            "account_name": account.account_name,
            "bank_name": account.bank_name,
            "branch_name": account.branch_name,
            "region": account.region.full_name,
            "account_number": shown_bank_account(account.account_number, user),
            "updated_at": account.updated_at,
        }
    return render(
        request,
        "orgs/bank.html",
        {"active_entry": "org_bank", "org": org, "account": shown_account, "form": form},
    )


# --- 信息变更 ----------------------------------------------------------------------------


def _change_initial(org: Organization) -> dict:
    return {
        "name": org.name,
        "address": org.address,
        "legal_rep_name": org.legal_rep_name,
        "legal_rep_id_type": org.legal_rep_id_type,
    }


def _change_withdraw(request, org: Organization):
    change_id = request.POST.get("change", "")
    change = org.changes.filter(pk=change_id).first() if change_id.isdigit() else None
    review = review_latest_for_subject(subject=change) if change else None
    if review is None:
        raise Http404
    try:
        review_transition(actor=request.user, review_id=review.pk, action=ReviewAction.WITHDRAW)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤回信息变更申请"))
    return redirect("orgs:changes")


def _history_rows(org: Organization) -> list[dict]:
    entries = list(org.history.all())
    codes = {
        value
        for entry in entries
        if entry.field == "region_code"
        for value in (entry.old_value, entry.new_value)
    }
    names = {region.code: region.full_name for region in Region.objects.filter(code__in=codes)}

    def shown(field: str, value: str) -> str:
        if field == "region_code":
            return names.get(value, value)
        if field == "legal_rep_id_type" and value in IdType.values:
            return str(IdType(value).label)
        return value  # ID numbers were masked when the history was written

    return [
        {
            "label": _HISTORY_LABELS.get(entry.field, entry.field),
            "old": shown(entry.field, entry.old_value),
            "new": shown(entry.field, entry.new_value),
            "at": entry.changed_at,
        }
        for entry in entries
    ]


@login_required
@access(LOGIN_REQUIRED)
def changes(request):
    user = request.user
    org = _acting_org(user)
    if org is None:
        return _no_org(request, active_entry="org_changes", title=_("信息变更"))
    certified = org.status == CertStatus.APPROVED
    form = None
    if certified:
        form_kwargs = {"region": org.region}
        if request.method == "POST":
            action = request.POST.get("action", "request")
            if action == "withdraw":
                return _change_withdraw(request, org)
            if action == "pick_region":
                form = _redisplay(forms.ChangeRequestForm, request, **form_kwargs)
            else:
                form = forms.ChangeRequestForm(request.POST, **form_kwargs)
                if form.is_valid():
                    data = form.cleaned_data
                    try:
                        services.org_change_request(
                            actor=user,
                            org_id=org.pk,
                            name=data["name"],
                            region_code=form.region_code,
                            address=data["address"],
                            legal_rep_name=data["legal_rep_name"],
                            legal_rep_id_type=data["legal_rep_id_type"],
                            legal_rep_id_number=data["legal_rep_id_number"],
                            reason=data["reason"],
                        )
                    except DomainError as exc:
                        _add_domain_error(form, exc)
                    else:
                        messages.success(
                            request, _("信息变更申请已提交，审核通过后新的信息才会生效")
                        )
                        return redirect("orgs:changes")
        else:
            form = forms.ChangeRequestForm(initial=_change_initial(org), **form_kwargs)
    elif request.method == "POST":
        messages.error(request, _("机构认证通过后才能申请信息变更"))
        return redirect("orgs:changes")

    rows = []
    for change in org.changes.select_related("region__parent__parent"):
        review = review_latest_for_subject(subject=change)
        rows.append(
            {
                "pk": change.pk,
                "created_at": change.created_at,
                "name": change.name,
                "region": change.region.full_name,
                "legal_rep_name": change.legal_rep_name,
                "reason": change.reason,
                "status": change.status,
                "status_label": change.get_status_display(),
                "review_reason": review.last_reason if review else "",
                "may_withdraw": _allows(user, review, ReviewAction.WITHDRAW),
            }
        )
    return render(
        request,
        "orgs/changes.html",
        {
            "active_entry": "org_changes",
            "org": org,
            "certified": certified,
            "form": form,
            "rows": rows,
            "history": _history_rows(org),
        },
    )
