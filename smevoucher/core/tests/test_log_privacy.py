"""Personal data is never logged: the whole demo flow runs with every logger at DEBUG (the SQL
log included, which prints each statement's values) through the project's own handler and
filters, and no ID number, bank account, mobile number or SMS code appears in the output."""

from __future__ import annotations

import copy
import io
import logging
import logging.config
import re

import pytest
from captcha.models import CaptchaStore
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from stdnum import luhn

from conftest import make_uscc
from smevoucher.accounts.models import User
from smevoucher.core.logging import MaskPersonalDataFilter
from smevoucher.notifications.models import SmsOutbox
from smevoucher.orgs.models import BankAccount, Organization, OrgChange, OrgMember

pytestmark = pytest.mark.django_db

# This test's own person: an ID number, a bank card and a mobile number seen nowhere else.
ID_BODY = "45020219861123157"
ID_NUMBER = (
    ID_BODY
    + "10X98765432"[  # GB 11643 check character
        sum(
            int(d) * w
            for d, w in zip(
                ID_BODY, [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], strict=True
            )
        )
        % 11
    ]
)
CARD_BODY = "622202100187654321"
CARD = CARD_BODY + luhn.calc_check_digit(CARD_BODY)
PHONE = "13745678912"
PASSWORD = "Liuzhou2026ok"
# Loggers that matter here, besides all those already created when the test starts.
LOGGERS = [
    "django",
    "django.request",
    "django.server",
    "django.security",
    "django.template",
    "django.db.backends",
    "django.db.backends.schema",
    "django_tasks",
    "axes",
    "smevoucher",
]


@pytest.fixture
def debug_log(settings):
    """The project's LOGGING with every level at DEBUG and the console handler writing into a
    buffer: the same handler class, filters and format as production."""
    buffer = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"] = {**config["handlers"]["console"], "stream": buffer}
    config["root"]["level"] = "DEBUG"
    logging.config.dictConfig(config)
    names = {*LOGGERS, *logging.root.manager.loggerDict}
    loggers = [logging.getLogger(name) for name in names]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True  # the SQL log, as with DEBUG = True
    try:
        yield buffer
    finally:
        connection.force_debug_cursor = False
        logging.config.dictConfig(settings.LOGGING)
        for logger, level in levels.items():
            logger.setLevel(level)


def captcha() -> dict:
    store = CaptchaStore.objects.create(challenge="ABCD", response="abcd")
    return {"captcha_0": store.hashkey, "captcha_1": "ABCD"}


def last_code(phone: str) -> str:
    text = SmsOutbox.objects.filter(phone=phone).order_by("-pk").first().text
    return re.search(r"\d{6}", text).group(0)


def web_flow(client, capture_on_commit) -> None:
    """A newcomer registers with an SMS code, logs in, certifies the enterprise with the legal
    representative's ID number, enters the bank account, and meets some error pages."""
    register = reverse("accounts:register")
    with capture_on_commit(execute=True):
        client.post(
            register,
            {"action": "send_code", "phone": PHONE, "display_name": "柳州市隐私测试有限公司"}
            | captcha(),
        )
    # a wrong code first (refused), then the right one
    client.post(register, {"action": "register", "phone": PHONE, "sms_code": "000000"})
    response = client.post(
        register,
        {
            "action": "register",
            "display_name": "柳州市隐私测试有限公司",
            "phone": PHONE,
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "sms_code": last_code(PHONE),
            "agree": "on",
        }
        | captcha(),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.post(reverse("accounts:logout"))
    # a failed login (axes logs it), then the right password
    login = reverse("accounts:login")
    client.post(login, {"action": "login", "phone": PHONE, "password": "wrong-pass-1"} | captcha())
    response = client.post(
        login, {"action": "login", "phone": PHONE, "password": PASSWORD} | captcha()
    )
    assert response.status_code == 302

    certification = reverse("orgs:certification")
    details = {
        "kind": "enterprise",
        "name": "柳州市隐私测试有限公司",
        "uscc": make_uscc(77),
        "province": "45",
        "city": "4502",
        "district": "450202",
        "address": "柳州市城中区隐私路1号",
        "legal_rep_name": "赵六",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_number": ID_NUMBER,
    }
    assert client.post(certification, details | {"action": "save"}).status_code == 302
    with capture_on_commit(execute=True):
        client.post(certification, details | {"action": "send_code"})
    response = client.post(
        certification,
        details | {"action": "submit", "sms_code": last_code(PHONE), "agreed": "on"},
    )
    assert response.status_code == 302
    # an ID number that fails its check digit, refused on the form
    client.post(certification, details | {"legal_rep_id_number": ID_NUMBER[:-1] + "0"})

    response = client.post(
        reverse("orgs:bank"),
        {
            "action": "save",
            "account_name": "柳州市隐私测试有限公司",
            "bank_name": "中国工商银行",
            "branch_name": "中国工商银行柳州分行营业部",
            "province": "45",
            "city": "4502",
            "account_number": CARD,
        },
    )
    assert response.status_code == 302
    # error pages, with personal data in the address
    assert client.get(f"/center/org/{ID_NUMBER}/{CARD}/{PHONE}/").status_code == 404
    assert client.get(reverse("orgs:bank") + f"?account={CARD}").status_code == 200
    client.logout()
    assert client.post(reverse("orgs:bank"), {"account_number": CARD}).status_code == 302


def secrets_in_the_clear() -> dict[str, set[str]]:
    """Everything the run stored that must not be logged, read back in the clear."""
    codes = set()
    for text in SmsOutbox.objects.values_list("text", flat=True):
        codes.update(re.findall(r"(?<!\d)\d{6}(?!\d)", text))
    id_numbers = {
        *Organization.objects.values_list("legal_rep_id_number", flat=True),
        *OrgChange.objects.values_list("legal_rep_id_number", flat=True),
        *OrgMember.objects.exclude(id_number="").values_list("id_number", flat=True),
    }
    return {
        "ID number": id_numbers,
        "bank account": set(BankAccount.objects.values_list("account_number", flat=True)),
        "mobile number": set(User.objects.values_list("phone", flat=True)),
        "SMS code": codes,
    }


# The demo command reads each SMS code from the outbox, written after commit.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_flow_at_debug_logs_no_personal_data(
    debug_log, client, regions, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.SMS_RESEND_SECONDS = 0
    # given the demo data, made with every logger at DEBUG
    call_command("demo_data", stdout=io.StringIO())
    # when a person goes through registration, login, certification and the bank account
    web_flow(client, django_capture_on_commit_callbacks)
    # then the log is full of what happened (the SQL included) ...
    log = debug_log.getvalue()
    assert "INSERT INTO" in log
    assert "Not Found:" in log
    secrets = secrets_in_the_clear()
    assert ID_NUMBER in secrets["ID number"]
    assert CARD in secrets["bank account"]
    assert len(secrets["SMS code"]) >= 3
    # ... and holds none of the personal data in the clear
    found = {
        kind: sorted(value for value in values if re.search(rf"(?<!\d){value}(?![\dXx])", log))
        for kind, values in secrets.items()
    }
    assert found == {kind: [] for kind in secrets}, _lines_with(log, found)


def _lines_with(log: str, found: dict) -> str:
    values = [value for values in found.values() for value in values]
    return "\n".join(line[:400] for line in log.splitlines() if any(v in line for v in values))[
        :8000
    ]


# The filter on its own


def _format(record: logging.LogRecord) -> str:
    assert MaskPersonalDataFilter().filter(record)
    return logging.Formatter("%(message)s").format(record)


def _record(name: str, msg: str, args=(), exc_info=None, **extra) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args, exc_info)
    record.__dict__.update(extra)
    return record


def test_an_exception_message_in_a_traceback_is_masked():
    try:
        raise ValueError(f"bad number {ID_NUMBER} for {PHONE}")
    except ValueError:
        import sys

        output = _format(_record("smevoucher", "failed", exc_info=sys.exc_info()))
    assert "Traceback" in output
    assert ID_NUMBER not in output
    assert PHONE not in output


def test_the_sql_log_keeps_the_statement_without_its_values():
    # given a statement as Django's debug cursor logs it (values already in the SQL)
    sql = (
        "INSERT INTO notifications_smsoutbox (phone, text) VALUES "
        "('13745678912', '【服务券】您的验证码为 482913，5分钟内有效')"
    )
    record = _record(
        "django.db.backends",
        "(%.3f) %s; args=%s; alias=%s",
        (0.001, sql, ("13745678912", "【服务券】您的验证码为 482913，5分钟内有效"), "default"),
        duration=0.001,
        sql=sql,
        params=("13745678912", "【服务券】您的验证码为 482913，5分钟内有效"),
        alias="default",
    )
    output = _format(record)
    # then the statement's shape stays, the values do not, also in the record's extras
    assert output.startswith("(0.001) INSERT INTO notifications_smsoutbox (phone, text) VALUES")
    assert "482913" not in output
    assert "13745678912" not in output
    assert "482913" not in str(record.sql) + str(record.params)


@pytest.mark.parametrize(
    "message",
    ["您的验证码为482913，5分钟内有效", "sms_code=482913 refused", "verification code: 482913"],
)
def test_a_verification_code_next_to_its_name_is_masked(message):
    output = _format(_record("smevoucher", "%s", (message,)))
    assert "482913" not in output
    assert "******" in output


def test_other_numbers_stay_readable():
    output = _format(
        _record("smevoucher", "order %s of region %s: %s fen", (1042, "450202", 300000))
    )
    assert output == "order 1042 of region 450202: 300000 fen"
