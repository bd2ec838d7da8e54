"""normalize_phone: every spelling of a mainland mobile becomes the same 11 ASCII digits."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smevoucher.core.errors import DomainError
from smevoucher.core.phone import normalize_phone

ASCII_MOBILE = re.compile(r"1[3-9][0-9]{9}")

mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)


@given(mobile=mobiles)
def test_a_valid_mobile_stays_as_it_is(mobile):
    assert normalize_phone(mobile) == mobile


@given(mobile=mobiles, prefix=st.sampled_from(["+86", "86", "+86 ", "+86-"]))
def test_the_country_prefix_is_dropped(mobile, prefix):
    assert normalize_phone(prefix + mobile) == mobile


@given(mobile=mobiles, separator=st.sampled_from([" ", "-", "  ", "\t"]))
def test_spaces_and_dashes_between_groups_are_dropped(mobile, separator):
    # given the number written in the usual 3-4-4 groups
    written = separator.join([mobile[:3], mobile[3:7], mobile[7:]])
    # then it normalizes to the bare number
    assert normalize_phone(written) == mobile


def _normalized_or_refusal_code(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except DomainError as exc:
        return exc.code


@given(raw=st.text(max_size=20))
def test_whatever_it_is_given_it_returns_11_ascii_digits_or_refuses(raw):
    result = _normalized_or_refusal_code(raw)
    assert result == "phone.invalid" or ASCII_MOBILE.fullmatch(result), repr(result)


@pytest.mark.parametrize(
    "raw", ["135１２３４５６７８", "１３５１２３４５６７８", "＋８６ １３５ １２３４ ５６７８"]
)
def test_full_width_digits_become_the_ascii_number(raw):
    # given a number typed with a Chinese input method's full-width digits
    # then it is the same phone as the ASCII one, never a second spelling of it
    # (a second account, an SMS to nowhere)
    assert normalize_phone(raw) == "13512345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "1351234567",  # 10 digits
        "135123456789",  # 12 digits
        "12512345678",  # no mainland mobile starts with 12
        "23512345678",
        "0771-1234567",  # a landline
        "86135123456",  # 86 and 9 digits is not a prefixed mobile
        "1351234567a",
    ],
)
def test_anything_but_a_mainland_mobile_is_refused_in_chinese(raw):
    with pytest.raises(DomainError) as refused:
        normalize_phone(raw)
    assert refused.value.code == "phone.invalid"
    assert refused.value.field == "phone"
    assert refused.value.message == "请输入正确的11位手机号码"
