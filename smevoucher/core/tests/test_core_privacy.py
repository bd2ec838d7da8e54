"""Masking of personal data on screens and in logs, and the log filter that applies it."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from smevoucher.core.logging import MaskPersonalDataFilter, RequestIdFilter
from smevoucher.core.privacy import mask_phone, mask_text
from smevoucher.core.request_context import reset_request_id, set_request_id

MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
RESIDENT_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")

mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)
resident_ids = st.builds(
    lambda body, check: body + check,
    st.text(alphabet="0123456789", min_size=17, max_size=17),
    st.sampled_from("0123456789Xx"),
)
# Free text around the numbers: Chinese, ASCII words, punctuation, other digits.
filler = st.text(
    alphabet=st.sampled_from(list("企业手机号码身份证 :,;()[]/abcXYZ=#0123456789")), max_size=12
)


@given(mobile=mobiles)
def test_any_valid_mobile_masks_to_first_three_stars_last_four(mobile):
    masked = mask_phone(mobile)
    assert masked == mobile[:3] + "****" + mobile[-4:]
    assert mobile[3:7] not in masked[3:7]


@pytest.mark.parametrize(("value", "masked"), [("", ""), (None, ""), ("1234", "****")])
def test_short_or_missing_phones_are_masked_whole(value, masked):
    assert mask_phone(value) == masked


@given(parts=st.lists(st.one_of(mobiles, resident_ids, filler), max_size=8))
def test_mask_text_never_leaves_a_mobile_or_resident_id(parts):
    # given free text that mixes numbers with anything else, in any order
    text = "".join(parts)
    # when it is masked
    masked = mask_text(text)
    # then no 11-digit mobile and no 18-character resident ID is left in it
    assert not MOBILE_IN_TEXT.search(masked), masked
    assert not RESIDENT_ID_IN_TEXT.search(masked), masked


@given(mobile=mobiles, before=st.sampled_from(["", "手机号", "phone=", "(", " "]))
def test_mask_text_hides_the_middle_of_every_mobile(mobile, before):
    masked = mask_text(f"{before}{mobile}，请回电")
    assert masked == f"{before}{mobile[:3]}****{mobile[-4:]}，请回电"


@given(resident_id=resident_ids)
def test_mask_text_keeps_only_region_and_last_four_of_a_resident_id(resident_id):
    masked = mask_text(f"身份证号 {resident_id} 已核验")
    assert masked == f"身份证号 {resident_id[:6]}********{resident_id[-4:]} 已核验"


def test_mask_text_hides_a_bank_card_number():
    assert mask_text("卡号6222020200112233445") == "卡号6222********3445"


@pytest.mark.parametrize(
    "written",
    [
        "+8613512345678",  # the prefixed form normalize_phone accepts
        "8613512345678",
        "+86 135 1234 5678",
        "135 1234 5678",  # the 3-4-4 groups people write
        "135-1234-5678",
    ],
)
def test_mask_text_hides_a_mobile_however_it_is_written(written):
    # given a log line with a phone as the person typed it (normalize_phone accepts all these)
    masked = mask_text(f"登录失败：{written}")
    # then its middle four digits are gone
    assert "1234" not in masked, masked


def _record(msg, *args):
    return logging.LogRecord("smevoucher.test", logging.INFO, __file__, 1, msg, args, None)


def test_log_filter_masks_a_phone_passed_as_an_argument():
    # given a log record whose phone is in its args, not its format string
    record = _record("sms %s sent to %s", "verification_code", "13512345678")
    # when the filter runs
    kept = MaskPersonalDataFilter().filter(record)
    # then the record is kept and its message carries only the masked phone
    assert kept is True
    assert record.getMessage() == "sms verification_code sent to 135****5678"


def test_log_filter_masks_mapping_arguments_and_resident_ids():
    record = _record("%(who)s checked %(id)s", {"who": "13900001234", "id": "45010219900101123X"})
    MaskPersonalDataFilter().filter(record)
    assert record.getMessage() == "139****1234 checked 450102********123X"


def test_log_filter_keeps_a_malformed_record_masked():
    # given a record whose arguments do not fit its format string
    record = _record("user 13512345678 failed %d", "not-a-number")
    # when the filter runs, the line is still logged, masked
    assert MaskPersonalDataFilter().filter(record) is True
    assert "13512345678" not in record.getMessage()
    assert "135****5678" in record.getMessage()


def test_a_logger_with_the_configured_filters_writes_no_phone_and_the_request_id():
    # given a handler set up like the console handler of settings.LOGGING
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(MaskPersonalDataFilter())
    handler.setFormatter(logging.Formatter("[%(request_id)s] %(message)s"))
    logger = logging.getLogger("smevoucher.tests.privacy")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    token = set_request_id("req-0123456789")
    try:
        # when a line with a phone is logged during a request
        logger.info("login failed for %s", "13712345678")
    finally:
        reset_request_id(token)
        logger.removeHandler(handler)
        logger.propagate = True
    # then the phone is masked and the request id is on the line
    assert stream.getvalue() == "[req-0123456789] login failed for 137****5678\n"


def test_the_console_log_handler_masks_personal_data():
    assert "mask_personal_data" in settings.LOGGING["handlers"]["console"]["filters"]
    assert (
        settings.LOGGING["filters"]["mask_personal_data"]["()"]
        == "smevoucher.core.logging.MaskPersonalDataFilter"
    )
