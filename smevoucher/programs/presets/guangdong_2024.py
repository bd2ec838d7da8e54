"""广东省中小企业服务券 2024 (the Guangdong provider manual, seed 002).

From the manual: providers register only if listed in the directory of qualified
platforms; their level sets their service scope; one provider's receipts in a city at most
10% of the vouchers that city issued; enterprises order within 30 natural days after a
batch ends and sign the contract within 30 days, otherwise the voucher is recalled
automatically (and still counts against the year's quota).

Chosen here (the manual, written for providers, gives no figure): one general voucher of
50,000元 for every certified SME; the voucher covers 50% of an order, at most 50,000元;
two batches in 2024; a budget of 2亿.
"""

WAN = 10_000 * 100

CODE = "guangdong-2024"
NAME = "广东省中小企业服务券（2024年度）"
POLICY = "《广东省中小企业服务券管理办法》"
REGION = "44"
YEAR = 2024

RULES = {
    "budget_fen": 20_000 * WAN,
    "classifications": [{"code": "sme", "name": "中小企业"}],
    "tiers": [{"key": "sme", "name": "中小企业", "amount_fen": 5 * WAN, "classes": ["sme"]}],
    "default_tier": "sme",
    "voucher_types": [
        {
            "key": "general",
            "name": "中小企业服务券",
            "kind": "general",
            "valid_from": "2024-03-01",
            "valid_until": "2024-12-31",
            "rule_text": "每批次服务券发放结束后30个自然日内下单、下单后30日内签订合同，否则服务券将被系统自动收回；"
            "回收的服务券仍计入企业年度额度。",
            "amount_mode": "tier",
        }
    ],
    "enterprise_annual_deduction_cap_fen": 5 * WAN,
    "subsidy_ratio_bp": 5000,
    "per_order_cap_fen": 5 * WAN,
    "categories": [
        "数字化转型",
        "管理咨询",
        "知识产权",
        "检验检测",
        "法律服务",
        "人才培训",
        "融资服务",
        "市场开拓",
    ],
    "batches": [
        {
            "key": "2024-1",
            "name": "2024年第一批",
            "issue_from": "2024-03-01",
            "issue_until": "2024-04-30",
            "order_deadline_days": 30,
            "contract_deadline_days": 30,
        },
        {
            "key": "2024-2",
            "name": "2024年第二批",
            "issue_from": "2024-07-01",
            "issue_until": "2024-08-31",
            "order_deadline_days": 30,
            "contract_deadline_days": 30,
        },
    ],
    "voucher_mode": "at_order",
    "provider_city_share_bp": 1000,
    "notes": __doc__,
}
