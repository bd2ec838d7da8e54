"""Who may see an upload. Later domains register a rule for the purposes they own.

A rule answers for one purpose: ``rule(actor, upload) -> bool``. The owner may always see
their own upload; nobody else may unless a rule says so.
"""

from __future__ import annotations

from collections.abc import Callable

_rules: dict[str, Callable] = {}


def register_viewer_rule(purpose: str, rule: Callable) -> None:
    _rules[purpose] = rule


def may_view(actor, upload) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if upload.owner_id == actor.pk:
        return True
    rule = _rules.get(upload.purpose)
    return bool(rule and rule(actor, upload))
