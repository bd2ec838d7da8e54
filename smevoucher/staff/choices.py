from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    REVIEWER = "reviewer", _("审核员")
    APPROVER = "approver", _("审批人")
    FINANCE = "finance", _("财务")
    AUDITOR = "auditor", _("审计员")
    SYSADMIN = "sysadmin", _("系统管理员")


# Who may see a value in full rather than masked, by kind of personal data.
FULL_VALUE_ROLES = {
    "id_number": {StaffRole.REVIEWER, StaffRole.APPROVER},
    "bank_account": {StaffRole.FINANCE},
    "phone": {StaffRole.REVIEWER, StaffRole.APPROVER, StaffRole.FINANCE},
}
