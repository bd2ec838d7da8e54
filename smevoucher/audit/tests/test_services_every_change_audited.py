"""Every state-changing service writes exactly one audit record.

The services of every app are found by import, so a new public service function fails
``test_every_public_service_is_audited_or_exempt`` until it gets a case below (one call,
exactly one audit record) or a commented entry in EXEMPT.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import pkgutil
import re
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from pypdf import PdfWriter

import smevoucher
from smevoucher.accounts import services as accounts
from smevoucher.accounts.choices import SmsPurpose
from smevoucher.audit import services as audit
from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError
from smevoucher.notifications import services as notifications
from smevoucher.notifications.models import InboxMessage, SmsOutbox
from smevoucher.uploads import services as uploads

pytestmark = pytest.mark.django_db

PASSWORD = "Voucher2026"

# Public service functions that write no audit record of their own, and why.
EXEMPT: dict[str, str] = {
    # A pure helper: hashes a token key, changes nothing.
    "smevoucher.accounts.services.api_token_hash": "pure helper",
    # Only queue a delivery after the surrounding change commits; that change writes the
    # audit record (sms_code_send does, for the code SMS).
    "smevoucher.notifications.services.sms_send_after_commit": "queues only",
    "smevoucher.notifications.services.notify": "queues only",
    # A step of the services that ask for a code (register, password reset, phone change,
    # SMS login): the code row keeps its use (used_at) and failed attempts, and the calling
    # service writes the one record of the change, so a registration is one record, not two.
    "smevoucher.accounts.services.sms_code_consume": "recorded by its caller",
    # A step of the subject's own submit service (org_submit, org_change_request...), which
    # writes the one record of the submission.
    "smevoucher.reviews.services.review_submit": "recorded by its caller",
    # Steps of the login, logout, disabling and password-reset services, which write the one
    # record of the change (with the number of sessions ended).
    "smevoucher.accounts.services.session_track": "recorded by its caller",
    "smevoucher.accounts.services.session_rekey": "recorded by its caller",
    "smevoucher.accounts.services.sessions_end_all": "recorded by its caller",
    # A new secret that proves nothing until its first code confirms it (otp_device_confirm
    # records the binding); a check of the staff API login, whose login writes the record.
    "smevoucher.accounts.services.otp_device_start": "recorded when confirmed",
    "smevoucher.accounts.services.otp_check_for_token": "recorded by its caller",
}
# Refusals write nothing: a service that raises DomainError before its change records none.


def _service_modules() -> list:
    modules = []
    for app in pkgutil.iter_modules(smevoucher.__path__):
        name = f"smevoucher.{app.name}.services"
        if app.ispkg and importlib.util.find_spec(name) is not None:
            module = importlib.import_module(name)
            modules.append(module)
            if hasattr(module, "__path__"):  # a services package: its modules too
                modules += [
                    importlib.import_module(f"{name}.{sub.name}")
                    for sub in pkgutil.iter_modules(module.__path__)
                ]
    return modules


def _public_service_functions() -> set[str]:
    return {
        f"{module.__name__}.{name}"
        for module in _service_modules()
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and function.__module__ == module.__name__
    }


# Each case sets up what the service needs, and returns the one call to count and the
# action its record must have.
Case = Callable[[SimpleNamespace], tuple[Callable[[], object], str]]


def _session_request(given, user=None):
    request = given.rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.7")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.session.save()
    request.user = user or AnonymousUser()
    return request


def _logged_in(given):
    request = _session_request(given)
    user = authenticate(request, phone=given.user.phone, password=PASSWORD)
    accounts.session_login(request=request, user=user, method="password")
    return request


def _pdf_upload() -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile("营业执照.pdf", buffer.getvalue(), content_type="application/pdf")


def _sms_code_send(given):
    return lambda: accounts.sms_code_send(
        phone="13912345678", purpose=SmsPurpose.REGISTER, ip_address="10.1.2.3"
    ), "sms_code.sent"


def _user_register(given):
    code = given.send_code(phone="13912345678", purpose=SmsPurpose.REGISTER)
    return lambda: accounts.user_register(
        phone="13912345678", display_name="柳州市新企业有限公司", password=PASSWORD, sms_code=code
    ), "user.registered"


def _session_login(given):
    request = _session_request(given)
    user = authenticate(request, phone=given.user.phone, password=PASSWORD)
    return lambda: accounts.session_login(
        request=request, user=user, method="password"
    ), "user.logged_in"


def _session_logout(given):
    request = _logged_in(given)
    return lambda: accounts.session_logout(request=request), "user.logged_out"


def _totp_code(device) -> str:
    from smevoucher.accounts.selectors import otp_demo_code

    return otp_demo_code(device)


def _otp_device_confirm(given):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    request = _logged_in(given)
    device = TOTPDevice.objects.create(user=given.user, name="app", confirmed=False)
    return lambda: accounts.otp_device_confirm(
        request=request, code=_totp_code(device)
    ), "user.otp_enrolled"


def _otp_verify(given):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    request = _logged_in(given)
    device = TOTPDevice.objects.create(user=given.user, name="app", confirmed=True)
    return lambda: accounts.otp_verify(request=request, code=_totp_code(device)), (
        "user.otp_verified"
    )


def _session_expire(given):
    request = _logged_in(given)
    return lambda: accounts.session_expire(request=request, reason="idle"), "user.session_expired"


def _user_change_password(given):
    return lambda: accounts.user_change_password(
        actor=given.user, old_password=PASSWORD, new_password="Better2027"
    ), "user.password_changed"


def _user_reset_password(given):
    code = given.send_code(phone=given.user.phone, purpose=SmsPurpose.RESET_PASSWORD)
    return lambda: accounts.user_reset_password(
        phone=given.user.phone, sms_code=code, new_password="Better2027"
    ), "user.password_reset"


def _user_change_phone(given):
    code = given.send_code(phone="13912345678", purpose=SmsPurpose.CHANGE_PHONE)
    return lambda: accounts.user_change_phone(
        actor=given.user, password=PASSWORD, new_phone="13912345678", sms_code=code
    ), "user.phone_changed"


def _api_token_create(given):
    return lambda: accounts.api_token_create(actor=given.user, name="小程序"), "api_token.created"


def _api_token_login(given):
    request = given.rf.post("/api/v1/accounts/login", REMOTE_ADDR="10.0.0.7")
    return lambda: accounts.api_token_login(
        request=request, user=given.user, method="password", name="小程序"
    ), "user.logged_in"


def _user_create(given):
    return lambda: accounts.user_create(
        actor=None, phone="13912345678", display_name="服务中心", password=PASSWORD, is_staff=True
    ), "user.created"


def _api_token_revoke(given):
    token, _key = accounts.api_token_create(actor=given.user)
    return lambda: accounts.api_token_revoke(actor=given.user, token=token), "api_token.revoked"


def _audit_record(given):
    return lambda: audit.audit_record(
        actor=given.user, subject=given.user, action="user.noted"
    ), "user.noted"


def _inbox_mark_read(given):
    message = InboxMessage.objects.create(recipient=given.user, title="通知")
    return lambda: notifications.inbox_mark_read(
        actor=given.user, message_id=message.pk
    ), "inbox.read"


def _inbox_mark_all_read(given):
    for title in ("一", "二", "三"):
        InboxMessage.objects.create(recipient=given.user, title=title)
    return lambda: notifications.inbox_mark_all_read(actor=given.user), "inbox.all_read"


def _upload_create(given):
    return lambda: uploads.upload_create(
        actor=given.user, uploaded=_pdf_upload(), purpose="license"
    ), "upload.created"


def _org(given, *, submitted: bool = False, certified: bool = False):
    from conftest import VALID_ID, make_uscc
    from smevoucher.orgs import services as orgs

    org = orgs.org_save(
        actor=given.user,
        kind="enterprise",
        name="柳州市审计测试有限公司",
        uscc=make_uscc(7),
        region_code="450202",
        address="",
        legal_rep_name="张三",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
    )
    if submitted or certified:
        code = given.send_code(phone=given.user.phone, purpose=SmsPurpose.CERTIFY)
        orgs.org_submit(actor=given.user, org_id=org.pk, sms_code=code, agreed=True)
    if certified:
        from smevoucher.reviews.models import Review
        from smevoucher.reviews.services import review_transition

        review = Review.objects.get(object_id=str(org.pk), kind="org_certification")
        review_transition(actor=_reviewer(), review_id=review.pk, action="approve")
    org.refresh_from_db()
    return org


def _reviewer():
    from smevoucher.accounts.models import User
    from smevoucher.regions.models import Region
    from smevoucher.staff.models import StaffProfile, StaffRoleGrant

    user = User.objects.filter(phone="13800009999").first()
    if user is None:
        user = User.objects.create_user("13800009999", PASSWORD, is_staff=True)
        StaffProfile.objects.create(user=user, region=Region.objects.get(code="4502"))
        StaffRoleGrant.objects.create(user=user, role="reviewer")
    return user


def _org_save(given):
    from conftest import VALID_ID, make_uscc
    from smevoucher.orgs import services as orgs

    return lambda: orgs.org_save(
        actor=given.user,
        kind="enterprise",
        name="柳州市新建有限公司",
        uscc=make_uscc(8),
        region_code="450202",
        address="",
        legal_rep_name="李四",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
    ), "org.created"


def _org_submit(given):
    from smevoucher.orgs import services as orgs

    org = _org(given)
    code = given.send_code(phone=given.user.phone, purpose=SmsPurpose.CERTIFY)
    return lambda: orgs.org_submit(
        actor=given.user, org_id=org.pk, sms_code=code, agreed=True
    ), "org.submitted"


def _review_transition(given):
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    org = _org(given, submitted=True)
    review = Review.objects.get(object_id=str(org.pk))
    return lambda: review_transition(
        actor=_reviewer(), review_id=review.pk, action="start"
    ), "review.start"


def _org_agent_designate(given):
    from smevoucher.accounts.models import User
    from smevoucher.orgs import services as orgs

    org = _org(given)
    User.objects.create_user("13700001234", PASSWORD)
    return lambda: orgs.org_agent_designate(
        actor=given.user,
        org_id=org.pk,
        person_name="王五",
        id_type="resident_id",
        id_number="11010519491231002X",
        phone="13700001234",
    ), "org.agent_designated"


def _org_agent_remove(given):
    from smevoucher.accounts.models import User
    from smevoucher.orgs import services as orgs

    org = _org(given)
    User.objects.create_user("13700001234", PASSWORD)
    orgs.org_agent_designate(
        actor=given.user,
        org_id=org.pk,
        person_name="王五",
        id_type="resident_id",
        id_number="11010519491231002X",
        phone="13700001234",
    )
    return lambda: orgs.org_agent_remove(actor=given.user, org_id=org.pk), "org.agent_removed"


def _bank_account_save(given):
    from smevoucher.orgs import services as orgs

    org = _org(given)
    return lambda: orgs.bank_account_save(
        actor=given.user,
        org_id=org.pk,
        account_name=org.name,
        bank_name="中国工商银行",
        branch_name="柳州分行",
        region_code="4502",
        account_number="2105000119200012345",
    ), "org.bank_account_saved"


def _org_change_request(given):
    from smevoucher.orgs import services as orgs

    org = _org(given, certified=True)
    return lambda: orgs.org_change_request(
        actor=given.user,
        org_id=org.pk,
        name="柳州市审计测试集团有限公司",
        region_code="450202",
        address="",
        legal_rep_name="张三",
        legal_rep_id_type="resident_id",
        legal_rep_id_number="11010519491231002X",
        reason="更名",
    ), "org.change_requested"


def _sysadmin():
    from smevoucher.accounts.models import User
    from smevoucher.regions.models import Region
    from smevoucher.staff.models import StaffProfile, StaffRoleGrant

    user = User.objects.create_user("13800004500", PASSWORD, is_staff=True)
    StaffProfile.objects.create(user=user, region=Region.objects.get(code="45"))
    StaffRoleGrant.objects.create(user=user, role="sysadmin")
    return user


def _staff_create(given):
    from smevoucher.staff import services as staff

    return lambda: staff.staff_create(
        actor=_sysadmin(),
        phone="13800004503",
        display_name="桂林市服务中心审核员",
        title="桂林市服务中心",
        region_code="4503",
        roles=["reviewer"],
        password="Guilin2026ok",
    ), "staff.created"


def _staff_member(admin):
    from smevoucher.staff import services as staff

    return staff.staff_create(
        actor=admin,
        phone="13800004503",
        display_name="桂林市服务中心审核员",
        title="",
        region_code="4503",
        roles=["reviewer"],
        password="Guilin2026ok",
    )


def _staff_update(given):
    from smevoucher.staff import services as staff

    admin = _sysadmin()
    member = _staff_member(admin)
    return lambda: staff.staff_update(
        actor=admin, user_id=member.pk, region_code="45", roles=["approver"], title="自治区"
    ), "staff.updated"


def _staff_set_active(given):
    from smevoucher.staff import services as staff

    admin = _sysadmin()
    member = _staff_member(admin)
    return lambda: staff.staff_set_active(
        actor=admin, user_id=member.pk, active=False, reason="调离岗位"
    ), "staff.deactivated"


def _staff_otp_reset(given):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from smevoucher.staff import services as staff

    admin = _sysadmin()
    member = _staff_member(admin)
    TOTPDevice.objects.create(user=member, name="app", confirmed=True)
    return lambda: staff.staff_otp_reset(
        actor=admin, user_id=member.pk, reason="手机遗失"
    ), "staff.otp_reset"


def _workday_override_set(given):
    import datetime as dt

    from smevoucher.reviews import services as reviews

    return lambda: reviews.workday_override_set(
        actor=_sysadmin(), date=dt.date(2031, 10, 8), is_working_day=False, note="国庆调整"
    ), "workday_override.set"


def _workday_override_remove(given):
    import datetime as dt

    from smevoucher.reviews import services as reviews

    admin = _sysadmin()
    reviews.workday_override_set(
        actor=admin, date=dt.date(2031, 10, 8), is_working_day=False, note="国庆调整"
    )
    return lambda: reviews.workday_override_remove(
        actor=admin, date=dt.date(2031, 10, 8)
    ), "workday_override.removed"


CASES: dict[str, Case] = {
    "smevoucher.orgs.services.org_save": _org_save,
    "smevoucher.orgs.services.org_submit": _org_submit,
    "smevoucher.orgs.services.org_agent_designate": _org_agent_designate,
    "smevoucher.orgs.services.org_agent_remove": _org_agent_remove,
    "smevoucher.orgs.services.bank_account_save": _bank_account_save,
    "smevoucher.orgs.services.org_change_request": _org_change_request,
    "smevoucher.reviews.services.review_transition": _review_transition,
    "smevoucher.reviews.services.workday_override_set": _workday_override_set,
    "smevoucher.reviews.services.workday_override_remove": _workday_override_remove,
    "smevoucher.staff.services.staff_create": _staff_create,
    "smevoucher.staff.services.staff_update": _staff_update,
    "smevoucher.staff.services.staff_set_active": _staff_set_active,
    "smevoucher.staff.services.staff_otp_reset": _staff_otp_reset,
    "smevoucher.accounts.services.sms_code_send": _sms_code_send,
    "smevoucher.accounts.services.user_register": _user_register,
    "smevoucher.accounts.services.session_login": _session_login,
    "smevoucher.accounts.services.session_logout": _session_logout,
    "smevoucher.accounts.services.session_expire": _session_expire,
    "smevoucher.accounts.services.otp_device_confirm": _otp_device_confirm,
    "smevoucher.accounts.services.otp_verify": _otp_verify,
    "smevoucher.accounts.services.user_change_password": _user_change_password,
    "smevoucher.accounts.services.user_reset_password": _user_reset_password,
    "smevoucher.accounts.services.user_change_phone": _user_change_phone,
    "smevoucher.accounts.services.api_token_create": _api_token_create,
    "smevoucher.accounts.services.api_token_login": _api_token_login,
    "smevoucher.accounts.services.api_token_revoke": _api_token_revoke,
    "smevoucher.accounts.services.user_create": _user_create,
    "smevoucher.audit.services.audit_record": _audit_record,
    "smevoucher.notifications.services.inbox_mark_read": _inbox_mark_read,
    "smevoucher.notifications.services.inbox_mark_all_read": _inbox_mark_all_read,
    "smevoucher.uploads.services.upload_create": _upload_create,
}


# --- programs and the voucher ledger (issue 4) ---


def _program(code="audit-program"):
    from smevoucher.programs.models import Program
    from smevoucher.programs.services import program_create
    from smevoucher.vouchers.tests.conftest import rules_for_tests

    existing = Program.objects.filter(code=code).first()
    if existing:
        return existing
    return program_create(
        actor=None,
        code=code,
        name="审计测试项目",
        policy_title="",
        region_code="45",
        year=2026,
        rules=rules_for_tests(),
    )


def _voucher(given, *, held=0, used=0):
    from smevoucher.vouchers import services as ledger

    program = _program()
    org = _org(given, certified=True) if not hasattr(given, "org") else given.org
    given.org = org
    voucher = ledger.voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=org,
        voucher_type="general",
        amount_fen=100_000,
        quota_fen=300_000,
        idempotency_key=f"audit-issue-{org.pk}",
    )
    if held or used:
        ledger.voucher_hold(
            actor=None, voucher_id=voucher.pk, amount_fen=held + used, idempotency_key="audit-hold"
        )
    if used:
        ledger.voucher_capture(
            actor=None, voucher_id=voucher.pk, amount_fen=used, idempotency_key="audit-capture"
        )
    return voucher


def _program_create(given):
    from smevoucher.programs.services import program_create
    from smevoucher.vouchers.tests.conftest import rules_for_tests

    return lambda: program_create(
        actor=None,
        code="audit-new",
        name="新项目",
        policy_title="",
        region_code="45",
        year=2026,
        rules=rules_for_tests(),
    ), "program.created"


def _program_version_publish(given):
    from smevoucher.programs.services import program_version_publish
    from smevoucher.vouchers.tests.conftest import rules_for_tests

    program = _program()
    return lambda: program_version_publish(
        actor=None,
        program_id=program.pk,
        rules=rules_for_tests(budget_fen=13_000 * 1_000_000),
        note="追加预算",
    ), "program.version_published"


def _ledger(movement, make):
    def case(given):
        return make(given), f"ledger.{movement}"

    return case


def _fund(given):
    from smevoucher.vouchers.services import ledger_fund

    program = _program()
    return lambda: ledger_fund(
        actor=None, program_id=program.pk, amount_fen=100, idempotency_key="audit-fund"
    )


def _issue(given):
    from smevoucher.vouchers.services import voucher_issue

    program = _program()
    org = _org(given, certified=True)
    return lambda: voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=org,
        voucher_type="general",
        amount_fen=100_000,
        quota_fen=300_000,
        idempotency_key="audit-issue",
    )


def _hold(given):
    from smevoucher.vouchers.services import voucher_hold

    voucher = _voucher(given)
    return lambda: voucher_hold(
        actor=None, voucher_id=voucher.pk, amount_fen=100, idempotency_key="h"
    )


def _release(given):
    from smevoucher.vouchers.services import voucher_release

    voucher = _voucher(given, held=100)
    return lambda: voucher_release(
        actor=None, voucher_id=voucher.pk, amount_fen=100, idempotency_key="r"
    )


def _capture(given):
    from smevoucher.vouchers.services import voucher_capture

    voucher = _voucher(given, held=100)
    return lambda: voucher_capture(
        actor=None, voucher_id=voucher.pk, amount_fen=100, idempotency_key="c"
    )


def _refund(given):
    from smevoucher.vouchers.services import voucher_refund

    voucher = _voucher(given, used=100)
    return lambda: voucher_refund(
        actor=None, voucher_id=voucher.pk, amount_fen=100, idempotency_key="f"
    )


def _recall(given):
    from smevoucher.vouchers.services import voucher_recall

    voucher = _voucher(given)
    return lambda: voucher_recall(
        actor=None, voucher_id=voucher.pk, reason="到期", idempotency_key="rc"
    )


def _redeem(given):
    from smevoucher.vouchers.services import ledger_redeem

    voucher = _voucher(given, used=100)
    return lambda: ledger_redeem(
        actor=None, program_id=voucher.program_id, amount_fen=100, idempotency_key="p"
    )


CASES.update(
    {
        "smevoucher.programs.services.program_create": _program_create,
        "smevoucher.programs.services.program_version_publish": _program_version_publish,
        "smevoucher.vouchers.services.ledger_fund": _ledger("fund", _fund),
        "smevoucher.vouchers.services.voucher_issue": _ledger("issue", _issue),
        "smevoucher.vouchers.services.voucher_hold": _ledger("hold", _hold),
        "smevoucher.vouchers.services.voucher_release": _ledger("release", _release),
        "smevoucher.vouchers.services.voucher_capture": _ledger("capture", _capture),
        "smevoucher.vouchers.services.voucher_refund": _ledger("refund", _refund),
        "smevoucher.vouchers.services.voucher_recall": _ledger("recall", _recall),
        "smevoucher.vouchers.services.ledger_redeem": _ledger("redeem", _redeem),
    }
)


# --- classified-enterprise lists (issue 4, point 3) ---


def _list_reviewer():
    from smevoucher.accounts.models import User
    from smevoucher.regions.models import Region
    from smevoucher.staff.models import StaffProfile, StaffRoleGrant

    user = User.objects.create_user("13800004599", PASSWORD, is_staff=True)
    StaffProfile.objects.create(user=user, region=Region.objects.get(code="45"))
    StaffRoleGrant.objects.create(user=user, role="reviewer")
    return user


def _list_upload() -> SimpleUploadedFile:
    from conftest import make_uscc

    rows = ["统一社会信用代码,企业名称", f"{make_uscc(31)},广西审计测试有限公司"]
    return SimpleUploadedFile("名单.csv", "\r\n".join(rows).encode("utf-8-sig"))


def _classification_class(program) -> str:
    return program.versions.get().parsed.classifications[0].code


def _classification_import_start(given):
    from smevoucher.programs.services import classification_import_start

    program = _program()
    return lambda: classification_import_start(
        actor=_list_reviewer(),
        program_id=program.pk,
        uploaded=_list_upload(),
        class_code=_classification_class(program),
    ), "classification_import.started"


def _classification_import_run(given):
    from smevoucher.programs.services import classification_import_run, classification_import_start

    program = _program()
    job = classification_import_start(  # queued at commit: the test's transaction never commits
        actor=_list_reviewer(),
        program_id=program.pk,
        uploaded=_list_upload(),
        class_code=_classification_class(program),
    )
    return lambda: classification_import_run(import_id=job.pk), "classification_import.done"


def _classification_remove(given):
    from conftest import make_uscc
    from smevoucher.programs.models import EnterpriseClassification
    from smevoucher.programs.services import classification_remove

    program = _program()
    code = _classification_class(program)
    EnterpriseClassification.objects.create(program=program, uscc=make_uscc(31), class_code=code)
    return lambda: classification_remove(
        actor=_list_reviewer(),
        program_id=program.pk,
        uscc=make_uscc(31),
        class_code=code,
        reason="名单更新",
    ), "classification.removed"


CASES.update(
    {
        "smevoucher.programs.services.classification_import_start": _classification_import_start,
        "smevoucher.programs.services.classification_import_run": _classification_import_run,
        "smevoucher.programs.services.classification_remove": _classification_remove,
    }
)


# --- quota applications and hand-added list entries (issue 4) ---


def _classification_add(given):
    from smevoucher.programs.services import classification_add

    program = _program()
    org = _org(given)
    return lambda: classification_add(
        actor=None, program_id=program.pk, uscc=org.uscc, class_code="above_scale"
    ), "classification.added"


def _quota_apply(given):
    from smevoucher.programs.services import classification_add
    from smevoucher.quotas.services import quota_apply

    program = _program()
    org = _org(given, certified=True)
    classification_add(actor=None, program_id=program.pk, uscc=org.uscc, class_code="above_scale")
    return lambda: quota_apply(
        actor=given.user, program_id=program.pk, voucher_type="general"
    ), "quota.applied"


def _quota_resubmit(given):
    from smevoucher.programs.services import classification_add
    from smevoucher.quotas.services import quota_apply, quota_resubmit
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    program = _program()
    org = _org(given, certified=True)
    classification_add(actor=None, program_id=program.pk, uscc=org.uscc, class_code="above_scale")
    application = quota_apply(actor=given.user, program_id=program.pk, voucher_type="general")
    review = Review.objects.get(kind="quota_application", object_id=str(application.pk))
    review_transition(actor=_reviewer(), review_id=review.pk, action="return", reason="补充材料")
    return lambda: quota_resubmit(
        actor=given.user, application_id=application.pk
    ), "review.resubmit"


CASES.update(
    {
        "smevoucher.programs.services.classification_add": _classification_add,
        "smevoucher.quotas.services.quota_apply": _quota_apply,
        "smevoucher.quotas.services.quota_resubmit": _quota_resubmit,
    }
)


# --- review chains (issue 3) ---


def _review_chain_set(given):
    from smevoucher.accounts.models import User
    from smevoucher.reviews.services import review_chain_set

    admin = User.objects.create_user("13800008888", PASSWORD, is_staff=True, is_superuser=True)
    return lambda: review_chain_set(
        actor=admin,
        kind="org_certification",
        steps=[{"name": "初审", "role": "reviewer", "working_days": 2}],
    ), "review_chain.set"


CASES.update({"smevoucher.reviews.services.review_chain_set": _review_chain_set})


# --- providers and their directory (issue 5) ---


def _provider_documents(user) -> dict:
    qualification = uploads.upload_create(
        actor=user, uploaded=_pdf_upload(), purpose="provider_qualification"
    )
    letter = uploads.upload_create(
        actor=user, uploaded=_pdf_upload(), purpose="provider_commitment"
    )
    return {"qualification_ids": [qualification.pk], "commitment_letter_id": letter.pk}


def _provider_fields() -> dict:
    return {
        "categories": ["企业诊断"],
        "intro": "中小企业诊断服务。",
        "contact_phone": "0772-2861234",
        "address": "柳州市城中区",
        "working_hours": "",
    }


def _provider_applied(given):
    from smevoucher.providers.services import provider_apply

    program = _program()
    _org(given, certified=True)
    return provider_apply(
        actor=given.user,
        program_id=program.pk,
        **_provider_documents(given.user),
        **_provider_fields(),
    )


def _provider_review(provider):
    from smevoucher.reviews.models import Review

    return Review.objects.get(kind="provider_admission", object_id=str(provider.pk))


def _provider_apply(given):
    from smevoucher.providers.services import provider_apply

    program = _program()
    _org(given, certified=True)
    files = _provider_documents(given.user)
    return lambda: provider_apply(
        actor=given.user, program_id=program.pk, **files, **_provider_fields()
    ), "provider.applied"


def _provider_resubmit(given):
    from smevoucher.providers.services import provider_resubmit
    from smevoucher.reviews.services import review_transition

    provider = _provider_applied(given)
    review_transition(
        actor=_list_reviewer(),
        review_id=_provider_review(provider).pk,
        action="return",
        reason="补充材料",
    )
    return lambda: provider_resubmit(
        actor=given.user, provider_id=provider.pk, **_provider_fields()
    ), "review.resubmit"


def _admitted_provider(given):
    from smevoucher.reviews.services import review_transition

    provider = _provider_applied(given)
    reviewer = _list_reviewer()
    review_transition(actor=reviewer, review_id=_provider_review(provider).pk, action="approve")
    return provider, reviewer


def _provider_suspend(given):
    from smevoucher.providers.services import provider_suspend

    provider, reviewer = _admitted_provider(given)
    return lambda: provider_suspend(
        actor=reviewer, provider_id=provider.pk, reason="投诉核查"
    ), "provider.suspended"


def _provider_reinstate(given):
    from smevoucher.providers.services import provider_reinstate, provider_suspend

    provider, reviewer = _admitted_provider(given)
    provider_suspend(actor=reviewer, provider_id=provider.pk, reason="投诉核查")
    return lambda: provider_reinstate(
        actor=reviewer, provider_id=provider.pk, reason="已整改"
    ), "provider.reinstated"


def _directory_upload() -> SimpleUploadedFile:
    from conftest import make_uscc

    rows = ["机构全称,统一社会信用代码,级别,所在城市", f"广西审计测试平台,{make_uscc(41)},省级,"]
    return SimpleUploadedFile("名录.csv", "\r\n".join(rows).encode("utf-8-sig"))


def _directory_import_start(given):
    from smevoucher.providers.services import directory_import_start

    program = _program()
    return lambda: directory_import_start(
        actor=_list_reviewer(), program_id=program.pk, uploaded=_directory_upload()
    ), "directory_import.started"


def _directory_import_run(given):
    from smevoucher.providers.services import directory_import_run, directory_import_start

    program = _program()
    job = directory_import_start(  # queued at commit: the test's transaction never commits
        actor=_list_reviewer(), program_id=program.pk, uploaded=_directory_upload()
    )
    return lambda: directory_import_run(import_id=job.pk), "directory_import.done"


def _directory_entry_remove(given):
    from conftest import make_uscc
    from smevoucher.providers.models import DirectoryEntry
    from smevoucher.providers.services import directory_entry_remove

    program = _program()
    entry = DirectoryEntry.objects.create(
        program=program, name="广西审计测试平台", uscc=make_uscc(41), level="provincial"
    )
    return lambda: directory_entry_remove(
        actor=_list_reviewer(), entry_id=entry.pk, reason="认定资格已过期"
    ), "directory_entry.removed"


CASES.update(
    {
        "smevoucher.providers.services.provider_apply": _provider_apply,
        "smevoucher.providers.services.provider_resubmit": _provider_resubmit,
        "smevoucher.providers.services.provider_suspend": _provider_suspend,
        "smevoucher.providers.services.provider_reinstate": _provider_reinstate,
        "smevoucher.providers.services.directory_import_start": _directory_import_start,
        "smevoucher.providers.services.directory_import_run": _directory_import_run,
        "smevoucher.providers.services.directory_entry_remove": _directory_entry_remove,
    }
)


# --- service products (issue 5, points 3-6) ---


def _catalog_product(given, *, status: str = "draft"):
    from smevoucher.catalog.models import Product
    from smevoucher.catalog.services import ProductInput, product_create
    from smevoucher.providers.models import Provider

    program = _program()
    org = _org(given, certified=True)
    Provider.objects.get_or_create(
        program=program,
        org=org,
        defaults={
            "status": "approved",
            "level": "provincial",
            "scope_code": "45",
            "created_by": given.user,
        },
    )
    product = product_create(
        actor=given.user,
        program_id=program.pk,
        data=ProductInput(
            name="专利分级评价",
            category="数字化转型",
            voucher_types=["general"],
            guide_price_fen=8000,
            platform_price_fen=7600,
        ),
    )
    if status != "draft":
        Product.objects.filter(pk=product.pk).update(status=status)
    return product


def _catalog_input():
    from smevoucher.catalog.services import ProductInput

    return ProductInput(
        name="专利分级评价（标准版）",
        category="数字化转型",
        voucher_types=["general"],
        guide_price_fen=8000,
        platform_price_fen=7000,
    )


def _product_create(given):
    from smevoucher.catalog.services import product_create

    _catalog_product(given).delete()
    return lambda: product_create(
        actor=given.user, program_id=_program().pk, data=_catalog_input()
    ), "product.created"


def _product_update(given):
    from smevoucher.catalog.services import product_update

    product = _catalog_product(given)
    return lambda: product_update(
        actor=given.user, product_id=product.pk, data=_catalog_input()
    ), "product.updated"


def _product_transition(given):
    from smevoucher.catalog.services import product_transition

    product = _catalog_product(given, status="ready")
    return lambda: product_transition(
        actor=given.user, product_id=product.pk, action="publish"
    ), "product.published"


def _product_delete(given):
    from smevoucher.catalog.services import product_delete

    product = _catalog_product(given)
    return lambda: product_delete(actor=given.user, product_id=product.pk), "product.deleted"


def _favourite_set(given):
    from smevoucher.catalog.services import favourite_set

    product = _catalog_product(given, status="on_sale")
    return lambda: favourite_set(
        actor=given.user, product_id=product.pk, on=True
    ), "favourite.added"


CASES.update(
    {
        "smevoucher.catalog.services.product_create": _product_create,
        "smevoucher.catalog.services.product_update": _product_update,
        "smevoucher.catalog.services.product_transition": _product_transition,
        "smevoucher.catalog.services.product_delete": _product_delete,
        "smevoucher.catalog.services.favourite_set": _favourite_set,
    }
)
EXEMPT.update(
    {
        # Called by the review of a product or of a revision, inside its transaction: the
        # review's own record is the one record of the decision.
        "smevoucher.catalog.services.product_review_moved": "recorded by its caller",
        "smevoucher.catalog.services.product_revision_review_moved": "recorded by its caller",
        # A page-visit counter (访问次数), not a change of anything's state.
        "smevoucher.catalog.services.product_record_visit": "a counter",
    }
)


# --- orders, contracts, e-seals, payments, service, evaluation (issue 6) ---


def _order_world(given):
    """The given user's certified enterprise with a voucher, a provider organization with a
    product on sale, both e-seals made; returns (order placed, provider user)."""
    from conftest import VALID_ID, make_uscc
    from smevoucher.accounts.models import User
    from smevoucher.catalog.models import Product
    from smevoucher.catalog.services import ProductInput, product_create
    from smevoucher.orders import services as orders
    from smevoucher.orgs.models import Organization, OrgMember
    from smevoucher.providers.models import Provider
    from smevoucher.regions.models import Region

    given.settings.SMS_RESEND_SECONDS = 0
    voucher = _voucher(given)
    provider_user = User.objects.create_user("13700005678", PASSWORD)
    provider_org = Organization.objects.create(
        kind="provider",
        name="广西审计测试服务有限公司",
        uscc=make_uscc(9),
        region=Region.objects.get(code="450103"),
        region_code="450103",
        legal_rep_name="赵六",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
        legal_rep_id_index="x",
        status="approved",
        owner=provider_user,
    )
    OrgMember.objects.create(org=provider_org, user=provider_user, role="owner")
    provider = Provider.objects.create(
        program=voucher.program,
        org=provider_org,
        status="approved",
        level="provincial",
        scope_code="45",
        created_by=provider_user,
    )
    product = product_create(
        actor=provider_user,
        program_id=voucher.program_id,
        data=ProductInput(
            name="质量管理体系咨询",
            category="数字化转型",
            voucher_types=["general"],
            guide_price_fen=1_200_000,
            platform_price_fen=1_000_000,
        ),
    )
    Product.objects.filter(pk=product.pk).update(status="on_sale")
    assert provider.pk
    order = orders.order_place(
        actor=given.user,
        product_id=product.pk,
        voucher_id=voucher.pk,
        deduction_fen=50_000,
        idempotency_key="audit-order",
    )
    return order, provider_user


def _order_at(given, status: str, **kwargs):
    from smevoucher.orders.demo import advance

    order, provider_user = _order_world(given)
    advance(
        order,
        to=status,
        enterprise_user=given.user,
        provider_user=provider_user,
        send_code=lambda phone, purpose: given.send_code(phone=phone, purpose=purpose),
        reviewer=_reviewer(),
    )
    order.refresh_from_db()
    return order, provider_user


def _order_place(given):
    from smevoucher.orders import services as orders

    order, _provider = _order_world(given)
    voucher_id = order.voucher_id
    return lambda: orders.order_place(
        actor=given.user,
        product_id=order.product_id,
        voucher_id=voucher_id,
        deduction_fen=1000,
        idempotency_key="audit-order-2",
    ), "order.placed"


def _order_act(given):
    from smevoucher.orders import services as orders

    order, provider_user = _order_world(given)
    return lambda: orders.order_act(
        actor=provider_user, order_id=order.pk, action="accept"
    ), "order.accept"


def _drafting(given):
    order, provider_user = _order_at(given, "awaiting_contract")
    return order, provider_user


def _contract_draft(given):
    from smevoucher.orders import services as orders

    order, provider_user = _drafting(given)
    return lambda: orders.contract_draft(
        actor=provider_user, order_id=order.pk, amount_fen=order.amount_fen, deposit_fen=0
    ), "contract.drafted"


def _drafted(given):
    from smevoucher.orders import services as orders

    order, provider_user = _drafting(given)
    orders.contract_draft(
        actor=provider_user, order_id=order.pk, amount_fen=order.amount_fen, deposit_fen=100_000
    )
    return order, provider_user


def _contract_return(given):
    from smevoucher.orders import services as orders

    order, _provider = _drafted(given)
    return lambda: orders.contract_return(
        actor=given.user, order_id=order.pk, reason="请补充验收标准"
    ), "contract.returned"


def _contract_agree(given):
    from smevoucher.orders import services as orders

    order, _provider = _drafted(given)
    return lambda: orders.contract_agree(actor=given.user, order_id=order.pk), "contract.agreed"


def _agreed(given):
    from smevoucher.orders import services as orders
    from smevoucher.orders.demo import ensure_seal

    order, provider_user = _drafted(given)
    orders.contract_agree(actor=given.user, order_id=order.pk)
    ensure_seal(
        user=provider_user,
        send_code=lambda phone, purpose: given.send_code(phone=phone, purpose=purpose),
    )
    return order, provider_user


def _contract_sign_start(given):
    from smevoucher.orders import services as orders

    order, provider_user = _agreed(given)
    return lambda: orders.contract_sign_start(
        actor=provider_user, order_id=order.pk, ip_address="10.1.2.3"
    ), "sms_code.sent"


def _contract_sign(given):
    from smevoucher.orders import services as orders

    order, provider_user = _agreed(given)
    code = given.send_code(phone=provider_user.phone, purpose=SmsPurpose.SIGN)
    return lambda: orders.contract_sign(
        actor=provider_user, order_id=order.pk, response=code
    ), "contract.signed"


def _order_apply_voucher(given):
    from smevoucher.orders import services as orders
    from smevoucher.orders.models import Order

    order, _provider = _order_at(given, "awaiting_payment")
    # the same order, as a program with Liuzhou's per-order voucher review would have it
    Order.objects.filter(pk=order.pk).update(
        status="awaiting_contract", voucher_mode="per_order_review"
    )
    return lambda: orders.order_apply_voucher(
        actor=given.user, order_id=order.pk
    ), "order.apply_voucher"


def _remittance(given):
    from smevoucher.orders import services as orders
    from smevoucher.orders.demo import proof_image

    order, provider_user = _order_at(given, "awaiting_payment")
    remittance = orders.remittance_submit(
        actor=given.user,
        order_id=order.pk,
        amount_fen=order.deposit_fen,
        remitted_on=order.created_at.date(),
        proof=proof_image(),
    )
    return remittance, provider_user


def _remittance_submit(given):
    from smevoucher.orders import services as orders
    from smevoucher.orders.demo import proof_image

    order, _provider = _order_at(given, "awaiting_payment")
    return lambda: orders.remittance_submit(
        actor=given.user,
        order_id=order.pk,
        amount_fen=order.deposit_fen,
        remitted_on=order.created_at.date(),
        proof=proof_image(),
    ), "remittance.submitted"


def _remittance_confirm(given):
    from smevoucher.orders import services as orders

    remittance, provider_user = _remittance(given)
    return lambda: orders.remittance_confirm(
        actor=provider_user, remittance_id=remittance.pk
    ), "remittance.confirmed"


def _remittance_reject(given):
    from smevoucher.orders import services as orders

    remittance, provider_user = _remittance(given)
    return lambda: orders.remittance_reject(
        actor=provider_user, remittance_id=remittance.pk, reason="未收到"
    ), "remittance.rejected"


def _service_progress(given):
    from smevoucher.orders import services as orders

    order, provider_user = _order_at(given, "in_service")
    return lambda: orders.service_progress(
        actor=provider_user, order_id=order.pk, content="已完成调研"
    ), "order.progress_recorded"


def _service_finish(given):
    from smevoucher.orders import services as orders

    order, provider_user = _order_at(given, "in_service")
    return lambda: orders.service_finish(
        actor=provider_user, order_id=order.pk, content="已交付报告"
    ), "order.finish"


def _order_evaluate(given):
    from smevoucher.orders import services as orders

    order, _provider = _order_at(given, "awaiting_evaluation")
    return lambda: orders.order_evaluate(
        actor=given.user, order_id=order.pk, stars=4, content="满意"
    ), "order.evaluate"


def _refund_request(given):
    from smevoucher.orders import services as orders

    order, provider_user = _order_at(given, "awaiting_service")
    return lambda: orders.refund_request(
        actor=provider_user, order_id=order.pk, reason="企业终止合作"
    ), "refund.requested"


def _seal_start_verification(given):
    from smevoucher.esign import services as esign

    _org(given, certified=True)
    given.settings.SMS_RESEND_SECONDS = 0
    return lambda: esign.seal_start_verification(
        actor=given.user, ip_address="10.1.2.3"
    ), "sms_code.sent"


def _seal_create(given):
    from smevoucher.esign import services as esign

    _org(given, certified=True)
    given.settings.SMS_RESEND_SECONDS = 0
    code = given.send_code(phone=given.user.phone, purpose=SmsPurpose.SEAL)
    return lambda: esign.seal_create(actor=given.user, response=code), "esign.seal_created"


CASES.update(
    {
        "smevoucher.orders.services.order_place": _order_place,
        "smevoucher.orders.services.order_act": _order_act,
        "smevoucher.orders.services.contract_draft": _contract_draft,
        "smevoucher.orders.services.contract_return": _contract_return,
        "smevoucher.orders.services.contract_agree": _contract_agree,
        "smevoucher.orders.services.contract_sign_start": _contract_sign_start,
        "smevoucher.orders.services.contract_sign": _contract_sign,
        "smevoucher.orders.services.order_apply_voucher": _order_apply_voucher,
        "smevoucher.orders.services.remittance_submit": _remittance_submit,
        "smevoucher.orders.services.remittance_confirm": _remittance_confirm,
        "smevoucher.orders.services.remittance_reject": _remittance_reject,
        "smevoucher.orders.services.service_progress": _service_progress,
        "smevoucher.orders.services.service_finish": _service_finish,
        "smevoucher.orders.services.order_evaluate": _order_evaluate,
        "smevoucher.orders.services.refund_request": _refund_request,
        "smevoucher.esign.services.seal_start_verification": _seal_start_verification,
        "smevoucher.esign.services.seal_create": _seal_create,
    }
)
EXEMPT.update(
    {
        # Called by the review of the order's voucher or of a refund, inside its
        # transaction: the review's record is the one record of the decision.
        "smevoucher.orders.services.on_voucher_decided": "recorded by its caller",
        "smevoucher.orders.services.on_refund_decided": "recorded by its caller",
        # Locks the rows an order's deduction is computed from (creating empty counters on
        # first use); the order's own record follows in the same transaction.
        "smevoucher.vouchers.services.deduction_rows_locked": "locks only",
    }
)


# --- redemption (issue 7) ---


def _disallow(given):
    from smevoucher.vouchers.services import ledger_disallow

    order, _provider = _order_at(given, "awaiting_service")
    return lambda: ledger_disallow(
        actor=None,
        program_id=order.program_id,
        amount_fen=100,
        idempotency_key="audit-disallow",
        provider_id=order.provider_id,
        city_code=order.city_code,
    )


def _claim_input(given, order, provider_user):
    import datetime as dt

    from smevoucher.settlements.services import LineInput

    invoice = uploads.upload_create(
        actor=provider_user, uploaded=_claim_pdf("发票.pdf"), purpose="claim_invoice"
    )
    return [
        LineInput(
            order_id=order.pk,
            invoice_number="04450001",
            invoice_amount_fen=order.captured_fen,
            invoice_date=dt.date.today(),
            invoice_upload_id=str(invoice.pk),
        )
    ]


def _claim_pdf(name: str):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _claim(given, *, stamped=True, submitted=False):
    from smevoucher.settlements import services as settlements

    order, provider_user = _order_at(given, "evaluated")
    claim = settlements.claim_create(
        actor=provider_user,
        program_id=order.program_id,
        lines=_claim_input(given, order, provider_user),
    )
    if stamped:
        form = uploads.upload_create(
            actor=provider_user, uploaded=_claim_pdf("申请表.pdf"), purpose="claim_material"
        )
        settlements.claim_update(
            actor=provider_user, claim_id=claim.pk, stamped_form_id=str(form.pk)
        )
    if submitted:
        settlements.claim_submit(actor=provider_user, claim_id=claim.pk)
    return claim, provider_user


def _claim_create(given):
    from smevoucher.settlements import services as settlements

    order, provider_user = _order_at(given, "evaluated")
    lines = _claim_input(given, order, provider_user)
    return lambda: settlements.claim_create(
        actor=provider_user, program_id=order.program_id, lines=lines
    ), "claim.created"


def _claim_update(given):
    from smevoucher.settlements import services as settlements

    claim, provider_user = _claim(given, stamped=False)
    form = uploads.upload_create(
        actor=provider_user, uploaded=_claim_pdf("申请表.pdf"), purpose="claim_material"
    )
    return lambda: settlements.claim_update(
        actor=provider_user, claim_id=claim.pk, stamped_form_id=str(form.pk)
    ), "claim.updated"


def _claim_submit(given):
    from smevoucher.settlements import services as settlements

    claim, provider_user = _claim(given)
    return lambda: settlements.claim_submit(
        actor=provider_user, claim_id=claim.pk
    ), "claim.submitted"


def _claim_line_cut(given):
    from smevoucher.settlements import services as settlements

    claim, _provider = _claim(given, submitted=True)
    line = claim.lines.get()
    return lambda: settlements.claim_line_cut(
        actor=_staff_with("reviewer"),
        line_id=line.pk,
        approved_fen=line.claimed_fen - 100,
        reason="核减",
    ), "claim.line_cut"


def _claim_paper_received(given):
    from smevoucher.settlements import services as settlements

    claim, _provider = _claim(given, submitted=True)
    return lambda: settlements.claim_paper_received(
        actor=_staff_with("reviewer"), claim_id=claim.pk
    ), "claim.paper_received"


def _approved_claim(given):
    from smevoucher.settlements.models import Claim

    claim, provider_user = _claim(given, submitted=True)
    Claim.objects.filter(pk=claim.pk).update(status="approved")  # as after the four steps
    return claim, provider_user


def _staff_with(*roles):
    from smevoucher.accounts.models import User
    from smevoucher.regions.models import Region
    from smevoucher.staff.models import StaffProfile, StaffRoleGrant

    phone = {"approver": "13700007001", "finance": "13700007002", "reviewer": "13700007003"}[
        roles[0]
    ]
    user = User.objects.create_user(phone, PASSWORD, is_staff=True)
    StaffProfile.objects.create(user=user, region=Region.objects.get(code="45"))
    for role in roles:
        StaffRoleGrant.objects.create(user=user, role=role)
    return user


def _notice_publish(given):
    from smevoucher.settlements import services as settlements

    claim, _provider = _approved_claim(given)
    approver = _staff_with("approver")
    return lambda: settlements.notice_publish(
        actor=approver, program_id=claim.program_id, claim_ids=[claim.pk]
    ), "notice.published"


def _noticed(given):
    from smevoucher.settlements import services as settlements

    claim, _provider = _approved_claim(given)
    approver = _staff_with("approver")
    notice = settlements.notice_publish(
        actor=approver, program_id=claim.program_id, claim_ids=[claim.pk]
    )
    return claim, notice, approver


def _objection_raise(given):
    from smevoucher.settlements import services as settlements

    claim, notice, _approver = _noticed(given)
    return lambda: settlements.objection_raise(
        actor=given.user, notice_id=notice.pk, content="异议", claim_id=claim.pk
    ), "objection.raised"


def _objection_answer(given):
    from smevoucher.settlements import services as settlements

    _claim_row, notice, approver = _noticed(given)
    objection = settlements.objection_raise(actor=given.user, notice_id=notice.pk, content="异议")
    return lambda: settlements.objection_answer(
        actor=approver, objection_id=objection.pk, answer="已核实", upheld=False
    ), "objection.answered"


def _claim_pay(given):
    import datetime as dt

    from django.utils import timezone

    from smevoucher.settlements import services as settlements
    from smevoucher.settlements.models import Notice

    claim, notice, _approver = _noticed(given)
    Notice.objects.filter(pk=notice.pk).update(
        objection_until=timezone.localdate() - dt.timedelta(days=1)
    )
    finance = _staff_with("finance")
    return lambda: settlements.claim_pay(actor=finance, claim_id=claim.pk), "claim.paid"


CASES.update(
    {
        "smevoucher.vouchers.services.ledger_disallow": _ledger("disallow", _disallow),
        "smevoucher.settlements.services.claim_create": _claim_create,
        "smevoucher.settlements.services.claim_update": _claim_update,
        "smevoucher.settlements.services.claim_submit": _claim_submit,
        "smevoucher.settlements.services.claim_line_cut": _claim_line_cut,
        "smevoucher.settlements.services.claim_paper_received": _claim_paper_received,
        "smevoucher.settlements.services.notice_publish": _notice_publish,
        "smevoucher.settlements.services.objection_raise": _objection_raise,
        "smevoucher.settlements.services.objection_answer": _objection_answer,
        "smevoucher.settlements.services.claim_pay": _claim_pay,
    }
)
EXEMPT.update(
    {
        # Called by the review of a claim inside its transaction: the review's record is the
        # one record of the decision.
        "smevoucher.settlements.services.on_review_moved": "recorded by its caller",
    }
)


# --- messages (issue 8) ---


def _message_create(given):
    from smevoucher.community import services as community

    _org(given, certified=True)
    return lambda: community.message_create(
        actor=given.user, title="咨询", content="请问配额何时发放？"
    ), "message.created"


def _message_reply(given):
    from smevoucher.community import services as community

    _org(given, certified=True)
    message = community.message_create(actor=given.user, title="咨询", content="内容")
    return lambda: community.message_reply(
        actor=_reviewer(), message_id=message.pk, content="答复"
    ), "message.replied"


CASES.update(
    {
        "smevoucher.community.services.message_create": _message_create,
        "smevoucher.community.services.message_reply": _message_reply,
    }
)


# --- notices and help (issue 8) ---


def _approver_staff():
    return _staff_with("approver")


def _article_publish(given):
    from smevoucher.community import services as community

    approver = _approver_staff()
    return lambda: community.article_publish(
        actor=approver, kind="notice", title="通知", body="正文"
    ), "article.published"


def _article_withdraw(given):
    from smevoucher.community import services as community

    approver = _approver_staff()
    article = community.article_publish(actor=approver, kind="notice", title="通知", body="正文")
    return lambda: community.article_withdraw(
        actor=approver, article_id=article.pk
    ), "article.withdrawn"


def _help_contact_save(given):
    from smevoucher.community import services as community

    approver = _approver_staff()
    return lambda: community.help_contact_save(
        actor=approver, unit="服务中心", phone="0771-1234567"
    ), "help.saved"


CASES.update(
    {
        "smevoucher.community.services.article_publish": _article_publish,
        "smevoucher.community.services.article_withdraw": _article_withdraw,
        "smevoucher.community.services.help_contact_save": _help_contact_save,
    }
)


# --- enterprise demands (issue 8) ---


def _demand(given):
    from smevoucher.community import services as community

    given.org = _org(given, certified=True)
    return community.demand_submit(
        actor=given.user,
        name="需求",
        category="数字化转型",
        contact_phone="13912345678",
        content="内容",
    )


def _demand_submit(given):
    from smevoucher.community import services as community

    _org(given, certified=True)
    return lambda: community.demand_submit(
        actor=given.user,
        name="需求",
        category="数字化转型",
        contact_phone="13912345678",
        content="内容",
    ), "demand.submitted"


def _demand_review(given, action, reason=""):
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    demand = _demand(given)
    review = Review.objects.get(kind="demand", object_id=str(demand.pk))
    review_transition(actor=_reviewer(), review_id=review.pk, action=action, reason=reason)
    demand.refresh_from_db()
    return demand


def _demand_resubmit(given):
    from smevoucher.community import services as community

    demand = _demand_review(given, "return", "补充")
    return lambda: community.demand_resubmit(
        actor=given.user,
        demand_id=demand.pk,
        name="需求",
        category="数字化转型",
        contact_phone="13912345678",
        content="补充内容",
    ), "review.resubmit"


def _demand_close(given):
    from smevoucher.community import services as community

    demand = _demand_review(given, "approve")
    return lambda: community.demand_close(actor=given.user, demand_id=demand.pk), "demand.closed"


def _demand_respond(given):
    from smevoucher.community import services as community

    demand = _demand_review(given, "approve")
    _order, provider_user = _order_world(given)
    return lambda: community.demand_respond(
        actor=provider_user, demand_id=demand.pk, message="可对接"
    ), "demand.responded"


CASES.update(
    {
        "smevoucher.community.services.demand_submit": _demand_submit,
        "smevoucher.community.services.demand_resubmit": _demand_resubmit,
        "smevoucher.community.services.demand_close": _demand_close,
        "smevoucher.community.services.demand_respond": _demand_respond,
    }
)
EXEMPT.update(
    {
        # Called by the review of a demand inside its transaction.
        "smevoucher.community.services.on_demand_review": "recorded by its caller",
    }
)


def test_every_public_service_is_audited_or_exempt():
    # given every public function of every app's services
    found = _public_service_functions()
    # then each one has a one-record case or a reasoned exemption
    unchecked = found - CASES.keys() - EXEMPT.keys()
    assert not unchecked, f"add a case to CASES or an entry to EXEMPT for: {sorted(unchecked)}"
    # and the lists name no function that is gone
    stale = (CASES.keys() | EXEMPT.keys()) - found
    assert not stale, f"remove from CASES / EXEMPT: {sorted(stale)}"
    assert not CASES.keys() & EXEMPT.keys()


@pytest.fixture
def given(rf, settings, tmp_path, enterprise_user, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = str(tmp_path)

    def send_code(*, phone: str, purpose: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            accounts.sms_code_send(phone=phone, purpose=purpose, ip_address="10.1.2.3")
        text = SmsOutbox.objects.filter(phone=phone).order_by("-pk").first().text
        return re.search(r"验证码为(\d{6})", text).group(1)

    return SimpleNamespace(rf=rf, user=enterprise_user, send_code=send_code, settings=settings)


@pytest.mark.parametrize("service", sorted(CASES))
def test_a_state_changing_service_writes_exactly_one_audit_record(service, given):
    # given what the service needs
    act, action = CASES[service](given)
    before = set(AuditRecord.objects.values_list("pk", flat=True))
    # when it is called once
    act()
    # then exactly one audit record was written, for this action
    new = AuditRecord.objects.exclude(pk__in=before)
    assert list(new.values_list("action", flat=True)) == [action]


def test_using_an_sms_code_on_its_own_writes_no_record(given):
    # given a code sent (which wrote its own "sms_code.sent" record)
    code = given.send_code(phone="13912345678", purpose=SmsPurpose.REGISTER)
    before = AuditRecord.objects.count()
    # when it is used, or a wrong code is tried, by itself
    accounts.sms_code_consume(phone="13912345678", purpose=SmsPurpose.REGISTER, code=code)
    with pytest.raises(DomainError):
        accounts.sms_code_consume(phone="13912345678", purpose=SmsPurpose.REGISTER, code=code)
    # then the audit log is left to the service that asked for the code
    assert AuditRecord.objects.count() == before
