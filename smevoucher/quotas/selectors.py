"""What an enterprise may apply for, and how much: computed from the rules in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from smevoucher.core.money import yuan
from smevoucher.orgs.choices import CertStatus, OrgKind
from smevoucher.orgs.models import Organization
from smevoucher.programs.models import Program, ProgramVersion
from smevoucher.programs.selectors import enterprise_classes
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.vouchers.models import EnterpriseUsage

from .choices import OPEN_APPLICATION
from .models import QuotaApplication


@dataclass(frozen=True)
class Quote:
    eligible: bool
    reason: str = ""
    code: str = ""
    amount_fen: int = 0
    # The most the enterprise may get now (the tier's amount, or the special cap left).
    limit_fen: int = 0
    quota_fen: int = 0  # the yearly quota of this voucher type (recalled value still counts)
    issued_fen: int = 0
    tier_key: str = ""
    tier_name: str = ""
    classes: list[str] = field(default_factory=list)
    batch_key: str = ""
    use_deadline: dt.date | None = None


def _refused(code: str, reason: str, **extra) -> Quote:
    return Quote(eligible=False, code=code, reason=reason, **extra)


def quota_quote(
    *,
    org: Organization | None,
    version: ProgramVersion,
    voucher_type: str,
    base_fen: int | None = None,
    requested_fen: int | None = None,
    today: dt.date | None = None,
) -> Quote:
    """Whether ``org`` may apply for ``voucher_type`` now, and the amount it would get."""
    today = today or timezone.localdate()
    program: Program = version.program
    rules = version.parsed
    rule = rules.voucher_type(voucher_type)
    if rule is None:
        return _refused("quota.type_unknown", _("该项目没有此类服务券"))
    if org is None or org.status != CertStatus.APPROVED:
        return _refused("quota.not_certified", _("请先完成企业信息认证，认证通过后再申请服务券"))
    if org.kind != OrgKind.ENTERPRISE:
        return _refused("quota.not_enterprise", _("服务券面向企业发放，服务机构不能申请"))
    if not org.region_code.startswith(program.region_code):
        return _refused("quota.out_of_region", _("贵企业不在本项目的实施地区"))
    if today > rule.valid_until:
        return _refused(
            "quota.closed", _("该券种的配额有效期已结束（%(until)s）") % {"until": rule.valid_until}
        )

    batch_key, use_deadline = "", None
    if rules.batches:
        batch = next((b for b in rules.batches if b.issue_from <= today <= b.issue_until), None)
        if batch is None:
            return _refused("quota.no_batch", _("当前不在服务券发放批次内，请留意平台通知"))
        batch_key = batch.key
        if batch.order_deadline_days:
            use_deadline = batch.issue_until + dt.timedelta(days=batch.order_deadline_days)

    usage = EnterpriseUsage.objects.filter(org=org, program=program, year=program.year).first()
    issued = int(usage.issued.get(voucher_type, 0)) if usage else 0
    common = {"issued_fen": issued, "batch_key": batch_key, "use_deadline": use_deadline}

    if rule.amount_mode == "tier":
        classes = sorted(enterprise_classes(program=program, uscc=org.uscc))
        tier = rules.tier_for_classes(set(classes))
        if tier is None:
            return _refused(
                "quota.not_listed",
                _("贵企业不在本项目的企业名单中，暂不能申领%(type)s；如有疑问请联系所在地服务中心")
                % {"type": rule.name},
                classes=classes,
                **common,
            )
        left = tier.amount_fen - issued
        if left <= 0:
            return _refused(
                "quota.used_up", _("本年度%(type)s额度已全部发放") % {"type": rule.name}, **common
            )
        return Quote(
            eligible=True,
            amount_fen=left,
            limit_fen=left,
            quota_fen=tier.amount_fen,
            tier_key=tier.key,
            tier_name=tier.name,
            classes=classes,
            **common,
        )

    if rule.amount_mode == "fixed":
        left = (rule.fixed_amount_fen or 0) - issued
        if left <= 0:
            return _refused(
                "quota.used_up", _("本年度%(type)s额度已全部发放") % {"type": rule.name}, **common
            )
        return Quote(
            eligible=True,
            amount_fen=left,
            limit_fen=left,
            quota_fen=rule.fixed_amount_fen or 0,
            **common,
        )

    # requested: a special voucher, capped by its formula and its yearly cap
    cap = rule.annual_cap_fen if rule.annual_cap_fen is not None else 0
    cap_left = max(cap - issued, 0)
    if base_fen is None or base_fen <= 0:
        return _refused(
            "quota.base_required",
            _("请填写%(base)s") % {"base": rule.base_label or _("计算基数")},
            limit_fen=cap_left,
            quota_fen=cap,
            **common,
        )
    formula = base_fen * (rule.ratio_bp or 0) // 10000
    limit = min(formula, cap_left)
    base = {"limit_fen": limit, "quota_fen": cap, **common}
    if requested_fen is None or requested_fen <= 0:
        return _refused("quota.amount_required", _("请填写申请额度"), **base)
    if requested_fen > formula:
        return _refused(
            "quota.over_formula",
            _("申请额度超过%(base)s的%(ratio)s%%，最多可申请%(max)s元")
            % {
                "base": rule.base_label,
                "ratio": f"{(rule.ratio_bp or 0) / 100:g}",
                "max": yuan(formula),
            },
            **base,
        )
    if requested_fen > cap_left:
        return _refused(
            "quota.over_annual_cap",
            _("超过每家企业每年最高%(cap)s元的额度（本年度已发放%(issued)s元）")
            % {"cap": yuan(cap), "issued": yuan(issued)},
            **base,
        )
    return Quote(eligible=True, amount_fen=requested_fen, **base)


def quota_open_application(
    *, org: Organization, program: Program, voucher_type: str
) -> QuotaApplication | None:
    return QuotaApplication.objects.filter(
        org=org, program=program, voucher_type=voucher_type, status__in=OPEN_APPLICATION
    ).first()


def quota_cards(
    *, org: Organization | None, program: Program, version: ProgramVersion
) -> list[dict]:
    """The 服务券配额 page: one card per voucher type, as the Guangxi manual shows it."""
    from smevoucher.vouchers.models import Voucher

    applications = {}
    vouchers: dict[str, list] = {}
    if org is not None:
        for application in QuotaApplication.objects.filter(org=org, program=program).order_by(
            "created_at"
        ):
            applications[application.voucher_type] = application  # the latest wins
        for voucher in Voucher.objects.filter(org=org, program=program).order_by("issued_at"):
            vouchers.setdefault(voucher.voucher_type, []).append(voucher)
    cards = []
    for rule in version.parsed.voucher_types:
        quote = quota_quote(org=org, version=version, voucher_type=rule.key)
        application = applications.get(rule.key)
        reason = ""
        if application is not None and application.status in ("returned", "rejected"):
            review = review_latest_for_subject(subject=application)
            reason = review.last_reason if review else ""
        cards.append(
            {
                "rule": rule,
                "application": application,
                "reason": reason,
                "vouchers": vouchers.get(rule.key, []),
                "quote": quote,
                # A special voucher's amount needs the form: "eligible to open it"; an open
                # application must be finished (or withdrawn) first.
                "may_apply": (quote.eligible or quote.code == "quota.base_required")
                and not (application is not None and application.status in OPEN_APPLICATION),
            }
        )
    return cards
