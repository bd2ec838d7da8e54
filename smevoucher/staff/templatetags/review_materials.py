"""Filters for the materials templates included in the staff review page.

Personal values as the viewing staff member may see them:
``{{ org.legal_rep_id_number|shown_id_number:viewer }}`` is in full only for the roles whose
work needs it (staff.choices.FULL_VALUE_ROLES), masked for everyone else.
"""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist

from smevoucher.orgs import presenters

register = template.Library()


@register.filter
def shown_id_number(value, viewer) -> str:
    return presenters.shown_id_number(value or "", viewer)


@register.filter
def shown_bank_account(value, viewer) -> str:
    return presenters.shown_bank_account(value or "", viewer)


@register.filter
def shown_phone(value, viewer) -> str:
    return presenters.shown_phone(value or "", viewer)


@register.filter
def field_label(instance, name: str) -> str:
    """The verbose name of a model field (a "<x>_code" copy names its "<x>" field)."""
    meta = instance._meta
    for candidate in (name, name.removesuffix("_code")):
        try:
            field = meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        if getattr(field, "verbose_name", None) and field.verbose_name != candidate.replace(
            "_", " "
        ):
            return str(field.verbose_name)
    return name


@register.filter
def with_role(members, role: str) -> list:
    """The members (of an organization, say) holding ``role``."""
    return [member for member in members if getattr(member, "role", None) == role]
