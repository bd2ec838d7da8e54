from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """A password holds at least a letter and a digit (the platform's password policy)."""

    def validate(self, password: str, user=None) -> None:
        has_letter = any(ch.isalpha() for ch in password)
        has_digit = any(ch.isdigit() for ch in password)
        if not (has_letter and has_digit):
            raise ValidationError(_("密码须同时包含字母和数字"), code="password_character_classes")

    def get_help_text(self) -> str:
        return _("密码须同时包含字母和数字")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with our own message (Django 5.2's Chinese catalog lacks this one)."""

    def get_error_message(self) -> str:
        return _("密码长度太短，至少需要%(min_length)d个字符") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要%(min_length)d个字符") % {"min_length": self.min_length}


class StaffPasswordComplexityValidator:
    """Staff passwords (等保 level 3): at least three of upper case, lower case, digits and
    symbols. Enterprise accounts keep the lighter rule above."""

    classes_required = 3

    def validate(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "is_staff", False):
            return
        if _character_classes(password) < self.classes_required:
            raise ValidationError(self.get_help_text(), code="password_staff_complexity")

    def get_help_text(self) -> str:
        return _("工作人员密码须包含大写字母、小写字母、数字、符号中的至少三种")


def _character_classes(password: str) -> int:
    return sum(
        (
            any(ch.isupper() for ch in password),
            any(ch.islower() for ch in password),
            any(ch.isdigit() for ch in password),
            any(not ch.isalnum() for ch in password),
        )
    )
