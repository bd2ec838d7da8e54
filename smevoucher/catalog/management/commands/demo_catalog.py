"""Demo service products, idempotently: products of the demo program's admitted providers in
every category of the program, some range-priced with their tiers and 3 to 5 sets of
historical service materials, driven through the same services a person would use (draft →
提交审核 → approved by the province reviewer in the review workflow → 上传 → 在售).

A product that already exists (same provider, same name) is not created again; one left
half-way by an interrupted run is moved on to 在售. Run after ``demo_providers`` (``demo_data``
runs both)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter

from smevoucher.accounts.models import User
from smevoucher.catalog import services
from smevoucher.catalog.choices import ProductStatus
from smevoucher.catalog.models import Product
from smevoucher.programs.models import Program
from smevoucher.programs.selectors import program_version_at
from smevoucher.providers.models import Provider
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition
from smevoucher.uploads.services import upload_create

REVIEWER = "13800000003"  # 自治区审核员 (reviewer and approver, region 45)
WAN = 1_000_000  # fen in 万元
YUAN = 100

# The providers of ``demo_providers``, by their owner's phone.
NATIONAL = "13900000011"  # 广西中小企业公共服务中心有限公司 (national level)
PROVINCIAL = "13900000012"  # 广西数字化转型促进服务有限公司 (provincial level)
LIUZHOU = "13900000013"  # 柳州市中小企业服务站有限公司 (city level: Liuzhou)


def _cmp(name: str, source: str, yuan: int) -> dict:
    return {"name": name, "source": source, "price_fen": yuan * YUAN}


def _tiers(*rows: tuple[str, int]) -> list[dict]:
    return [{"content": content, "price_fen": yuan * YUAN} for content, yuan in rows]


# (provider's phone, material sets, fields of ProductInput). Money in yuan here.
PRODUCTS: list[tuple[str, int, dict]] = [
    (
        NATIONAL,
        1,
        {
            "name": "制造业企业经营管理诊断",
            "category": "企业诊断",
            "voucher_types": ["general"],
            "guide_price": 60000,
            "platform_price": 50000,
            "service_area": "广西壮族自治区全区",
            "target_customers": "规模以上制造业企业、专精特新中小企业",
            "overview": "由管理咨询师、财务与生产专家组成诊断小组，围绕战略、组织、生产运营、"
            "质量、财务与数字化水平六个维度对企业进行全面体检，找准发展短板，"
            "提出可落地的改进建议与优先级排序。",
            "process": "1. 签订服务合同，成立联合诊断小组；\n2. 资料收集与问卷调查；\n"
            "3. 驻场访谈与生产现场调研（3天）；\n4. 数据分析与问题梳理；\n"
            "5. 出具诊断报告并召开成果汇报会。",
            "cycle": "30个工作日",
            "deliverables": "《企业经营管理诊断报告》1份（含问题清单、改进建议与实施计划）；"
            "诊断成果汇报会1场。",
            "acceptance": "诊断报告覆盖约定的六个维度，问题清单与改进建议经企业确认；"
            "企业负责人在验收单上签字盖章。",
            "guide_doc_name": "广西中小企业公共服务示范平台服务收费指导标准",
            "guide_doc_number": "桂中小服〔2024〕12号",
            "market_comparisons": [
                _cmp("南宁某管理咨询有限公司", "官网公开报价", 68000),
                _cmp("广州某企业管理顾问有限公司", "2024年报价单", 75000),
            ],
            "internal_basis": "咨询师6人×8天人工成本约3.6万元，差旅及资料费0.6万元，"
            "税费及合理利润0.8万元。",
        },
    ),
    (
        NATIONAL,
        3,
        {
            "name": "中小企业数字化转型诊断咨询",
            "category": "数字化转型",
            "voucher_types": ["general"],
            "tiers": _tiers(
                ("基础诊断：线上问卷评估+数字化水平评测报告", 30000),
                ("深度诊断：驻场5天调研+数字化转型方案", 80000),
                ("全面诊断：驻场15天调研+转型方案+分步实施路线图", 150000),
            ),
            "service_area": "广西壮族自治区全区",
            "target_customers": "有数字化转型需求的制造业中小企业",
            "overview": "依据《中小企业数字化水平评测指标》，评估企业研发设计、生产管控、"
            "供应链、营销服务等环节的数字化水平，诊断关键瓶颈，"
            "给出数字化改造场景清单、投资估算与实施路线图。",
            "process": "1. 需求沟通与档位确认；\n2. 线上评测问卷；\n3. 驻场调研（深度、全面诊断）；"
            "\n4. 形成诊断结论与改造场景；\n5. 方案评审与交付。",
            "cycle": "基础诊断10个工作日；深度诊断30个工作日；全面诊断60个工作日",
            "deliverables": "数字化水平评测报告；数字化转型方案（深度、全面诊断）；"
            "分步实施路线图与投资估算（全面诊断）。",
            "acceptance": "交付物与所选档位一致，评测等级与改造场景经企业确认，"
            "方案通过企业组织的评审会。",
            "market_comparisons": [
                _cmp("深圳某数字化咨询有限公司", "官网公开报价（深度诊断）", 95000),
                _cmp("南宁某信息技术有限公司", "2024年报价单（深度诊断）", 88000),
                _cmp("杭州某工业互联网服务商", "公开招标中标价（全面诊断）", 180000),
            ],
            "internal_basis": "按驻场人天计价：高级咨询师每人天3000元，"
            "另计报告编制、评审组织及差旅成本。",
        },
    ),
    (
        NATIONAL,
        1,
        {
            "name": "高新技术企业认定申报辅导",
            "category": "技术创新",
            "voucher_types": ["general"],
            "guide_price": 25000,
            "platform_price": 20000,
            "service_area": "广西壮族自治区全区",
            "target_customers": "拟申报高新技术企业的科技型中小企业",
            "overview": "对照《高新技术企业认定管理办法》逐项评估企业条件，"
            "辅导知识产权布局、研发费用归集与科技成果转化材料整理，代为编制申报书。",
            "process": "1. 条件评估；\n2. 研发项目与知识产权梳理；\n3. 研发费用专项审计对接；"
            "\n4. 编制申报材料；\n5. 网上申报与答疑。",
            "cycle": "45个工作日",
            "deliverables": "高新技术企业认定申报书及全套附件；研发费用归集台账模板。",
            "acceptance": "申报材料按期通过系统提交并获受理，企业确认材料完整。",
            "market_comparisons": [
                _cmp("南宁某科技咨询有限公司", "官网公开报价", 30000),
                _cmp("柳州某知识产权代理有限公司", "报价单", 28000),
            ],
            "internal_basis": "项目经理与材料编写人员人工成本1.4万元，审核与税费0.6万元。",
        },
    ),
    (
        NATIONAL,
        3,
        {
            "name": "企业融资方案设计与银企对接",
            "category": "融资服务",
            "voucher_types": ["general"],
            "tiers": _tiers(
                ("融资需求诊断+融资方案设计", 10000),
                ("融资方案设计+3家以上金融机构对接路演", 30000),
            ),
            "service_area": "广西壮族自治区全区",
            "target_customers": "有设备更新、技术改造或流动资金融资需求的中小企业",
            "overview": "分析企业财务状况与融资需求，设计债权、股权与供应链金融组合方案，"
            "组织银行、担保、融资租赁等机构对接，跟踪授信进度。",
            "process": "1. 融资需求访谈；\n2. 财务分析与方案设计；\n3. 融资材料包装；"
            "\n4. 金融机构对接与路演；\n5. 授信跟踪。",
            "cycle": "20至40个工作日",
            "deliverables": "融资方案书；融资材料包；金融机构对接记录。",
            "acceptance": "交付融资方案书经企业确认；第二档完成不少于3家金融机构对接并有书面记录。",
            "market_comparisons": [
                _cmp("南宁某财务顾问有限公司", "官网公开报价（方案设计）", 15000),
                _cmp("广州某投融资服务有限公司", "报价单（方案+对接）", 40000),
            ],
            "internal_basis": "财务顾问人天成本2500元，方案设计4人天，对接路演另需8人天。",
        },
    ),
    (
        NATIONAL,
        1,
        {
            "name": "智能制造设备直接租赁服务",
            "category": "直接设备租赁",
            "voucher_types": ["leasing"],
            "guide_price": 220000,
            "platform_price": 200000,
            "service_area": "广西壮族自治区全区",
            "target_customers": "开展设备更新和技术改造的制造业企业",
            "overview": "联合持牌融资租赁公司，为企业购置数控机床、工业机器人等智能制造设备"
            "提供直接租赁，租期1至3年，租金按月支付；价格为按合同签订当期贷款市场报价利率"
            "计算的年度租赁利息。",
            "process": "1. 设备需求与供应商确认；\n2. 租赁方案与利率测算；\n3. 租赁公司尽职调查；"
            "\n4. 签订直接租赁合同；\n5. 设备交付与起租。",
            "cycle": "合同签订后15个工作日内完成设备交付",
            "deliverables": "直接租赁合同；设备交付验收单；租金支付计划表。",
            "acceptance": "设备到厂安装调试合格，企业签署交付验收单。",
            "market_comparisons": [
                _cmp("某金融租赁股份有限公司", "同类设备租赁报价", 240000),
                _cmp("某融资租赁（广西）有限公司", "同类设备租赁报价", 230000),
            ],
            "internal_basis": "以设备价款500万元、租期1年测算，执行当期LPR加点后的年度租赁利息。",
        },
    ),
    (
        NATIONAL,
        1,
        {
            "name": "设备更新改造贷款融资担保服务",
            "category": "融资担保",
            "voucher_types": ["guarantee"],
            "guide_price": 60000,
            "platform_price": 50000,
            "service_area": "广西壮族自治区全区",
            "target_customers": "以银行贷款开展设备更新和技术改造的中小企业",
            "overview": "联合政府性融资担保机构，为企业设备更新和技术改造贷款提供担保，"
            "年担保费率不超过1%；价格为500万元贷款一年期的担保费。",
            "process": "1. 担保申请与资料提交；\n2. 保前调查与评审；\n3. 出具担保意向函；"
            "\n4. 签订委托担保合同并缴纳担保费；\n5. 银行放款与保后管理。",
            "cycle": "受理后10个工作日内完成评审",
            "deliverables": "委托担保合同；担保函；担保费发票。",
            "acceptance": "银行依据担保函完成放款，企业取得担保费发票。",
            "market_comparisons": [
                _cmp("某商业性融资担保有限公司", "同类业务报价（费率1.5%）", 75000),
                _cmp("某市融资担保集团", "公开收费标准（费率1.2%）", 60000),
            ],
            "internal_basis": "按担保金额500万元、年费率1%计收，评审费不另收取。",
        },
    ),
    (
        PROVINCIAL,
        4,
        {
            "name": "数字化车间MES系统实施",
            "category": "数字化转型",
            "voucher_types": ["general"],
            "tiers": _tiers(
                ("标准版：生产计划、工单报工、质量追溯，50个工位以内", 200000),
                ("专业版：标准版+设备联网与数据采集、看板，150个工位以内", 450000),
                ("旗舰版：专业版+APS高级排产、与ERP集成，300个工位以内", 800000),
            ),
            "service_area": "广西壮族自治区全区",
            "target_customers": "离散制造、流程制造中小企业，拟建设自治区数字化车间的企业",
            "overview": "围绕自治区数字化车间评定要求，为企业部署制造执行系统（MES），"
            "打通计划、生产、质量、设备数据，实现生产过程透明化和质量可追溯。",
            "process": "1. 需求调研与蓝图设计；\n2. 系统部署与配置；\n3. 设备联网与数据采集；"
            "\n4. 试运行与用户培训；\n5. 上线验收与运维移交。",
            "cycle": "标准版60天；专业版90天；旗舰版120天",
            "deliverables": "MES系统及使用授权；蓝图设计说明书；用户手册；培训记录；上线验收报告。",
            "acceptance": "系统功能按蓝图上线并稳定运行30天，关键指标（报工及时率、"
            "质量追溯率）达到合同约定，企业出具验收报告。",
            "guide_doc_name": "广西工业软件服务收费参考标准",
            "guide_doc_number": "桂工信软〔2024〕5号",
            "market_comparisons": [
                _cmp("某工业软件股份有限公司", "公开招标中标价（专业版同类）", 520000),
                _cmp("某智能制造系统有限公司", "报价单（标准版同类）", 230000),
                _cmp("某信息技术（南宁）有限公司", "官网报价（旗舰版同类）", 880000),
            ],
            "internal_basis": "软件授权费占40%，实施人天（每人天2500元）占50%，运维与税费占10%。",
        },
    ),
    (
        PROVINCIAL,
        1,
        {
            "name": "工业设备上云及数据采集服务",
            "category": "数字化转型",
            "voucher_types": ["general"],
            "guide_price": 120000,
            "platform_price": 100000,
            "service_area": "广西壮族自治区全区",
            "target_customers": "设备密集型制造企业",
            "overview": "为不超过50台关键设备加装采集网关，接入工业互联网平台，"
            "实现设备状态监测、稼动率统计与故障预警。",
            "process": "1. 设备清单与协议调研；\n2. 网关安装与联网；\n3. 平台配置与看板开发；"
            "\n4. 试运行与培训；\n5. 验收。",
            "cycle": "45天",
            "deliverables": "设备联网清单；设备监控看板；平台账号与一年服务；培训记录。",
            "acceptance": "约定设备全部在线，数据采集完整率不低于98%，企业签署验收单。",
            "market_comparisons": [
                _cmp("某工业互联网平台公司", "官网公开报价", 135000),
                _cmp("某自动化工程有限公司", "报价单", 128000),
            ],
            "internal_basis": "采集网关及传感器硬件5万元，实施人工3.5万元，平台服务及税费1.5万元。",
        },
    ),
    (
        PROVINCIAL,
        3,
        {
            "name": "产品可靠性与环境适应性试验",
            "category": "高阶检验检测验证",
            "voucher_types": ["general"],
            "tiers": _tiers(
                ("单项试验：高低温、湿热或振动任选两项，出具CMA报告", 50000),
                ("全项试验：高低温、湿热、振动、盐雾、冲击及寿命加速试验", 120000),
            ),
            "service_area": "广西壮族自治区全区",
            "target_customers": "汽车零部件、工程机械、电子电器制造企业",
            "overview": "依据GB/T 2423系列及客户技术规范，在具备CMA、CNAS资质的实验室开展"
            "环境适应性与可靠性试验，帮助企业产品进入中高端配套体系。",
            "process": "1. 试验需求评审与方案确认；\n2. 样品接收；\n3. 开展试验；"
            "\n4. 数据分析与失效分析（如有）；\n5. 出具检测报告。",
            "cycle": "单项试验15个工作日；全项试验40个工作日",
            "deliverables": "带CMA标识的检测报告；试验原始记录摘要；失效分析报告（如有）。",
            "acceptance": "按约定标准完成全部试验项目，报告数据完整、签章齐全。",
            "market_comparisons": [
                _cmp("某检测认证集团", "公开收费标准（全项）", 140000),
                _cmp("某电子产品检测中心", "报价单（单项）", 58000),
            ],
            "internal_basis": "按设备机时费与检测工程师工时计价，参照实验室内部收费目录下浮10%。",
        },
    ),
    (
        PROVINCIAL,
        1,
        {
            "name": "电磁兼容（EMC）检测验证",
            "category": "高阶检验检测验证",
            "voucher_types": ["general"],
            "guide_price": 35000,
            "platform_price": 30000,
            "service_area": "广西壮族自治区全区",
            "target_customers": "电子电器、智能装备制造企业",
            "overview": "开展传导发射、辐射发射、静电放电、浪涌等电磁兼容项目检测，"
            "提供整改建议，支持CCC、CE认证。",
            "process": "1. 确认标准与检测项目；\n2. 预测试；\n3. 正式测试；"
            "\n4. 整改建议与复测；\n5. 出具报告。",
            "cycle": "10个工作日",
            "deliverables": "EMC检测报告（CNAS标识）；整改建议书。",
            "acceptance": "检测项目按约定标准完成，报告签章齐全。",
            "market_comparisons": [
                _cmp("某电磁兼容检测实验室", "公开收费标准", 38000),
                _cmp("某质量检验研究院", "报价单", 36000),
            ],
            "internal_basis": "暗室机时费每小时800元，约25小时；工程师人工及报告费1万元。",
        },
    ),
    (
        LIUZHOU,
        1,
        {
            "name": "精益生产现场诊断与改善",
            "category": "企业诊断",
            "voucher_types": ["general"],
            "guide_price": 40000,
            "platform_price": 35000,
            "service_area": "柳州市",
            "target_customers": "柳州市汽车零部件、机械加工制造企业",
            "overview": "精益专家驻场诊断生产现场的七大浪费，绘制价值流图，"
            "组织一个示范线的快速改善，帮助企业降低在制品与交付周期。",
            "process": "1. 现场调研与价值流图绘制；\n2. 问题诊断；\n3. 示范线改善周；"
            "\n4. 改善效果评估；\n5. 推广计划。",
            "cycle": "20个工作日",
            "deliverables": "精益诊断报告；价值流现状图与未来图；示范线改善成果报告。",
            "acceptance": "示范线在制品或生产周期较改善前降低10%以上，企业确认改善成果。",
            "market_comparisons": [
                _cmp("某精益管理咨询有限公司", "官网公开报价", 45000),
                _cmp("柳州某企业管理服务有限公司", "报价单", 42000),
            ],
            "internal_basis": "精益专家驻场10人天，每人天2800元；资料与税费0.7万元。",
        },
    ),
    (
        LIUZHOU,
        5,
        {
            "name": "跨境电商出海运营服务",
            "category": "中高端市场开拓",
            "voucher_types": ["general"],
            "tiers": _tiers(
                ("开店入门：1个跨境平台店铺开设+20个产品上架", 30000),
                ("运营提升：2个平台店铺代运营3个月+站内广告投放", 60000),
                ("品牌出海：独立站建设+海外社媒推广6个月", 100000),
            ),
            "service_area": "柳州市",
            "target_customers": "柳州市有出口意愿的制造业中小企业",
            "overview": "帮助企业开设跨境电商平台店铺，完成产品多语言上架、站内推广与物流对接，"
            "逐步建立海外品牌认知，开拓中高端海外市场。",
            "process": "1. 出海诊断与平台选择；\n2. 店铺开设与产品上架；\n3. 推广投放；"
            "\n4. 数据复盘；\n5. 运营移交与培训。",
            "cycle": "开店入门30天；运营提升3个月；品牌出海6个月",
            "deliverables": "店铺或独立站账号；产品上架清单；运营月报；培训记录。",
            "acceptance": "按所选档位完成店铺开设或运营，月报经企业确认。",
            "market_comparisons": [
                _cmp("深圳某跨境电商服务商", "官网公开报价（代运营）", 70000),
                _cmp("南宁某电子商务有限公司", "报价单（开店入门）", 35000),
            ],
            "internal_basis": "运营人员人工每月1.5万元，独立站建设成本2万元，推广费按实际另计。",
        },
    ),
    (
        LIUZHOU,
        1,
        {
            "name": "品牌策划与中高端展会推广",
            "category": "中高端市场开拓",
            "voucher_types": ["general"],
            "guide_price": 80000,
            "platform_price": 68000,
            "service_area": "柳州市",
            "target_customers": "柳州市拟进入中高端市场的消费品及装备制造企业",
            "overview": "提供品牌定位、视觉识别系统设计与宣传物料制作，"
            "并组织参加一次国内行业展会，完成展位设计搭建与客户邀约。",
            "process": "1. 品牌调研；\n2. 品牌定位与VI设计；\n3. 宣传物料制作；"
            "\n4. 展会参展组织；\n5. 展后客户跟进报告。",
            "cycle": "60天",
            "deliverables": "品牌策划方案；VI手册；宣传册与视频；展会执行报告。",
            "acceptance": "VI手册与物料经企业确认，按期完成参展。",
            "market_comparisons": [
                _cmp("某品牌策划有限公司", "官网公开报价", 90000),
                _cmp("柳州某广告传媒有限公司", "报价单", 85000),
            ],
            "internal_basis": "设计人员人工3.5万元，物料制作1.5万元，展会执行1.8万元。",
        },
    ),
    (
        LIUZHOU,
        1,
        {
            "name": "知识产权管理体系贯标辅导",
            "category": "其他服务",
            "voucher_types": ["general"],
            "guide_price": 30000,
            "platform_price": 25000,
            "service_area": "柳州市",
            "target_customers": "有专利布局需求的科技型中小企业",
            "overview": "依据GB/T 29490《企业知识产权合规管理体系要求》，"
            "辅导企业建立知识产权管理制度，完成内审与管理评审，通过第三方认证。",
            "process": "1. 现状调查；\n2. 体系文件编写；\n3. 体系运行与培训；"
            "\n4. 内审与管理评审；\n5. 认证审核陪同。",
            "cycle": "90天",
            "deliverables": "知识产权管理手册与程序文件；培训记录；内审报告；认证证书（认证费另计）。",
            "acceptance": "企业通过第三方认证机构审核，取得认证证书。",
            "market_comparisons": [
                _cmp("某知识产权咨询有限公司", "官网公开报价", 35000),
                _cmp("南宁某专利事务所", "报价单", 32000),
            ],
            "internal_basis": "咨询师驻场8人天、远程辅导12人天，每人天1200元；税费0.1万元。",
        },
    ),
]


def _pdf(name: str, title: str) -> SimpleUploadedFile:
    """A small one-page PDF (blank page; the title in its metadata)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title, "/Producer": "smevoucher demo"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


class Command(BaseCommand):
    help = (
        "Create on-sale demo products in every category of the demo program (after demo_providers)."
    )

    def handle(self, *args, **options):
        program = Program.objects.filter(code=f"guangxi-demo-{timezone.localdate().year}").first()
        if program is None or not Provider.objects.filter(program=program).exists():
            # demo_data creates the program and runs demo_providers and this command; it does
            # not come back here once the program and its providers exist.
            call_command("demo_data", stdout=self.stdout)
            return None
        reviewer = User.objects.filter(phone=REVIEWER).first()
        if reviewer is None:
            raise CommandError(f"the demo reviewer {REVIEWER} is missing: run demo_data first")
        self._check_categories(program)
        created = 0
        for phone, sets, fields in PRODUCTS:
            provider = self._provider(program, phone)
            if provider is None:
                continue
            product = Product.objects.filter(provider=provider, name=fields["name"]).first()
            if product is None:
                product = self._create(program, provider, sets, fields)
                created += 1
            self._to_sale(product, provider.org.owner, reviewer)
        self.stdout.write(f"demo products ready ({created} created)")
        return None

    def _check_categories(self, program):
        wanted = set(program_version_at(program=program).parsed.categories)
        have = {fields["category"] for _code, _sets, fields in PRODUCTS}
        if wanted - have:
            raise CommandError(f"no demo product in {sorted(wanted - have)}")

    def _provider(self, program, phone: str) -> Provider | None:
        return (
            Provider.objects.select_related("org__owner")
            .filter(program=program, org__owner__phone=phone, status="approved")
            .first()
        )

    @transaction.atomic
    def _create(self, program, provider, sets: int, fields: dict) -> Product:
        owner = provider.org.owner
        name = fields["name"]
        proof = upload_create(
            actor=owner,
            uploaded=_pdf("服务资质证明.pdf", f"{provider.org.name} 资质证明"),
            purpose=services.PROOF_PURPOSE,
        )
        labels = {"contract": "服务合同", "invoice": "发票", "result": "服务成果"}
        materials = []
        for number in range(1, sets + 1):
            for kind, label in labels.items():
                upload = upload_create(
                    actor=owner,
                    uploaded=_pdf(f"第{number}套-{label}.pdf", f"{name} 第{number}套 {label}"),
                    purpose=services.MATERIAL_PURPOSE,
                )
                materials.append({"set_number": number, "kind": kind, "upload_id": str(upload.pk)})
        values = {k: v for k, v in fields.items() if k not in ("guide_price", "platform_price")}
        if "tiers" in fields:
            values["pricing_mode"] = "range"
        else:
            values["pricing_mode"] = "fixed"
            values["guide_price_fen"] = fields["guide_price"] * YUAN
            values["platform_price_fen"] = fields["platform_price"] * YUAN
        data = services.ProductInput(
            **values, proof_upload_ids=[str(proof.pk)], materials=materials
        )
        return services.product_create(actor=owner, program_id=program.pk, data=data)

    @transaction.atomic
    def _to_sale(self, product: Product, owner, reviewer) -> None:
        """Move the product on to 在售 as far as it has not gone: 提交审核, the reviewer's
        approval (every step of the kind's chain), 上传."""
        product.refresh_from_db()
        if product.status == ProductStatus.DRAFT:
            services.product_transition(actor=owner, product_id=product.pk, action="submit")
            product.refresh_from_db()
        for _step in range(10):  # the chain a system admin set may have several steps
            if product.status != ProductStatus.SUBMITTED:
                break
            review = Review.objects.filter(
                kind="product", object_id=str(product.pk), status="submitted"
            ).latest("submitted_at", "pk")
            review_transition(actor=reviewer, review_id=review.pk, action="approve")
            product.refresh_from_db()
        if product.status == ProductStatus.READY:
            services.product_transition(actor=owner, product_id=product.pk, action="publish")
