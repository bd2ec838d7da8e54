from smevoucher.orders.tests.conftest import (  # noqa: F401  shared fixtures
    _media,
    enterprise,
    enterprise_org,
    issue_voucher,
    make_product,
    make_provider,
    program,
    provider,
    provider_org,
    provider_user,
    range_product,
    voucher,
)
