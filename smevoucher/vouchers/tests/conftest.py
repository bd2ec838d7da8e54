import datetime as dt

from django.utils import timezone

from smevoucher.programs.presets import guangxi_2024

WAN = 1_000_000  # fen


def rules_for_tests(**overrides) -> dict:
    """Guangxi's rules with vouchers valid around today, so time rules do not interfere."""
    rules = {**guangxi_2024.RULES}
    today = timezone.localdate()
    rules["voucher_types"] = [
        {
            **v,
            "valid_from": str(today - dt.timedelta(days=30)),
            "valid_until": str(today + dt.timedelta(days=300)),
        }
        for v in guangxi_2024.RULES["voucher_types"]
    ]
    rules.update(overrides)
    return rules
