"""Forms of the review workbench. They parse input; the workflow's rules live in services."""

from __future__ import annotations

from django import forms
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from smevoucher.staff.choices import StaffRole

from .choices import WAITING_FOR_STAFF, ReviewAction, ReviewStatus
from .models import Review
from .registry import review_kinds
from .selectors import review_queue

# The queue opens on what waits for staff; "" in the status select means every status.
WAITING = "waiting"


class ReviewQueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("审核事项"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    region = forms.ChoiceField(label=_("所属地区"), required=False)
    q = forms.CharField(
        label=_("申请机构"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("名称关键字")}),
    )
    overdue = forms.BooleanField(label=_("只看已超期"), required=False)

    def __init__(self, data=None, *, sub_regions=(), **kwargs):
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = WAITING
        super().__init__(data, **kwargs)
        self.fields["kind"].choices = [("", _("全部事项"))] + [
            (key, kind.label) for key, kind in sorted(review_kinds().items())
        ]
        self.fields["status"].choices = [
            ("", _("全部状态")),
            (WAITING, _("待办（待审核、审核中）")),
            *ReviewStatus.choices,
        ]
        self.fields["region"].choices = [("", _("全部地区"))] + [
            (region.code, region.name) for region in sub_regions
        ]

    def queue(self, *, actor) -> QuerySet[Review]:
        """The actor's queue narrowed by the filters; invalid filters narrow nothing."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status", "")
        reviews = review_queue(
            actor=actor,
            kind=data.get("kind", ""),
            status="" if status == WAITING else status,
            overdue=bool(data.get("overdue")),
        )
        if status == WAITING:
            reviews = reviews.filter(status__in=WAITING_FOR_STAFF)
        # Narrowing inside the actor's own queue: a code outside it simply matches nothing.
        if data.get("region"):
            reviews = reviews.filter(region_code__startswith=data["region"])
        if data.get("q"):
            reviews = reviews.filter(subject_label__icontains=data["q"].strip())
        # Nearest deadline first; finished reviews (no deadline) after the open ones.
        return reviews.order_by(F("deadline").asc(nulls_last=True), "submitted_at", "pk")


class ReviewActionForm(forms.Form):
    action = forms.ChoiceField(choices=ReviewAction.choices)
    reason = forms.CharField(
        label=_("审核意见"),
        required=False,
        strip=True,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("退回修改或驳回时必须填写原因，申请人可以看到")}
        ),
    )


class WorkdayOverrideForm(forms.Form):
    date = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请选择日期"), "invalid": _("请输入正确的日期")},
    )
    is_working_day = forms.TypedChoiceField(
        label=_("当天"),
        choices=[("0", _("休息（节假日）")), ("1", _("上班（调休工作日）"))],
        coerce=lambda value: value == "1",
        error_messages={"required": _("请选择当天是否上班")},
    )
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("如：国务院办公厅关于2027年部分节假日安排的通知")}
        ),
    )


class WorkdayOverrideRemoveForm(forms.Form):
    date = forms.DateField(widget=forms.HiddenInput)


class ReviewChainForm(forms.Form):
    """The steps of one kind's review chain: up to six rows, blank rows ignored."""

    ROWS = 6

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(self.ROWS):
            step = steps[i] if i < len(steps) else {}
            self.fields[f"name_{i}"] = forms.CharField(
                label=_("环节名称"), max_length=50, required=False, initial=step.get("name", "")
            )
            self.fields[f"role_{i}"] = forms.ChoiceField(
                label=_("办理角色"),
                choices=[("", "—"), *StaffRole.choices],
                required=False,
                initial=step.get("role", ""),
            )
            self.fields[f"days_{i}"] = forms.IntegerField(
                label=_("时限（工作日）"),
                min_value=1,
                max_value=30,
                required=False,
                initial=step.get("working_days"),
            )

    def rows(self):
        return [(self[f"name_{i}"], self[f"role_{i}"], self[f"days_{i}"]) for i in range(self.ROWS)]

    def steps(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "name": data[f"name_{i}"],
                "role": data[f"role_{i}"],
                "working_days": data[f"days_{i}"],
            }
            for i in range(self.ROWS)
            if data.get(f"name_{i}") or data.get(f"role_{i}") or data.get(f"days_{i}")
        ]
