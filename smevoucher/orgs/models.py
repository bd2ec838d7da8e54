from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smevoucher.core.fields import EncryptedTextField
from smevoucher.regions.models import Region

from .choices import CertStatus, ChangeStatus, IdType, MemberRole, OrgKind


class Organization(models.Model):
    """An enterprise or provider certified on the platform (企业信息认证)."""

    kind = models.CharField(
        _("机构类型"), max_length=20, choices=OrgKind.choices, default=OrgKind.ENTERPRISE
    )
    name = models.CharField(_("机构名称"), max_length=100)
    # One USCC belongs to one organization on the platform.
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("注册地区"), on_delete=models.PROTECT, related_name="+"
    )
    # The region's code, copied for jurisdiction filters (a province "45", a city "4502"...).
    region_code = models.CharField(max_length=6, db_index=True)
    address = models.CharField(_("注册地址"), max_length=200, blank=True)
    legal_rep_name = models.CharField(_("法定代表人姓名"), max_length=50)
    legal_rep_id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices)
    legal_rep_id_number = EncryptedTextField(_("证件号码"))
    legal_rep_id_index = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        _("认证状态"), max_length=20, choices=CertStatus.choices, default=CertStatus.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认证账号"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    agreed_at = models.DateTimeField(_("同意协议时间"), null=True, blank=True)
    certified_at = models.DateTimeField(_("认证通过时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_certified(self) -> bool:
        return self.status == CertStatus.APPROVED


class OrgMember(models.Model):
    """A user who acts for an organization: the account that certified it, or its agent."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    # A person acts for one organization at a time.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="org_membership"
    )
    role = models.CharField(_("身份"), max_length=20, choices=MemberRole.choices)
    # The agent's identity (经办人), as the organization designated them.
    person_name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, blank=True)
    id_number = EncryptedTextField(_("证件号码"), blank=True)
    id_index = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("指定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("机构成员")
        verbose_name_plural = _("机构成员")

    def __str__(self) -> str:
        return f"{self.org_id}:{self.role}"


class BankAccount(models.Model):
    """The organization's account for receipts and refunds (支付认证)."""

    org = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="bank_account")
    account_name = models.CharField(_("银行开户名"), max_length=100)
    bank_name = models.CharField(_("开户银行"), max_length=100)
    branch_name = models.CharField(_("开户支行名称"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("开户所在地"), on_delete=models.PROTECT, related_name="+"
    )
    account_number = EncryptedTextField(_("银行账号"))
    account_index = models.CharField(max_length=64, db_index=True)
    account_last4 = models.CharField(max_length=4)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("银行账户")
        verbose_name_plural = _("银行账户")

    def __str__(self) -> str:
        return f"{self.bank_name} ****{self.account_last4}"


class OrgChange(models.Model):
    """A request to change a certified organization's key fields; applied on approval."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="changes")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    name = models.CharField(_("机构名称"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("注册地区"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("注册地址"), max_length=200, blank=True)
    legal_rep_name = models.CharField(_("法定代表人姓名"), max_length=50)
    legal_rep_id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices)
    legal_rep_id_number = EncryptedTextField(_("证件号码"))
    legal_rep_id_index = models.CharField(max_length=64)
    reason = models.CharField(_("变更原因"), max_length=300)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信息变更申请")
        verbose_name_plural = _("信息变更申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"change {self.pk} of {self.org_id}"


class OrgHistory(models.Model):
    """The value a key field had before an approved change (masked where personal)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="history")
    change = models.ForeignKey(
        OrgChange, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(_("字段"), max_length=50)
    old_value = models.CharField(_("原值"), max_length=200)
    new_value = models.CharField(_("新值"), max_length=200)
    changed_at = models.DateTimeField(_("变更时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信息变更记录")
        verbose_name_plural = _("信息变更记录")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.org_id}.{self.field}"
