from hypothesis import given
from hypothesis import strategies as st

from smevoucher.core.money import rmb_upper, yuan


def test_guangxi_worked_example_in_uppercase():
    # given the manual's order: 300,000 service, 90,000 deduction
    pay_fen = 300_000_00 - 90_000_00
    # then the amount to pay reads as on the order page
    assert yuan(pay_fen) == "210,000.00"
    assert rmb_upper(pay_fen) == "贰拾壹万元整"


def test_uppercase_keeps_the_fen():
    assert rmb_upper(123456) == "壹仟贰佰叁拾肆元伍角陆分"
    assert rmb_upper(4000) == "肆拾元整"
    assert rmb_upper(5) == "伍分"
    assert rmb_upper(0) == "零元整"


@given(st.integers(min_value=1, max_value=10**12))
def test_uppercase_is_never_rounded_away(fen):
    text = rmb_upper(fen)
    # a non-zero cent digit always appears as 分, a whole-yuan amount always ends in 整
    if fen % 10:
        assert text.endswith("分")
    if fen % 100 == 0:
        assert text.endswith("整")
