"""服务机构后台 in the personal center: my provider records per program, the admission
application (申请入驻平台) and its resubmission, withdrawal. Views parse and call services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smevoucher.core.access import (
    ENTERPRISES,
    LOGIN_REQUIRED,
    MISSING,
    PROV_X,
    PROV_Y,
    REDIRECT,
    access,
    allow,
    own,
)
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.programs.models import Program, ProgramStatus
from smevoucher.programs.selectors import programs_for_region
from smevoucher.reviews.choices import ReviewStatus
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_transition
from smevoucher.uploads.services import upload_create

from . import services
from .choices import ProviderStatus
from .forms import ProviderApplicationForm
from .models import Provider
from .selectors import (
    admission_terms,
    program_categories,
    provider_get_for_org_member,
    provider_last_reason,
    provider_review_events,
    providers_of_org,
    scope_labels,
)

ACTIVE = "provider"
OPEN = (ProviderStatus.SUBMITTED, ProviderStatus.RETURNED)


@login_required
@access(LOGIN_REQUIRED)
def index(request):
    org = org_acting_for(request.user)
    providers = providers_of_org(org=org)
    labels = scope_labels(p.scope_code for p in providers)
    records = [
        {
            "provider": p,
            "scope_label": labels.get(p.scope_code, ""),
            "reason": provider_last_reason(p),
        }
        for p in providers
    ]
    applied = {p.program_id: p for p in providers}
    openings = []
    if org is not None and org.is_certified:
        for program in programs_for_region(region_code=org.region_code):
            provider = applied.get(program.pk)
            if provider is not None and provider.status not in (
                ProviderStatus.DRAFT,
                ProviderStatus.REJECTED,
            ):
                continue
            openings.append(
                {"program": program, "terms": admission_terms(program=program, org=org)}
            )
    return render(
        request,
        "providers/index.html",
        {"org": org, "records": records, "openings": openings, "active_entry": ACTIVE},
    )


def _save_files(request, form) -> tuple[list, object]:
    """Store the chosen files; the service checks they are this user's and of the purpose."""
    qualification_ids = [
        upload_create(actor=request.user, uploaded=f, purpose=services.QUALIFICATION_PURPOSE).pk
        for f in form.cleaned_data.get("qualifications") or []
    ]
    letter = form.cleaned_data.get("commitment_letter")
    letter_id = (
        upload_create(actor=request.user, uploaded=letter, purpose=services.COMMITMENT_PURPOSE).pk
        if letter
        else None
    )
    return qualification_ids, letter_id


@login_required
# An organization admitted already is sent to its application.
@access(
    allow(*ENTERPRISES, others=MISSING) | {PROV_X: REDIRECT, PROV_Y: REDIRECT}, sample="program"
)
def apply(request, program_id: int):
    org = org_acting_for(request.user)
    program = get_object_or_404(Program, pk=program_id, status=ProgramStatus.ACTIVE)
    if org is None or not org.region_code.startswith(program.region_code):
        raise Http404
    provider = Provider.objects.filter(program=program, org=org).first()
    returned = provider if provider and provider.status == ProviderStatus.RETURNED else None
    if provider is not None and provider.status not in (
        ProviderStatus.DRAFT,
        ProviderStatus.REJECTED,
        ProviderStatus.RETURNED,
    ):
        messages.info(request, _("贵机构已申请入驻本项目"))
        return redirect("providers:detail", provider_id=provider.pk)
    terms = admission_terms(program=program, org=org)
    categories = program_categories(program)
    initial = {}
    if provider is not None:
        initial = {
            "categories": provider.categories,
            "intro": provider.intro,
            "contact_phone": provider.contact_phone,
            "address": provider.address,
            "working_hours": provider.working_hours,
        }
    form = ProviderApplicationForm(
        request.POST or None, request.FILES or None, categories=categories, initial=initial
    )
    if request.method == "POST" and (terms.eligible or returned) and form.is_valid():
        data = form.cleaned_data
        try:
            qualification_ids, letter_id = _save_files(request, form)
            call = services.provider_resubmit if returned else services.provider_apply
            target = {"provider_id": returned.pk} if returned else {"program_id": program.pk}
            saved = call(
                actor=request.user,
                **target,
                categories=data["categories"],
                intro=data["intro"],
                contact_phone=data["contact_phone"],
                address=data["address"],
                working_hours=data["working_hours"],
                qualification_ids=qualification_ids,
                commitment_letter_id=letter_id,
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("入驻申请已提交，请等待审核"))
            return redirect("providers:detail", provider_id=saved.pk)
    return render(
        request,
        "providers/apply.html",
        {
            "program": program,
            "org": org,
            "terms": terms,
            "form": form,
            "returned": returned,
            "returned_reason": provider_last_reason(returned) if returned else "",
            "provider": provider,
            "active_entry": ACTIVE,
        },
        status=400 if form.errors else 200,
    )


def _provider_or_404(request, provider_id: int) -> Provider:
    try:
        return provider_get_for_org_member(actor=request.user, provider_id=provider_id)
    except NotFound as exc:
        raise Http404 from exc


@login_required
@access(own(PROV_X), sample="provider")
def detail(request, provider_id: int):
    provider = _provider_or_404(request, provider_id)
    review = review_latest_for_subject(subject=provider)
    may_withdraw = bool(
        review
        and provider.status in OPEN
        and review.status in (ReviewStatus.SUBMITTED, ReviewStatus.RETURNED)
        and review.applicant_id == request.user.pk
    )
    labels = scope_labels([provider.scope_code])
    return render(
        request,
        "providers/detail.html",
        {
            "provider": provider,
            "scope_label": labels.get(provider.scope_code, ""),
            "reason": provider_last_reason(provider),
            "events": provider_review_events(provider),
            "may_withdraw": may_withdraw,
            "may_resubmit": provider.status == ProviderStatus.RETURNED,
            "may_apply_again": provider.status in (ProviderStatus.DRAFT, ProviderStatus.REJECTED),
            "active_entry": ACTIVE,
        },
    )


@login_required
@require_POST
@access(own(PROV_X), sample="provider", method="POST")
def withdraw(request, provider_id: int):
    provider = _provider_or_404(request, provider_id)
    review = review_latest_for_subject(subject=provider)
    if review is None:
        raise Http404
    try:
        review_transition(actor=request.user, review_id=review.pk, action="withdraw")
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("入驻申请已撤回"))
    return redirect("providers:detail", provider_id=provider.pk)
