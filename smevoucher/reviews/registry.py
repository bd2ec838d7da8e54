"""What each kind of reviewable thing does when its review moves.

A domain registers its kind once (in AppConfig.ready): its label, the default chain, and the
callbacks that update the subject in the same transaction as the review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from smevoucher.staff.choices import StaffRole


@dataclass(frozen=True)
class ChainStep:
    name: str
    role: str = StaffRole.REVIEWER
    working_days: int = 2


def _noop(**kwargs) -> None:
    return None


@dataclass(frozen=True)
class ReviewKind:
    key: str
    label: str
    default_chain: tuple[ChainStep, ...]
    # Each receives subject=, review=, actor=, reason= inside the review's transaction.
    on_submitted: Callable = _noop
    on_approved: Callable = _noop
    on_returned: Callable = _noop
    on_rejected: Callable = _noop
    on_withdrawn: Callable = _noop
    on_started: Callable = _noop  # a reviewer took it up (待审核)
    # Why ``action`` cannot be taken at the review's current step, or None (e.g. the paper
    # materials of a redemption must be received before that step is approved).
    step_guard: Callable = field(default=lambda *, subject, review, action: None)
    # Where staff see the subject's materials (a template included in the review page).
    materials_template: str = ""
    # extra context for that template: subject, viewer -> dict
    materials_context: Callable = field(default=lambda subject, viewer: {})


_kinds: dict[str, ReviewKind] = {}


def register_review_kind(kind: ReviewKind) -> None:
    _kinds[kind.key] = kind


def review_kind(key: str) -> ReviewKind:
    return _kinds[key]


def review_kinds() -> dict[str, ReviewKind]:
    return dict(_kinds)
