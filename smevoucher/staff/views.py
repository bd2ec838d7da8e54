"""Staff management pages (人员管理), for system admins only. Views parse and present;
the rules (who may manage whom, in which region) are in services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smevoucher.accounts.selectors import otp_device_of
from smevoucher.core.access import SYSADMIN, access, allow
from smevoucher.core.errors import DomainError, NotFound

from .forms import StaffActiveForm, StaffCreateForm, StaffFilterForm, StaffUpdateForm
from .permissions import is_sysadmin
from .selectors import (
    staff_admin_region,
    staff_assignable_regions,
    staff_get_for_admin,
    staff_list,
)
from .services import staff_create, staff_otp_reset, staff_set_active, staff_update

PAGE_SIZE = 20


def _require_admin(user):
    """The region the admin manages (None: the whole country); 403 for anyone else."""
    if not is_sysadmin(user):
        raise PermissionDenied
    try:
        return staff_admin_region(actor=user)
    except DomainError as exc:
        raise PermissionDenied from exc


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _staff_or_404(actor, user_id: int):
    try:
        return staff_get_for_admin(actor=actor, user_id=user_id)
    except NotFound as exc:
        raise Http404 from exc


@login_required
@access(allow(SYSADMIN))
def people(request):
    admin_region = _require_admin(request.user)
    regions = staff_assignable_regions(actor=request.user)
    form = StaffFilterForm(request.GET, regions=regions)
    page = Paginator(staff_list(actor=request.user, **form.filters()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "staff/people.html",
        {"form": form, "page": page, "admin_region": admin_region, "active_entry": "people"},
    )


@login_required
@access(allow(SYSADMIN))
def people_create(request):
    admin_region = _require_admin(request.user)
    form = StaffCreateForm(
        request.POST or None, regions=staff_assignable_regions(actor=request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = staff_create(
                actor=request.user,
                phone=data["phone"],
                display_name=data["display_name"],
                title=data["title"],
                region_code=data["region_code"],
                roles=data["roles"],
                password=data["password"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已创建工作人员账号：%(name)s") % {"name": user.display_name}
            )
            return redirect("staff:person", user_id=user.pk)
    return render(
        request,
        "staff/person_create.html",
        {"form": form, "admin_region": admin_region, "active_entry": "people"},
    )


def _update_form(actor, member, data=None) -> StaffUpdateForm:
    profile = member.staff_profile
    initial = {
        "region_code": profile.region_id,
        "roles": [grant.role for grant in member.staff_roles.all()],
        "title": profile.title,
    }
    return StaffUpdateForm(data, initial=initial, regions=staff_assignable_regions(actor=actor))


def _person_page(request, member, *, form, active_form, otp_form=None, status: int = 200):
    return render(
        request,
        "staff/person.html",
        {
            "member": member,
            "form": form,
            "active_form": active_form,
            "otp_form": otp_form or StaffActiveForm(prefix="otp"),
            "otp_bound": otp_device_of(member) is not None,
            "active_entry": "people",
        },
        status=status,
    )


@login_required
@access(allow(SYSADMIN), sample="staff_member")
def person(request, user_id: int):
    _require_admin(request.user)
    member = _staff_or_404(request.user, user_id)
    form = _update_form(request.user, member, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff_update(
                actor=request.user,
                user_id=member.pk,
                region_code=data["region_code"],
                roles=data["roles"],
                title=data["title"],
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("staff:person", user_id=member.pk)
    return _person_page(request, member, form=form, active_form=StaffActiveForm())


@login_required
@require_POST
@access(
    allow(SYSADMIN),
    sample="staff_member",
    method="POST",
    data={"active": "1", "reason": "矩阵测试"},
)
def person_set_active(request, user_id: int):
    _require_admin(request.user)
    member = _staff_or_404(request.user, user_id)
    form = StaffActiveForm(request.POST)
    active = request.POST.get("active") == "1"
    if form.is_valid():
        try:
            staff_set_active(
                actor=request.user,
                user_id=member.pk,
                active=active,
                reason=form.cleaned_data["reason"],
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            _form_error(form, exc)
        else:
            done = _("账号已启用") if active else _("账号已停用，其登录已全部退出")
            messages.success(request, done)
            return redirect("staff:person", user_id=member.pk)
    return _person_page(
        request, member, form=_update_form(request.user, member), active_form=form, status=400
    )


@login_required
@require_POST
@access(allow(SYSADMIN), sample="staff_member", method="POST", data={"otp-reason": "矩阵测试"})
def person_otp_reset(request, user_id: int):
    _require_admin(request.user)
    member = _staff_or_404(request.user, user_id)
    form = StaffActiveForm(request.POST, prefix="otp")
    if form.is_valid():
        try:
            staff_otp_reset(
                actor=request.user, user_id=member.pk, reason=form.cleaned_data["reason"]
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("动态口令已重置，该人员下次登录时须重新绑定"))
            return redirect("staff:person", user_id=member.pk)
    return _person_page(
        request,
        member,
        form=_update_form(request.user, member),
        active_form=StaffActiveForm(),
        otp_form=form,
        status=400,
    )
