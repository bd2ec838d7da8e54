"""柳州市小微企业服务补贴券 2024 (the Liuzhou manual, seed 000).

From the manual: small and micro enterprises apply for voucher eligibility (领券资格认证);
the voucher is requested per order after the contract is agreed and the service center
reviews it within 2 working days (a rejection voids the order); the service resource
library has 12 categories; redemption passes the service center, the industry bureau and
the finance bureau.

Chosen here (the manual gives no figure): every certified small or micro enterprise gets
20,000元 a year; the voucher covers 50% of a contract, at most 10,000元 an order; the
budget is 1,000万; the 12 category names.
"""

WAN = 10_000 * 100

CODE = "liuzhou-2024"
NAME = "柳州市小微企业服务补贴券（2024年度）"
POLICY = "《柳州市小微企业服务补贴券管理办法》"
REGION = "4502"
YEAR = 2024

RULES = {
    "budget_fen": 1_000 * WAN,
    "classifications": [{"code": "small_micro", "name": "小微企业"}],
    "tiers": [
        {
            "key": "small_micro",
            "name": "小微企业",
            "amount_fen": 2 * WAN,
            "classes": ["small_micro"],
        }
    ],
    "default_tier": "small_micro",
    "voucher_types": [
        {
            "key": "general",
            "name": "服务补贴券",
            "kind": "general",
            "valid_from": "2024-01-01",
            "valid_until": "2024-12-31",
            "rule_text": "认证通过的小微企业每年可获服务补贴券2万元，每笔合同按合同金额的50%抵扣，单笔最高1万元；"
            "签订合同后申请使用，由中小企业服务中心审核。",
            "amount_mode": "tier",
        }
    ],
    "enterprise_annual_deduction_cap_fen": 2 * WAN,
    "subsidy_ratio_bp": 5000,
    "per_order_cap_fen": 1 * WAN,
    "categories": [
        "创业服务",
        "管理咨询",
        "财务税务",
        "法律服务",
        "知识产权",
        "人才培训",
        "技术创新",
        "检验检测",
        "信息化服务",
        "市场开拓",
        "融资服务",
        "其他服务",
    ],
    "voucher_mode": "per_order_review",
    "notes": __doc__,
}
