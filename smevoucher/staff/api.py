"""Staff management over JSON (人员管理), for system admins. Phones are always masked."""

# No postponed annotations: ninja reads the paginated view's hints in its own module.

import datetime as dt

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from smevoucher.api.schemas import ObjectId, Pagination
from smevoucher.core.access import SYSADMIN, access, allow

from .choices import StaffRole
from .selectors import staff_get_for_admin, staff_list
from .services import staff_create, staff_set_active, staff_update

router = Router(tags=["工作人员管理"])


class StaffOut(Schema):
    id: int
    phone: str = Field(..., max_length=11, description="脱敏手机号，如 138****4502")
    display_name: str = Field(..., max_length=100, description="姓名")
    title: str = Field(..., max_length=100, description="单位及职务")
    region_code: str = Field(..., max_length=6, description="所属辖区代码")
    region_name: str = Field(..., max_length=50, description="所属辖区名称")
    roles: list[StaffRole] = Field(..., description="角色")
    is_active: bool
    date_joined: dt.datetime

    @staticmethod
    def resolve_phone(user) -> str:
        # Never the full number, whoever asks: API answers end up in logs and devices.
        return user.masked_phone

    @staticmethod
    def resolve_title(user) -> str:
        return user.staff_profile.title

    @staticmethod
    def resolve_region_code(user) -> str:
        return user.staff_profile.region_id

    @staticmethod
    def resolve_region_name(user) -> str:
        return user.staff_profile.region.name

    @staticmethod
    def resolve_roles(user) -> list[str]:
        return sorted(grant.role for grant in user.staff_roles.all())


class StaffFilter(Schema):
    q: str = Field("", max_length=50, description="姓名关键字或完整手机号")
    region_code: str = Field("", max_length=6, description="所属辖区代码")
    role: StaffRole | None = Field(None, description="角色")
    is_active: bool | None = Field(None, description="是否启用")


class StaffCreateIn(Schema):
    phone: str = Field(..., min_length=1, max_length=20, examples=["13800004502"])
    display_name: str = Field(..., min_length=1, max_length=100, description="姓名")
    title: str = Field("", max_length=100, description="单位及职务")
    region_code: str = Field(..., min_length=2, max_length=6, description="所属辖区（省或市）")
    roles: list[StaffRole] = Field(..., description="角色，至少一个")
    password: str = Field(..., min_length=1, max_length=128, description="初始密码")


class StaffUpdateIn(Schema):
    region_code: str = Field(..., min_length=2, max_length=6, description="所属辖区（省或市）")
    roles: list[StaffRole] = Field(..., description="角色，至少一个")
    title: str = Field("", max_length=100, description="单位及职务")


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300, description="原因")


def _fresh(actor, user_id: int):
    return staff_get_for_admin(actor=actor, user_id=user_id)


@router.get("", response=list[StaffOut], summary="工作人员列表（本辖区及下辖地市）")
@paginate(Pagination, page_size=20)
@access(allow(SYSADMIN))
def staff_index(request, filters: Query[StaffFilter]):
    return staff_list(
        actor=request.auth,
        query=filters.q,
        region_code=filters.region_code,
        role=filters.role.value if filters.role else "",
        active=filters.is_active,
    )


@router.post("", response={201: StaffOut}, summary="新增工作人员")
@access(allow(SYSADMIN))
def staff_new(request, payload: StaffCreateIn):
    user = staff_create(
        actor=request.auth,
        phone=payload.phone,
        display_name=payload.display_name,
        title=payload.title,
        region_code=payload.region_code,
        roles=[role.value for role in payload.roles],
        password=payload.password,
    )
    return 201, _fresh(request.auth, user.pk)


@router.get("/{user_id}", response=StaffOut, summary="工作人员详情")
@access(allow(SYSADMIN), sample="staff_member")
def staff_detail(request, user_id: ObjectId):
    return _fresh(request.auth, user_id)


@router.patch("/{user_id}", response=StaffOut, summary="修改辖区、角色和职务")
@access(allow(SYSADMIN), sample="staff_member")
def staff_change(request, user_id: ObjectId, payload: StaffUpdateIn):
    staff_update(
        actor=request.auth,
        user_id=user_id,
        region_code=payload.region_code,
        roles=[role.value for role in payload.roles],
        title=payload.title,
    )
    return _fresh(request.auth, user_id)


@router.post("/{user_id}/deactivate", response=StaffOut, summary="停用（退出其全部登录、令牌失效）")
@access(allow(SYSADMIN), sample="staff_member")
def staff_deactivate(request, user_id: ObjectId, payload: ReasonIn):
    staff_set_active(actor=request.auth, user_id=user_id, active=False, reason=payload.reason)
    return _fresh(request.auth, user_id)


@router.post("/{user_id}/activate", response=StaffOut, summary="重新启用")
@access(allow(SYSADMIN), sample="staff_member")
def staff_activate(request, user_id: ObjectId, payload: ReasonIn):
    staff_set_active(actor=request.auth, user_id=user_id, active=True, reason=payload.reason)
    return _fresh(request.auth, user_id)
