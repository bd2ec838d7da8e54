"""广西制造业企业培优育强服务券 2024 (the Guangxi enterprise manual, seeds 003/004).

From the manual: the tier table (5/10/20/30万), 通用券 valid 2024-09-13..12-31, the two
设备更新专项券 valid 2024-07-19..12-31 with their caps (guarantee: ≤50% of the actual
guarantee fee, ≤100万 a year, ≤3 years; leasing: ≤20% of the interest at the loan prime
rate on the lease contract, ≤50万 a year, ≤3 years), the enterprise deduction cap 30万 a
year, the provider settlement cap 500万 a year, vouchers applied at ordering, the 9 categories of its homepage.

Chosen here (the manual gives no figure): the subsidy ratio 30% (its order example deducts
90,000 of 300,000), no per-order cap beyond the caps above, and a budget of 1.272亿 (the
homepage shows 7,720万 of quota issued and 5,000万 awaiting budget approval).
"""

WAN = 10_000 * 100  # one 万元 in fen

CODE = "guangxi-2024"
NAME = "广西制造业企业培优育强服务券（2024年度）"
POLICY = "《广西制造业企业培优育强服务券管理办法》"
REGION = "45"
YEAR = 2024

GENERAL_RULE = (
    "一般规模以上制造业企业年度配额为每家5万元；自治区数字化车间企业、自治区两化融合管理体系贯标评定企业、"
    "在线诊断结果达到数字化转型成熟度3档以上企业、广西“专精特新”专板企业、创新型中小企业、上两个年度新增进入"
    "统计名录库的规模以上企业年度配额为每家10万元；自治区制造业单项冠军、自治区专精特新中小企业、自治区智能工厂"
    "及以上企业、自治区创新示范企业、自治区质量管理标杆企业年度配额为每家20万元；国家级制造业单项冠军、"
    "专精特新“小巨人”企业年度配额为每家30万元。"
)

RULES = {
    "budget_fen": 12_720 * WAN,
    "classifications": [
        {"code": "above_scale", "name": "规模以上制造业企业"},
        {"code": "gx_digital_workshop", "name": "自治区数字化车间企业"},
        {"code": "gx_two_integration", "name": "自治区两化融合管理体系贯标评定企业"},
        {"code": "digital_maturity_3", "name": "数字化转型成熟度3档以上企业"},
        {"code": "gx_srdi_board", "name": "广西“专精特新”专板企业"},
        {"code": "innovative_sme", "name": "创新型中小企业"},
        {"code": "new_above_scale", "name": "上两个年度新增规模以上企业"},
        {"code": "gx_single_champion", "name": "自治区制造业单项冠军"},
        {"code": "gx_srdi_sme", "name": "自治区专精特新中小企业"},
        {"code": "gx_smart_factory", "name": "自治区智能工厂及以上企业"},
        {"code": "gx_innovation_demo", "name": "自治区创新示范企业"},
        {"code": "gx_quality_benchmark", "name": "自治区质量管理标杆企业"},
        {"code": "national_single_champion", "name": "国家级制造业单项冠军"},
        {"code": "little_giant", "name": "专精特新“小巨人”企业"},
    ],
    "tiers": [
        {
            "key": "t5",
            "name": "一般规模以上制造业企业",
            "amount_fen": 5 * WAN,
            "classes": ["above_scale"],
        },
        {
            "key": "t10",
            "name": "数字化车间、专精特新专板、创新型中小企业等",
            "amount_fen": 10 * WAN,
            "classes": [
                "gx_digital_workshop",
                "gx_two_integration",
                "digital_maturity_3",
                "gx_srdi_board",
                "innovative_sme",
                "new_above_scale",
            ],
        },
        {
            "key": "t20",
            "name": "自治区单项冠军、专精特新中小企业、智能工厂等",
            "amount_fen": 20 * WAN,
            "classes": [
                "gx_single_champion",
                "gx_srdi_sme",
                "gx_smart_factory",
                "gx_innovation_demo",
                "gx_quality_benchmark",
            ],
        },
        {
            "key": "t30",
            "name": "国家级单项冠军、专精特新“小巨人”",
            "amount_fen": 30 * WAN,
            "classes": ["national_single_champion", "little_giant"],
        },
    ],
    "default_tier": None,
    "voucher_types": [
        {
            "key": "general",
            "name": "通用券",
            "kind": "general",
            "valid_from": "2024-09-13",
            "valid_until": "2024-12-31",
            "rule_text": "通用券补贴额度：" + GENERAL_RULE,
            "amount_mode": "tier",
        },
        {
            "key": "guarantee",
            "name": "融资担保专项券",
            "kind": "special",
            "valid_from": "2024-07-19",
            "valid_until": "2024-12-31",
            "rule_text": "通过融资担保方式开展设备更新和技术改造的，按不超过实际担保费的50%给予服务券额度，"
            "每家企业每年可使用服务券额度最高不超过100万元，支持期限不超过3年。",
            "amount_mode": "requested",
            "ratio_bp": 5000,
            "base_label": "实际担保费",
            "annual_cap_fen": 100 * WAN,
            "requires_proof": True,
            "max_years": 3,
            "categories": ["融资担保"],
        },
        {
            "key": "leasing",
            "name": "直接设备租赁专项券",
            "kind": "special",
            "valid_from": "2024-07-19",
            "valid_until": "2024-12-31",
            "rule_text": "通过直接租赁方式开展设备更新和技术改造的，按不超过购置设备租赁合同签订当期贷款市场报价利率的20%"
            "予以服务券额度，每家企业每年最高可使用服务券额度不超过50万元，支持期限不超过3年。",
            "amount_mode": "requested",
            "ratio_bp": 2000,
            "base_label": "按合同签订当期贷款市场报价利率计算的租赁利息",
            "annual_cap_fen": 50 * WAN,
            "requires_proof": True,
            "max_years": 3,
            "categories": ["直接设备租赁"],
        },
    ],
    "enterprise_annual_deduction_cap_fen": 30 * WAN,
    "subsidy_ratio_bp": 3000,
    "per_order_cap_fen": None,
    "categories": [
        "企业诊断",
        "数字化转型",
        "技术创新",
        "融资服务",
        "高阶检验检测验证",
        "中高端市场开拓",
        "直接设备租赁",
        "融资担保",
        "其他服务",
    ],
    "voucher_mode": "at_order",
    "provider_annual_settlement_cap_fen": 500 * WAN,
    "notes": __doc__,
}
