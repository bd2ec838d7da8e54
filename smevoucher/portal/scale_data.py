"""Province-scale data for benchmarks (`manage.py scale_data`, issue 9).

One province (Guangxi, region 45) as the platform itself could have produced it: the
Guangxi program (its preset moved to this year, created and funded by the program
services), certified enterprises in every city and district, admitted providers with
their categories, products on sale, vouchers issued through approved quota applications,
orders in every state of the Guangxi flow with the ledger movements the order services
make (hold at placement, capture when the deposit is confirmed, release on cancellation),
every cached counter (vouchers, enterprise and provider usage, program accounts) equal
to what its entries say, and one draft redemption claim. `manage.py ledger_check` passes
on the result.

The few rows that decide rules go through the services (the program and its funding,
the staff accounts). Everything else is planned in Python first, respecting each cap as
the services would have checked it at that moment, and then written in bulk: COPY on
PostgreSQL (table and column names from the models' ``_meta``), batched INSERTs elsewhere.
Encrypted columns hold values encrypted by ``core.crypto`` with their blind indexes.

Left out of the bulk history (no page needs them; the services write them for new
actions): review rows and review events of certifications, admissions, products and
quota applications; audit records; order timeline events, contracts, remittances and
service records (orders carry their contract figures and stamps); notifications; proof
uploads of special-voucher applications; redemptions already paid (payable holds every
captured deduction, paid is zero).

It expects a freshly migrated database and refuses to run on one that holds users,
organizations or programs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as NumberInvalid

from smevoucher.accounts.models import User
from smevoucher.catalog.categories import category_description
from smevoucher.catalog.models import PriceHistory, Product, ProductTier
from smevoucher.core.crypto import blind_index, encrypt
from smevoucher.orders.models import Evaluation, Order
from smevoucher.orgs.models import BankAccount, Organization, OrgMember
from smevoucher.programs.models import EnterpriseClassification, Program, ProgramVersion
from smevoucher.programs.presets import guangxi_2024, rules_for_year
from smevoucher.providers.models import Provider
from smevoucher.quotas.models import QuotaApplication
from smevoucher.regions.models import Region
from smevoucher.settlements.models import Claim, ClaimLine
from smevoucher.uploads.models import Upload
from smevoucher.vouchers.choices import AccountKind, Movement
from smevoucher.vouchers.models import (
    EnterpriseUsage,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    ProviderUsage,
    Voucher,
)

SCALE_PASSWORD = "Scale2026pass"
ADMIN_PHONE = "16600000000"
STAFF = (  # phone, name, title, roles
    ("16600000001", "自治区审核员（压测）", "自治区工业和信息化厅", ["reviewer"]),
    ("16600000002", "自治区审批人（压测）", "自治区工业和信息化厅", ["approver"]),
    ("16600000003", "自治区财务人员（压测）", "自治区财政厅", ["finance"]),
)
PROVINCE = "45"
DAY = 86_400.0
WAN = 1_000_000  # 万元 in fen

# Order states of the Guangxi flow (voucher at ordering) and how often each occurs.
STATUS_WEIGHTS = (
    ("awaiting_acceptance", 8),
    ("awaiting_contract", 7),
    ("awaiting_payment", 6),
    ("awaiting_service", 6),
    ("in_service", 8),
    ("awaiting_evaluation", 10),
    ("evaluated", 40),
    ("cancelled", 15),
)
CAPTURED = {"awaiting_service", "in_service", "awaiting_evaluation", "evaluated"}
CONTRACTED = {"awaiting_payment"} | CAPTURED
# How a cancelled order ended: (action, side, needs acceptance first, reason)
CANCELS = (
    ("cancel", "enterprise", False, "企业需求变更，取消订单"),
    ("decline", "provider", False, "服务排期已满，暂无法承接"),
    ("cancel_contract", "enterprise", True, "合同条款未能达成一致"),
)
TIER_WEIGHTS = (("t5", 50), ("t10", 30), ("t20", 15), ("t30", 5))

# --- words of the generated texts ---

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗韦覃莫蒙陆梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌海燕玲晓东林宇鹏辉俊"
BRAND = "华信鑫盛达宏泰隆兴创力源恒通博科联新金海天瑞丰安福德正远成裕嘉伟汇东南星晨光桂邕榕龙凯腾卓越鼎邦弘耀"
INDUSTRIES = (
    "精密机械",
    "汽车零部件",
    "电子科技",
    "新材料",
    "食品加工",
    "化工",
    "建材",
    "纺织",
    "制药",
    "电气设备",
    "智能装备",
    "塑胶制品",
    "铝业",
    "糖业",
    "林产品加工",
    "家具制造",
    "五金制品",
    "环保科技",
    "农业机械",
    "金属制品",
)
SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "制造有限公司")
PROVIDER_KINDS = (
    "企业管理咨询有限公司",
    "信息技术有限公司",
    "检验检测有限公司",
    "知识产权代理有限公司",
    "科技服务有限公司",
    "会计师事务所有限公司",
    "融资担保有限公司",
    "融资租赁有限公司",
    "品牌策划有限公司",
)
SERVICES = {
    "企业诊断": (
        "企业经营管理诊断",
        "数字化转型诊断评估",
        "精益生产诊断咨询",
        "质量管理体系诊断",
        "财务健康诊断",
        "安全生产诊断",
        "供应链管理诊断",
        "绿色制造能耗诊断",
    ),
    "数字化转型": (
        "MES制造执行系统实施",
        "ERP系统部署与咨询",
        "工业互联网平台接入",
        "设备联网与数据采集",
        "数字化车间改造咨询",
        "工业软件上云",
        "数据治理咨询",
        "智能制造系统集成",
    ),
    "技术创新": (
        "知识产权贯标咨询",
        "专利导航与布局",
        "知识产权分析评议",
        "高新技术企业认定咨询",
        "研发费用加计扣除辅导",
        "工艺改进技术攻关",
        "科技项目申报咨询",
        "产学研合作对接",
    ),
    "融资服务": (
        "融资方案设计咨询",
        "企业信用评级",
        "上市辅导咨询",
        "供应链金融对接",
        "股权融资路演辅导",
        "财务规范化咨询",
    ),
    "高阶检验检测验证": (
        "产品型式试验",
        "可靠性检验检测",
        "计量校准服务",
        "环境与安全检测认证",
        "CNAS检验检测",
        "产品认证咨询",
    ),
    "中高端市场开拓": (
        "品牌策划与推广",
        "跨境电商运营",
        "国际展会参展服务",
        "渠道拓展咨询",
        "市场调研与营销策划",
        "工业设计服务",
    ),
    "直接设备租赁": (
        "数控机床直接租赁",
        "工业机器人租赁",
        "生产线设备租赁",
        "检测设备租赁",
        "节能设备租赁",
    ),
    "融资担保": (
        "设备更新融资担保",
        "技术改造贷款担保",
        "中小企业融资担保",
        "供应链融资担保",
    ),
    "其他服务": (
        "人力资源管理咨询",
        "法律顾问服务",
        "安全生产标准化咨询",
        "管理咨询培训",
        "节能诊断咨询",
    ),
}
QUALIFIERS = ("", "", "中小企业", "制造业企业", "规上企业", "专精特新企业", "园区企业")
EDITIONS = ("", "（基础版）", "（标准版）", "（专业版）", "服务包", "一站式服务", "年度服务")
SEARCH_WORDS = ("咨询", "诊断", "检测", "租赁", "担保", "知识产权", "检验检测", "智能制造")
TIER_CONTENTS = (
    "基础服务：现场调研与报告",
    "标准服务：方案设计与实施指导",
    "深度服务：全流程实施与驻场辅导",
    "旗舰服务：定制化实施与一年跟踪",
)
EVALUATIONS = (
    "服务专业，响应及时",
    "方案切实可行，效果明显",
    "团队经验丰富，沟通顺畅",
    "按期交付，满意",
    "",
)


@dataclass(frozen=True)
class Sizes:
    enterprises: int = 1_000_000
    providers: int = 2_000
    products: int = 100_000
    vouchers: int = 500_000
    orders: int = 1_000_000
    claim_orders: int = 10_000
    hot_orders: int = 100
    seed: int = 2026


class ScaleDataError(Exception):
    """Sizes that do not fit together, or a database that is not fresh."""


# --- writing rows ---


class Writer:
    """Writes rows into a model's table: COPY on PostgreSQL, batched INSERT elsewhere.
    Records the rows and the seconds of each table."""

    BATCH = 5_000

    def __init__(self, log: Callable[[str], None]):
        self.log = log
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.postgres = connection.vendor == "postgresql"
        self.written: list[type[models.Model]] = []

    @staticmethod
    def next_id(model: type[models.Model]) -> int:
        return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def _converters(self, fields: list[models.Field]) -> list[Callable | None]:
        ops = connection.ops
        found: list[Callable | None] = []
        for field in fields:
            kind = (field.target_field if field.is_relation else field).get_internal_type()
            if kind == "JSONField":
                found.append(lambda v: json.dumps(v, ensure_ascii=False))
            elif self.postgres:
                found.append(None)
            elif kind == "DateTimeField":
                found.append(ops.adapt_datetimefield_value)
            elif kind == "DateField":
                found.append(ops.adapt_datefield_value)
            elif kind == "UUIDField":
                found.append(lambda v: v.hex if v is not None else None)
            else:
                found.append(None)
        return found

    def write(self, model: type[models.Model], names: list[str], rows: Iterable[tuple]) -> int:
        started = time.monotonic()
        meta = model._meta
        fields = [meta.get_field(name) for name in names]
        columns = [field.column for field in fields]
        converters = self._converters(fields)
        pairs = [(i, c) for i, c in enumerate(converters) if c is not None]

        def prepared():
            for row in rows:
                if pairs:
                    row = list(row)
                    for i, convert in pairs:
                        if row[i] is not None:
                            row[i] = convert(row[i])
                yield row

        count = 0
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        column_sql = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                    for row in prepared():
                        copy.write_row(row)
                        count += 1
            else:
                marks = ", ".join(["%s"] * len(columns))
                # Names come from the models' _meta, quoted; the values are parameters.
                sql = f"INSERT INTO {table} ({column_sql}) VALUES ({marks})"  # noqa: S608
                batch = []
                for row in prepared():
                    batch.append(row)
                    if len(batch) >= self.BATCH:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        label = meta.label
        seconds = time.monotonic() - started
        self.counts[label] = self.counts.get(label, 0) + count
        self.seconds[label] = self.seconds.get(label, 0.0) + seconds
        if model not in self.written:
            self.written.append(model)
        self.log(f"{label}: {count} rows in {seconds:.1f}s")
        return count

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), self.written)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


# --- identity numbers ---


def _org_code_check(body: str) -> str:
    """The check character of a 9-character organization code (GB 11714), inside a USCC."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    value = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def make_uscc(district: str, serial: int) -> str:
    body = f"{serial:08d}"
    first = f"91{district}{body}{_org_code_check(body)}"
    return first + uscc.calc_check_digit(first)


def make_id_number(prefix: str, birth: dt.date, serial: int) -> str:
    body = f"{prefix}{birth:%Y%m%d}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _id_prefixes(districts: list[str]) -> dict[int, list[str]]:
    """Per birth year, the district codes the ID-number standard's data knows as a
    birthplace in that year (many Guangxi codes date from the 1980s or later)."""
    found: dict[int, list[str]] = {}
    for year in range(1975, 2001):
        good = []
        for code in districts:
            try:
                ric.validate(make_id_number(code, dt.date(year, 6, 1), 1))
            except NumberInvalid:
                continue  # not a birthplace the standard's data knows for that year
            good.append(code)
        if good:
            found[year] = good
    return found or {1985: ["450202"]}


# --- the generator ---


class _Plan:
    """Everything decided before writing, as plain lists indexed like the rows."""


def _pick_weighted(rng: random.Random, pairs):
    keys = [k for k, _w in pairs]
    weights = [w for _k, w in pairs]
    return lambda: rng.choices(keys, weights)[0]


def _ts(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


class Generator:
    def __init__(self, sizes: Sizes, log: Callable[[str], None]):
        self.s = sizes
        self.log = log
        self.rng = random.Random(sizes.seed)
        self.w = Writer(log)
        self.tz = timezone.get_current_timezone()

    # ---------- checks and setup ----------

    def check(self) -> None:
        s = self.s
        if User.objects.exists() or Organization.objects.exists() or Program.objects.exists():
            raise ScaleDataError(
                "scale_data expects a freshly migrated database, and this one already holds "
                "users, organizations or programs: create an empty database, migrate, run again"
            )
        if min(s.enterprises, s.providers, s.products, s.vouchers, s.orders) <= 0:
            raise ScaleDataError("every size must be positive")
        if s.providers < 3:
            raise ScaleDataError("at least 3 providers (order products, the claim, history)")
        if s.products < 10:
            raise ScaleDataError("at least 10 products")
        self.claim_rush_n = max(1, min(10_000, math.ceil(s.enterprises / 100)))
        holders = s.enterprises - self.claim_rush_n
        self.special_n = s.vouchers * 6 // 100
        self.general_n = s.vouchers - self.special_n
        if self.general_n > holders or self.general_n < 3:
            raise ScaleDataError(
                f"{s.vouchers} vouchers do not fit {s.enterprises} enterprises "
                f"({self.claim_rush_n} are kept without vouchers for the claim rush)"
            )
        self.orderers_n = max(1, min(3_000, self.general_n // 20))
        if self.general_n - self.orderers_n - 1 < 1:
            raise ScaleDataError("too few vouchers for the orderers and the hot voucher")
        if s.claim_orders < 1 or s.claim_orders > s.orders // 2:
            raise ScaleDataError("--claim-orders must be between 1 and half of --orders")
        if s.hot_orders < 1:
            raise ScaleDataError("--hot-orders must be positive")

    def setup_services(self) -> None:
        """Admin, staff and the program, through the services (few rows, with their rules)."""
        from smevoucher.accounts.services import user_create
        from smevoucher.programs.services import program_create
        from smevoucher.staff.services import staff_create

        started = time.monotonic()
        admin = user_create(
            actor=None,
            phone=ADMIN_PHONE,
            display_name="平台系统管理员（压测）",
            password=SCALE_PASSWORD,
            is_superuser=True,
        )
        self.staff = {}
        for phone, name, title, roles in STAFF:
            user = staff_create(
                actor=admin,
                phone=phone,
                display_name=name,
                title=title,
                region_code=PROVINCE,
                roles=roles,
                password=SCALE_PASSWORD,
            )
            self.staff[roles[0]] = user.pk
        self.admin_id = admin.pk
        year = self.today.year
        rules = rules_for_year(guangxi_2024.RULES, year, guangxi_2024.YEAR)
        history_from = _ts(self.h0).astimezone(self.tz).date()
        until_at_least = self.today + dt.timedelta(days=14)
        for rule in rules["voucher_types"]:
            # The vouchers must be usable over the whole history and for the benchmark.
            rule["valid_from"] = min(dt.date.fromisoformat(rule["valid_from"]), history_from)
            rule["valid_from"] = rule["valid_from"].isoformat()
            rule["valid_until"] = max(dt.date.fromisoformat(rule["valid_until"]), until_at_least)
            rule["valid_until"] = rule["valid_until"].isoformat()
        rules["budget_fen"] = self.budget_fen
        self.rules_dict = rules
        program = program_create(
            actor=admin,
            code=f"guangxi-scale-{year}",
            name=f"广西制造业企业培优育强服务券（{year}年度）",
            policy_title=guangxi_2024.POLICY,
            region_code=PROVINCE,
            year=year,
            rules=rules,
            effective_from=_ts(self.h0 - 120 * DAY),
        )
        self.program = program
        self.version = ProgramVersion.objects.get(program=program, number=1)
        self.rules = self.version.parsed
        accounts = {
            a.kind: a for a in LedgerAccount.objects.filter(program=program, voucher__isnull=True)
        }
        for kind in (AccountKind.PAYABLE, AccountKind.PAID):
            if kind not in accounts:
                accounts[kind] = LedgerAccount.objects.create(program=program, kind=kind)
        self.program_accounts = accounts
        self.w.seconds["services (admin, staff, program)"] = time.monotonic() - started
        self.log(f"services (admin, staff, program): {time.monotonic() - started:.1f}s")

    # ---------- planning ----------

    def plan_time(self) -> None:
        now = timezone.localtime()
        self.today = now.date()
        start_of_today = dt.datetime.combine(self.today, dt.time(), tzinfo=self.tz)
        self.h1 = start_of_today.timestamp() - 60  # history ends before today: numbers never clash
        self.h0 = self.h1 - 80 * DAY
        self.issue_until = self.h0 + 15 * DAY
        self.orders_from = self.issue_until + DAY

    def plan_regions(self) -> None:
        regions = list(Region.objects.filter(code__startswith=PROVINCE).values_list("code", "name"))
        names = dict(regions)
        cities = sorted(code for code in names if len(code) == 4)
        districts = defaultdict(list)
        for code in names:
            if len(code) == 6:
                districts[code[:4]].append(code)
        cities = [c for c in cities if districts[c]]
        if not cities:
            raise ScaleDataError("the Region table holds no districts of Guangxi (45)")
        weights = {"4501": 4, "4502": 3, "4503": 2, "4504": 1.5, "4505": 1.5}
        self.region_names = names
        self.city_pick = _pick_weighted(self.rng, [(c, weights.get(c, 1)) for c in cities])
        self.districts = {c: sorted(districts[c]) for c in cities}
        self.id_prefixes = _id_prefixes(sorted(c for d in districts.values() for c in d))
        self.birth_years = sorted(self.id_prefixes)

    def _district(self) -> str:
        return self.rng.choice(self.districts[self.city_pick()])

    def _person(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    def plan_people(self) -> None:
        """Users and organizations: enterprises first, then providers."""
        s, rng = self.s, self.rng
        n_orgs = s.enterprises + s.providers
        self.org_district = []
        self.org_name = []
        self.org_uscc = []
        for i in range(n_orgs):
            district = self._district()
            self.org_district.append(district)
            if i < s.enterprises:
                city = self.region_names[district[:4]]
                name = (
                    f"{city}{rng.choice(BRAND)}{rng.choice(BRAND)}"
                    f"{rng.choice(INDUSTRIES)}{rng.choice(SUFFIXES)}"
                )
            else:
                name = f"广西{rng.choice(BRAND)}{rng.choice(BRAND)}{rng.choice(PROVIDER_KINDS)}"
            self.org_name.append(name)
            self.org_uscc.append(make_uscc(district, 10_000_000 + i))

    def plan_vouchers(self) -> None:
        """Who holds which voucher; the tiers follow from classification rows."""
        s, rng = self.s, self.rng
        enterprise_ids = list(range(s.enterprises))
        rng.shuffle(enterprise_ids)
        self.claim_rush = enterprise_ids[: self.claim_rush_n]
        general_holders = enterprise_ids[self.claim_rush_n : self.claim_rush_n + self.general_n]
        self.orderer_orgs = general_holders[: self.orderers_n]
        self.hot_org = general_holders[self.orderers_n]
        history_general = general_holders[self.orderers_n + 1 :]
        tiers = {t.key: t for t in self.rules.tiers}
        tier_pick = _pick_weighted(rng, TIER_WEIGHTS)
        self.org_tier: dict[int, str] = {}
        for org in self.claim_rush + general_holders:
            self.org_tier[org] = tier_pick()
        self.org_tier[self.hot_org] = "t30"
        # Vouchers: (org index, type, amount)
        self.v_org: list[int] = []
        self.v_type: list[str] = []
        self.v_total: list[int] = []
        for org in general_holders:
            self.v_org.append(org)
            self.v_type.append("general")
            self.v_total.append(tiers[self.org_tier[org]].amount_fen)
        special_orgs = rng.sample(history_general, min(self.special_n, len(history_general)))
        for org in special_orgs:
            kind = "guarantee" if rng.random() < 0.6 else "leasing"
            cap = self.rules.voucher_type(kind).annual_cap_fen
            amount = rng.randrange(2, 31) * WAN // 2  # 1万 .. 15万
            self.v_org.append(org)
            self.v_type.append(kind)
            self.v_total.append(min(amount, cap))
        self.voucher_of_org = {org: v for v, org in enumerate(self.v_org[: len(general_holders)])}
        self.n_vouchers = len(self.v_org)
        issued = sum(self.v_total)
        rush = self.claim_rush_n * max(t.amount_fen for t in self.rules.tiers)
        # What the program was funded with: everything issued, the claim rush, a reserve.
        self.budget_fen = issued + rush + max(issued // 10, 100 * WAN)

    def plan_catalog(self) -> None:
        s, rng = self.s, self.rng
        categories = list(self.rules.categories)
        self.categories = categories
        n_prov = s.providers
        reserved_need = math.ceil(self.orderers_n * 20 * 1_500 * 100 * 1.5 / (500 * WAN))
        self.reserved_n = max(1, min(reserved_need, n_prov // 4 or 1))
        self.claim_provider = self.reserved_n  # provider index
        history = list(range(self.reserved_n + 1, n_prov))
        self.history_providers = history
        plain = [c for c in categories if c not in ("融资担保", "直接设备租赁")]
        self.p_categories: list[list[str]] = []
        for p in range(n_prov):
            if p <= self.reserved_n:
                chosen = {plain[p % len(plain)]}
            else:
                j = p - self.reserved_n - 1
                if len(history) < len(categories):
                    chosen = {c for k, c in enumerate(categories) if k % len(history) == j}
                else:
                    chosen = {categories[j % len(categories)]}
                chosen |= set(rng.sample(categories, rng.randrange(0, 3)))
            self.p_categories.append(sorted(chosen, key=categories.index))
        by_category = defaultdict(list)
        for p in history:
            for c in self.p_categories[p]:
                by_category[c].append(p)

        # Products: (provider, category, mode, guide, platform, tiers, name)
        self.pr_provider: list[int] = []
        self.pr_category: list[str] = []
        self.pr_tiers: list[list[int]] = []  # tier prices; [] = fixed price
        self.pr_price: list[int] = []  # platform price of a fixed product
        self.pr_guide: list[int | None] = []
        self.pr_name: list[str] = []
        reserved_products = max(1, min(self.reserved_n * 10, s.products // 10))
        claim_products = max(1, min(20, s.products // 20))

        def add(provider: int, category: str, price: int | None, tiers: list[int]):
            base = rng.choice(SERVICES.get(category, ("专业服务",)))
            name = f"{rng.choice(QUALIFIERS)}{base}{rng.choice(EDITIONS)}"
            self.pr_provider.append(provider)
            self.pr_category.append(category)
            self.pr_tiers.append(tiers)
            self.pr_price.append(price or 0)
            top = price if price else max(tiers)
            self.pr_guide.append(top * rng.choice((100, 110, 120, 130)) // 100 if price else None)
            self.pr_name.append(name[:100])

        for k in range(reserved_products):
            p = k % self.reserved_n
            add(p, self.p_categories[p][0], rng.randrange(10, 51) * 10_000, [])
        for _k in range(claim_products):
            p = self.claim_provider
            add(p, self.p_categories[p][0], rng.randrange(100, 151) * 1_000, [])
        for k in range(s.products - reserved_products - claim_products):
            category = categories[k % len(categories)]
            provider = rng.choice(by_category[category])
            # Log-uniform, in whole hundreds: mostly 1,000 .. 50,000 yuan, some up to 200,000
            # (the providers' yearly settlement caps must hold a province's orders).
            low, high = (1_000, 50_000) if rng.random() < 0.9 else (50_000, 200_000)
            price = int(math.exp(rng.uniform(math.log(low), math.log(high)))) // 100 * 10_000
            if rng.random() < 0.2:
                count = rng.randrange(2, 5)
                tiers = sorted(
                    {
                        max(100_000, price * (j + 1) // count // 10_000 * 10_000)
                        for j in range(count)
                    }
                )
                if len(tiers) < 2:
                    tiers = [price, price * 2]
                add(provider, category, None, tiers)
            else:
                add(provider, category, price, [])
        self.n_products = len(self.pr_provider)
        self.order_products = list(range(reserved_products))
        self.claim_products = list(range(reserved_products, reserved_products + claim_products))
        self.history_products = list(range(reserved_products + claim_products, self.n_products))

    def _types_of(self, category: str) -> list[str]:
        return [
            rule.key
            for rule in self.rules.voucher_types
            if not rule.categories or category in rule.categories
        ]

    def plan_orders(self) -> None:
        """Every order with its deduction, decided as `order_place` would have: the most
        every cap allowed at that moment (or less, where the enterprise chose less)."""
        s, rng = self.s, self.rng
        ratio = self.rules.subsidy_ratio_bp
        ent_cap = self.rules.enterprise_annual_deduction_cap_fen
        prov_cap = self.rules.provider_annual_settlement_cap_fen
        # Conservative counters: every hold so far, whatever was released since, so each
        # cap held however the releases were timed.
        self.v_holds = [0] * self.n_vouchers
        self.v_held = [0] * self.n_vouchers
        self.v_used = [0] * self.n_vouchers
        ent_holds: dict[int, int] = defaultdict(int)
        prov_holds: dict[int, int] = defaultdict(int)
        self.orders: list[tuple] = []
        # (voucher, product, tier position or 0, price, deduction, status, cancel kind)
        status_pick = _pick_weighted(rng, STATUS_WEIGHTS)
        by_type_products: dict[str, list[int]] = defaultdict(list)
        for k in self.history_products:
            for key in self._types_of(self.pr_category[k]):
                by_type_products[key].append(k)

        def price_of(k: int) -> tuple[int, int]:
            tiers = self.pr_tiers[k]
            if not tiers:
                return 0, self.pr_price[k]
            position = rng.randrange(len(tiers))
            return position + 1, tiers[position]

        def place(v: int, k: int, status: str, *, wanted: int | None = None) -> bool:
            position, price = price_of(k)
            org = self.v_org[v]
            provider = self.pr_provider[k]
            most = min(
                price * ratio // 10_000,
                self.v_total[v] - self.v_holds[v],
                ent_cap - ent_holds[org] if ent_cap is not None else price,
                prov_cap - prov_holds[provider] if prov_cap is not None else price,
            )
            deduction = most if wanted is None else min(wanted, most)
            if deduction <= 0:
                return False
            self.v_holds[v] += deduction
            ent_holds[org] += deduction
            prov_holds[provider] += deduction
            cancel = rng.randrange(len(CANCELS)) if status == "cancelled" else -1
            if status == "cancelled":
                pass  # released: back to available
            elif status in CAPTURED:
                self.v_used[v] += deduction
            else:
                self.v_held[v] += deduction
            self.orders.append((v, k, position, price, deduction, status, cancel))
            return True

        # The redemption claim's orders: evaluated, on the claim provider's cheap products.
        history_general = [
            v
            for v in range(self.n_vouchers)
            if self.v_type[v] == "general"
            and self.v_org[v] not in self.orderer_set
            and self.v_org[v] != self.hot_org
        ]
        placed = tries = 0
        while placed < s.claim_orders and tries < s.claim_orders * 20:
            tries += 1
            if place(rng.choice(history_general), rng.choice(self.claim_products), "evaluated"):
                placed += 1
        if placed < s.claim_orders:
            raise ScaleDataError("could not place the claim's orders within the caps")
        self.claim_order_count = placed

        # The hot voucher: history leaves exactly N orders of the hot product on it.
        hot_v = self.voucher_of_org[self.hot_org]
        hot_product = self.order_products[0]
        self.hot_product = hot_product
        self.hot_deduction = self.pr_price[hot_product] * ratio // 10_000
        left = self.v_total[hot_v] - s.hot_orders * self.hot_deduction
        if left < 0:
            raise ScaleDataError("--hot-orders is more than one voucher of the top tier holds")
        biggest = sorted(
            (k for k in self.history_products if not self.pr_tiers[k]),
            key=lambda k: -self.pr_price[k],
        )
        hot_history = 0
        for k in biggest * 10:
            if left <= 0:
                break
            before = self.v_holds[hot_v]
            if place(hot_v, k, "evaluated", wanted=left):
                left -= self.v_holds[hot_v] - before
                hot_history += 1
        if left != 0:
            raise ScaleDataError("could not use up the hot voucher's history within the caps")

        # Everything else, in every state (each state at least once).
        pool = list(history_general) + [
            v
            for v in range(self.n_vouchers)
            if self.v_type[v] != "general" and by_type_products[self.v_type[v]]
        ]
        remaining = s.orders - placed - hot_history
        statuses = [key for key, _w in STATUS_WEIGHTS]
        n = 0
        misses = 0
        products_of: dict[int, list[int]] = defaultdict(list)
        for k in self.history_products:
            products_of[self.pr_provider[k]].append(k)
        full: set[int] = set()
        while n < remaining and pool:
            index = rng.randrange(len(pool))
            v = pool[index]
            products = by_type_products[self.v_type[v]]
            if not products:
                pool[index] = pool[-1]
                pool.pop()
                continue
            status = statuses[n] if n < len(statuses) else status_pick()
            k = rng.choice(products)
            if place(v, k, status):
                n += 1
                misses = 0
            else:
                misses += 1
                if self.v_total[v] - self.v_holds[v] <= 0:
                    pool[index] = pool[-1]
                    pool.pop()
                if misses > 10_000:
                    break
            provider = self.pr_provider[k]
            if (
                prov_cap is not None
                and provider not in full
                and prov_cap - prov_holds[provider] < 100_000
            ):
                # A provider near its yearly cap takes no more orders: off the lists.
                full.add(provider)
                gone = set(products_of[provider])
                for key, listed in by_type_products.items():
                    by_type_products[key] = [x for x in listed if x not in gone]
        if n < remaining:
            raise ScaleDataError(f"only {n} of {remaining} orders fit the vouchers and caps")

        # Times: orders spread over the history, in the order they were placed; each order
        # moves on in steps that end before the history does.
        count = len(self.orders)
        span = self.h1 - self.orders_from
        self.o_created = []
        self.o_step = []
        for i in range(count):
            created = self.orders_from + span * (i + rng.random()) / count
            self.o_created.append(created)
            self.o_step.append(min(rng.uniform(0.2, 2.0) * DAY, (self.h1 - created) / 8))
        self.ent_holds, self.prov_holds = ent_holds, prov_holds

    # ---------- writing ----------

    def _number(self, prefix: str, when: float, counters: dict) -> str:
        local = _ts(when).astimezone(self.tz)
        day = local.date()
        counters[day] = counters.get(day, 0) + 1
        return f"{prefix}{local:%Y%m%d%H%M%S}{counters[day]:04d}"

    def write_people(self) -> None:
        s, rng, w = self.s, self.rng, self.w
        self.user_base = w.next_id(User)
        self.org_base = w.next_id(Organization)
        password = make_password(SCALE_PASSWORD)
        n_orgs = s.enterprises + s.providers
        joined = [self.h0 - rng.uniform(40, 300) * DAY for _ in range(n_orgs)]
        self.org_joined = joined

        def phone(i: int) -> str:
            return f"17{i:09d}" if i < s.enterprises else f"15{i - s.enterprises:09d}"

        self.org_phone = phone
        w.write(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "phone",
                "display_name",
                "is_staff",
                "is_active",
                "date_joined",
                "password_changed_at",
            ],
            (
                (
                    self.user_base + i,
                    password,
                    False,
                    phone(i),
                    self.org_name[i],
                    False,
                    True,
                    _ts(joined[i]),
                    _ts(joined[i]),
                )
                for i in range(n_orgs)
            ),
        )

        def orgs():
            for i in range(n_orgs):
                year = rng.choice(self.birth_years)
                birth = dt.date(year, rng.randrange(1, 13), rng.randrange(1, 29))
                number = make_id_number(rng.choice(self.id_prefixes[year]), birth, i)
                certified = _ts(joined[i] + rng.uniform(1, 10) * DAY)
                district = self.org_district[i]
                yield (
                    self.org_base + i,
                    "enterprise" if i < s.enterprises else "provider",
                    self.org_name[i],
                    self.org_uscc[i],
                    district,
                    district,
                    f"{self.region_names[district[:4]]}{self.region_names[district]}"
                    f"{rng.choice(BRAND)}{rng.choice('路街大道')}{rng.randrange(1, 300)}号",
                    self._person(),
                    "resident_id",
                    encrypt(number),
                    blind_index(number, purpose="id_number"),
                    "approved",
                    self.user_base + i,
                    _ts(joined[i] + 0.5 * DAY),
                    certified,
                    _ts(joined[i]),
                    certified,
                )

        w.write(
            Organization,
            [
                "id",
                "kind",
                "name",
                "uscc",
                "region",
                "region_code",
                "address",
                "legal_rep_name",
                "legal_rep_id_type",
                "legal_rep_id_number",
                "legal_rep_id_index",
                "status",
                "owner",
                "agreed_at",
                "certified_at",
                "created_at",
                "updated_at",
            ],
            orgs(),
        )
        base = w.next_id(OrgMember)
        w.write(
            OrgMember,
            [
                "id",
                "org",
                "user",
                "role",
                "person_name",
                "id_type",
                "id_number",
                "id_index",
                "created_at",
            ],
            (
                (
                    base + i,
                    self.org_base + i,
                    self.user_base + i,
                    "owner",
                    "",
                    "",
                    "",
                    "",
                    _ts(joined[i]),
                )
                for i in range(n_orgs)
            ),
        )

    def write_providers(self) -> None:
        s, rng, w = self.s, self.rng, self.w
        self.provider_base = w.next_id(Provider)
        first = s.enterprises

        def rows():
            for p in range(s.providers):
                i = first + p
                applied = _ts(self.org_joined[i] + 12 * DAY)
                approved = _ts(self.org_joined[i] + 15 * DAY)
                cats = self.p_categories[p]
                yield (
                    self.provider_base + p,
                    self.program.pk,
                    self.org_base + i,
                    "approved",
                    "provincial",
                    PROVINCE,
                    cats,
                    f"{self.org_name[i]}是广西区内专业服务机构，深耕{'、'.join(cats)}领域多年，"
                    "拥有专职服务团队，已为数百家制造业企业提供服务。",
                    f"0771-{rng.randrange(2_000_000, 9_999_999)}",
                    f"{self.region_names[self.org_district[i]]}{rng.choice(BRAND)}路{rng.randrange(1, 300)}号",
                    "周一至周五 8:30-17:30",
                    "",
                    applied,
                    approved,
                    self.user_base + i,
                    applied,
                )

        w.write(
            Provider,
            [
                "id",
                "program",
                "org",
                "status",
                "level",
                "scope_code",
                "categories",
                "intro",
                "contact_phone",
                "address",
                "working_hours",
                "suspended_reason",
                "applied_at",
                "approved_at",
                "created_by",
                "created_at",
            ],
            rows(),
        )
        base = w.next_id(BankAccount)

        def accounts():
            for p in range(s.providers):
                i = first + p
                number = f"4500{rng.randrange(10**11, 10**12)}{p % 10}"
                yield (
                    base + p,
                    self.org_base + i,
                    self.org_name[i],
                    "中国工商银行",
                    f"中国工商银行{self.region_names[self.org_district[i][:4]]}分行",
                    self.org_district[i],
                    encrypt(number),
                    blind_index(number, purpose="bank_account"),
                    number[-4:],
                    _ts(self.org_joined[i] + 5 * DAY),
                )

        w.write(
            BankAccount,
            [
                "id",
                "org",
                "account_name",
                "bank_name",
                "branch_name",
                "region",
                "account_number",
                "account_index",
                "account_last4",
                "updated_at",
            ],
            accounts(),
        )

    def write_products(self) -> None:
        rng, w = self.rng, self.w
        self.product_base = w.next_id(Product)
        applications = [0] * self.n_products
        sales = [0] * self.n_products
        for _v, k, _pos, _price, _d, status, _c in self.orders:
            applications[k] += 1
            if status == "evaluated":
                sales[k] += 1
        on_sale = [self.h0 - rng.uniform(5, 60) * DAY for _ in range(self.n_products)]
        self.pr_on_sale = on_sale

        def rows():
            for k in range(self.n_products):
                category = self.pr_category[k]
                name = self.pr_name[k]
                types = self._types_of(category)
                tiers = self.pr_tiers[k]
                fixed = not tiers
                low = self.pr_price[k] if fixed else min(tiers)
                high = self.pr_price[k] if fixed else max(tiers)
                owner = self.user_base + self.s.enterprises + self.pr_provider[k]
                description = category_description(category)
                yield (
                    self.product_base + k,
                    self.provider_base + self.pr_provider[k],
                    self.program.pk,
                    name,
                    category,
                    types,
                    "|" + "|".join(types) + "|",
                    any(self.rules.voucher_type(t).kind == "general" for t in types),
                    any(self.rules.voucher_type(t).kind == "special" for t in types),
                    "广西壮族自治区",
                    "广西区内注册的制造业中小企业",
                    f"{name}：{description}服务团队由具有十年以上行业经验的专业人员组成，"
                    "结合企业实际情况提供有针对性的解决方案。",
                    "1. 需求沟通与现场调研；2. 制定服务方案并与企业确认；3. 组织实施；"
                    "4. 交付成果并组织验收；5. 回访与持续改进。",
                    rng.choice(("15个工作日", "30天", "45天", "2个月", "3个月")),
                    "服务报告、实施方案及相关过程资料。",
                    "企业确认服务报告并签署验收单。",
                    "fixed" if fixed else "range",
                    self.pr_guide[k],
                    self.pr_price[k] if fixed else None,
                    low,
                    high,
                    "",
                    "",
                    [
                        {
                            "name": "区内同类服务机构A",
                            "source": "公开报价",
                            "price_fen": high * 115 // 100,
                        },
                        {
                            "name": "区外同类服务机构B",
                            "source": "询价记录",
                            "price_fen": high * 125 // 100,
                        },
                    ],
                    "按人员投入工时、差旅及专家费用核定，低于市场平均价格。",
                    "on_sale",
                    applications[k] * 5 + rng.randrange(0, 200),
                    applications[k],
                    sales[k],
                    0,
                    owner,
                    _ts(on_sale[k] - 10 * DAY),
                    _ts(on_sale[k]),
                    _ts(on_sale[k]),
                )

        w.write(
            Product,
            [
                "id",
                "provider",
                "program",
                "name",
                "category",
                "voucher_types",
                "voucher_type_keys",
                "accepts_general",
                "accepts_special",
                "service_area",
                "target_customers",
                "overview",
                "process",
                "cycle",
                "deliverables",
                "acceptance",
                "pricing_mode",
                "guide_price_fen",
                "platform_price_fen",
                "min_price_fen",
                "max_price_fen",
                "guide_doc_name",
                "guide_doc_number",
                "market_comparisons",
                "internal_basis",
                "status",
                "visit_count",
                "application_count",
                "sales_count",
                "revenue_fen",
                "created_by",
                "created_at",
                "updated_at",
                "on_sale_at",
            ],
            rows(),
        )
        tier_base = w.next_id(ProductTier)
        self.tier_id: dict[tuple[int, int], int] = {}

        def tier_rows():
            n = 0
            for k in range(self.n_products):
                for position, price in enumerate(self.pr_tiers[k], start=1):
                    self.tier_id[(k, position)] = tier_base + n
                    yield (
                        tier_base + n,
                        self.product_base + k,
                        position,
                        TIER_CONTENTS[(position - 1) % len(TIER_CONTENTS)],
                        price,
                    )
                    n += 1

        w.write(ProductTier, ["id", "product", "position", "content", "price_fen"], tier_rows())
        base = w.next_id(PriceHistory)
        w.write(
            PriceHistory,
            [
                "id",
                "product",
                "pricing_mode",
                "guide_price_fen",
                "platform_price_fen",
                "tiers",
                "changed_at",
            ],
            (
                (
                    base + k,
                    self.product_base + k,
                    "range" if self.pr_tiers[k] else "fixed",
                    self.pr_guide[k],
                    self.pr_price[k] or None,
                    [
                        {"content": TIER_CONTENTS[(p - 1) % len(TIER_CONTENTS)], "price_fen": price}
                        for p, price in enumerate(self.pr_tiers[k], start=1)
                    ],
                    _ts(self.pr_on_sale[k] - DAY),
                )
                for k in range(self.n_products)
            ),
        )

    def write_classifications(self) -> None:
        rng, w = self.rng, self.w
        classes = {t.key: t.classes for t in self.rules.tiers}
        base = w.next_id(EnterpriseClassification)
        self.org_class: dict[int, str] = {}
        orgs = sorted(self.org_tier)
        for org in orgs:
            self.org_class[org] = rng.choice(classes[self.org_tier[org]])
        w.write(
            EnterpriseClassification,
            ["id", "program", "uscc", "class_code", "enterprise_name", "created_at"],
            (
                (
                    base + n,
                    self.program.pk,
                    self.org_uscc[org],
                    self.org_class[org],
                    self.org_name[org],
                    _ts(self.h0 - 30 * DAY),
                )
                for n, org in enumerate(orgs)
            ),
        )

    def write_vouchers(self) -> None:
        rng, w = self.rng, self.w
        self.voucher_base = w.next_id(Voucher)
        self.account_base = w.next_id(LedgerAccount)
        self.v_issued = [rng.uniform(self.h0, self.issue_until) for _ in range(self.n_vouchers)]
        order = sorted(range(self.n_vouchers), key=lambda v: self.v_issued[v])
        counters: dict = {}
        self.v_number = [""] * self.n_vouchers
        for v in order:
            self.v_number[v] = self._number("SVC", self.v_issued[v], counters)
        types = {t.key: t for t in self.rules.voucher_types}
        year = self.program.year

        def rows():
            for v in range(self.n_vouchers):
                rule = types[self.v_type[v]]
                total = self.v_total[v]
                held, used = self.v_held[v], self.v_used[v]
                yield (
                    self.voucher_base + v,
                    self.v_number[v],
                    self.program.pk,
                    self.version.pk,
                    self.org_base + self.v_org[v],
                    year,
                    rule.key,
                    rule.name,
                    rule.kind,
                    rule.valid_from,
                    rule.valid_until,
                    "",
                    "active",
                    total,
                    total - held - used,
                    held,
                    used,
                    0,
                    _ts(self.v_issued[v]),
                )

        w.write(
            Voucher,
            [
                "id",
                "number",
                "program",
                "program_version",
                "org",
                "year",
                "voucher_type",
                "type_name",
                "kind",
                "valid_from",
                "valid_until",
                "batch_key",
                "status",
                "total_fen",
                "available_fen",
                "held_fen",
                "used_fen",
                "recalled_fen",
                "issued_at",
            ],
            rows(),
        )
        # Two accounts a voucher: available (id base + 2v) and held (base + 2v + 1).
        w.write(
            LedgerAccount,
            ["id", "program", "voucher", "kind", "balance_fen"],
            (
                row
                for v in range(self.n_vouchers)
                for row in (
                    (
                        self.account_base + 2 * v,
                        self.program.pk,
                        self.voucher_base + v,
                        "available",
                        self.v_total[v] - self.v_held[v] - self.v_used[v],
                    ),
                    (
                        self.account_base + 2 * v + 1,
                        self.program.pk,
                        self.voucher_base + v,
                        "held",
                        self.v_held[v],
                    ),
                )
            ),
        )
        tiers = {t.key: t for t in self.rules.tiers}
        qa_base = w.next_id(QuotaApplication)
        self.qa_base = qa_base

        def applications():
            for v in range(self.n_vouchers):
                org = self.v_org[v]
                rule = types[self.v_type[v]]
                if rule.amount_mode == "tier":
                    tier = tiers[self.org_tier[org]]
                    tier_key, tier_name, classes, base_fen = (
                        tier.key,
                        tier.name,
                        [self.org_class[org]],
                        None,
                    )
                else:
                    tier_key, tier_name, classes = "", "", []
                    base_fen = self.v_total[v] * 10_000 // (rule.ratio_bp or 10_000) + 100
                yield (
                    qa_base + v,
                    self.program.pk,
                    self.version.pk,
                    self.org_base + org,
                    self.user_base + org,
                    rule.key,
                    rule.name,
                    "approved",
                    tier_key,
                    tier_name,
                    classes,
                    base_fen,
                    self.v_total[v],
                    "",
                    self.voucher_base + v,
                    _ts(self.v_issued[v] - rng.uniform(1, 3) * DAY),
                    _ts(self.v_issued[v]),
                )

        w.write(
            QuotaApplication,
            [
                "id",
                "program",
                "program_version",
                "org",
                "applicant",
                "voucher_type",
                "type_name",
                "status",
                "tier_key",
                "tier_name",
                "classes",
                "base_fen",
                "amount_fen",
                "batch_key",
                "voucher",
                "created_at",
                "decided_at",
            ],
            applications(),
        )
        usage: dict[int, dict] = {}
        for v in range(self.n_vouchers):
            entry = usage.setdefault(self.v_org[v], {"deducted": 0, "issued": {}})
            entry["deducted"] += self.v_held[v] + self.v_used[v]
            entry["issued"][self.v_type[v]] = (
                entry["issued"].get(self.v_type[v], 0) + self.v_total[v]
            )
        base = w.next_id(EnterpriseUsage)
        w.write(
            EnterpriseUsage,
            ["id", "org", "program", "year", "deducted_fen", "issued"],
            (
                (
                    base + n,
                    self.org_base + org,
                    self.program.pk,
                    year,
                    entry["deducted"],
                    entry["issued"],
                )
                for n, (org, entry) in enumerate(sorted(usage.items()))
            ),
        )

    def _order_times(self, i: int) -> dict:
        created, step = self.o_created[i], self.o_step[i]
        return {
            k: _ts(created + n * step)
            for n, k in enumerate(
                (
                    "created",
                    "accepted",
                    "signed",
                    "captured",
                    "started",
                    "finished",
                    "completed",
                    "evaluated",
                )
            )
        }

    def write_orders(self) -> None:
        rng, w = self.rng, self.w
        self.order_base = w.next_id(Order)
        counters: dict = {}
        self.o_number = [
            self._number("ORD", self.o_created[i], counters) for i in range(len(self.orders))
        ]

        def rows():
            for i, (v, k, position, price, deduction, status, cancel) in enumerate(self.orders):
                t = self._order_times(i)
                org = self.v_org[v]
                contracted = status in CONTRACTED
                pay = price - deduction
                deposit = pay * 3 // 10 // 100 * 100 if contracted else 0
                final = pay - deposit if contracted else 0
                paid = {"awaiting_service": deposit, "in_service": deposit}.get(
                    status, pay if status in ("awaiting_evaluation", "evaluated") else 0
                )
                cancelled = status == "cancelled"
                _action, side, accepted_first, reason = (
                    CANCELS[cancel] if cancelled else ("", "", False, "")
                )
                reached = {
                    "accepted": status not in ("awaiting_acceptance", "cancelled")
                    or accepted_first,
                    "signed": contracted,
                    "started": status in ("in_service", "awaiting_evaluation", "evaluated"),
                    "finished": status in ("awaiting_evaluation", "evaluated")
                    or (status == "in_service" and rng.random() < 0.3),
                    "completed": status in ("awaiting_evaluation", "evaluated"),
                    "evaluated": status == "evaluated",
                }
                cancelled_at = t["signed"] if accepted_first else t["accepted"]
                updated = max(
                    [t["created"]]
                    + [t[key] for key, yes in reached.items() if yes]
                    + ([cancelled_at] if cancelled else [])
                )
                tiers = self.pr_tiers[k]
                yield (
                    self.order_base + i,
                    self.o_number[i],
                    self.program.pk,
                    self.version.pk,
                    "at_order",
                    self.org_base + org,
                    self.provider_base + self.pr_provider[k],
                    self.product_base + k,
                    self.tier_id.get((k, position)) if tiers else None,
                    self.pr_name[k],
                    TIER_CONTENTS[(position - 1) % len(TIER_CONTENTS)] if tiers else "",
                    self.pr_category[k],
                    price,
                    self.voucher_base + v,
                    deduction,
                    deduction if status in CAPTURED else 0,
                    deduction if cancelled else 0,
                    0,
                    price if contracted else None,
                    deposit,
                    final,
                    paid,
                    self.org_district[org][:4],
                    "",
                    status,
                    self.user_base + org,
                    f"scale:{self.o_number[i]}",
                    t["created"],
                    updated,
                    t["accepted"] if reached["accepted"] else None,
                    t["signed"] if reached["signed"] else None,
                    t["started"] if reached["started"] else None,
                    t["finished"] if reached["finished"] else None,
                    t["completed"] if reached["completed"] else None,
                    t["evaluated"] if reached["evaluated"] else None,
                    cancelled_at if cancelled else None,
                    side,
                    reason,
                )

        w.write(
            Order,
            [
                "id",
                "number",
                "program",
                "program_version",
                "voucher_mode",
                "enterprise",
                "provider",
                "product",
                "tier",
                "product_name",
                "tier_content",
                "category",
                "amount_fen",
                "voucher",
                "deduction_fen",
                "captured_fen",
                "released_fen",
                "refunded_fen",
                "contract_amount_fen",
                "deposit_fen",
                "final_fen",
                "paid_fen",
                "city_code",
                "note",
                "status",
                "placed_by",
                "idempotency_key",
                "created_at",
                "updated_at",
                "accepted_at",
                "signed_at",
                "service_started_at",
                "service_finished_at",
                "completed_at",
                "evaluated_at",
                "cancelled_at",
                "cancelled_by",
                "cancel_reason",
            ],
            rows(),
        )
        base = w.next_id(Evaluation)
        evaluated = [i for i, row in enumerate(self.orders) if row[5] == "evaluated"]
        self.evaluated_orders = evaluated
        w.write(
            Evaluation,
            ["id", "order", "provider", "stars", "content", "created_by", "created_at"],
            (
                (
                    base + n,
                    self.order_base + i,
                    self.provider_base + self.pr_provider[self.orders[i][1]],
                    rng.choice((3, 4, 4, 5, 5, 5)),
                    rng.choice(EVALUATIONS),
                    self.user_base + self.v_org[self.orders[i][0]],
                    self._order_times(i)["evaluated"],
                )
                for n, i in enumerate(evaluated)
            ),
        )

    def _movements(self):
        """Every ledger transaction, in id order: the issues, then each order's hold and its
        capture or release. Yields (movement, voucher, amount, key, ref, provider, city,
        actor, at, legs) with legs as (account id, amount)."""
        budget = self.program_accounts[AccountKind.BUDGET].pk
        payable = self.program_accounts[AccountKind.PAYABLE].pk
        reviewer = self.staff["reviewer"]
        for v in range(self.n_vouchers):
            available = self.account_base + 2 * v
            amount = self.v_total[v]
            yield (
                Movement.ISSUE,
                v,
                amount,
                f"quota-application:{self.qa_base + v}",
                f"quota:{self.qa_base + v}",
                None,
                None,
                reviewer,
                self.v_issued[v],
                ((budget, -amount), (available, amount)),
            )
        provider_user0 = self.user_base + self.s.enterprises
        for i, (v, k, _position, _price, deduction, status, cancel) in enumerate(self.orders):
            number = self.o_number[i]
            available = self.account_base + 2 * v
            held = available + 1
            provider = self.pr_provider[k]
            city = self.org_district[self.v_org[v]][:4]
            created, step = self.o_created[i], self.o_step[i]
            enterprise_user = self.user_base + self.v_org[v]
            yield (
                Movement.HOLD,
                v,
                deduction,
                f"order:{number}:hold",
                number,
                provider,
                city,
                enterprise_user,
                created,
                ((available, -deduction), (held, deduction)),
            )
            if status in CAPTURED:
                yield (
                    Movement.CAPTURE,
                    v,
                    deduction,
                    f"order:{number}:capture",
                    number,
                    provider,
                    city,
                    provider_user0 + provider,
                    created + 3 * step,
                    ((held, -deduction), (payable, deduction)),
                )
            elif status == "cancelled":
                _action, side, accepted_first, _reason = CANCELS[cancel]
                actor = enterprise_user if side == "enterprise" else provider_user0 + provider
                yield (
                    Movement.RELEASE,
                    v,
                    deduction,
                    f"order:{number}:release:cancel",
                    number,
                    provider,
                    city,
                    actor,
                    created + (2 if accepted_first else 1) * step,
                    ((held, -deduction), (available, deduction)),
                )

    def write_ledger(self) -> None:
        w = self.w
        program = self.program.pk
        txn_base = w.next_id(LedgerTransaction)
        entry_base = w.next_id(LedgerEntry)

        def transactions():
            for n, (movement, v, amount, key, ref, provider, city, actor, at, _legs) in enumerate(
                self._movements()
            ):
                yield (
                    txn_base + n,
                    program,
                    str(movement),
                    self.voucher_base + v,
                    amount,
                    key,
                    ref,
                    self.provider_base + provider if provider is not None else None,
                    city,
                    actor,
                    "",
                    _ts(at),
                )

        w.write(
            LedgerTransaction,
            [
                "id",
                "program",
                "movement",
                "voucher",
                "amount_fen",
                "idempotency_key",
                "ref",
                "provider",
                "city_code",
                "actor",
                "memo",
                "created_at",
            ],
            transactions(),
        )

        def entries():
            n = 0
            for t, movement in enumerate(self._movements()):
                for account, amount in movement[9]:
                    yield (entry_base + n, txn_base + t, account, amount)
                    n += 1

        w.write(LedgerEntry, ["id", "transaction", "account", "amount_fen"], entries())
        # Provider counters: what their orders hold or have deducted, per city.
        by_provider: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for v, k, _position, _price, deduction, status, _cancel in self.orders:
            if status != "cancelled":
                by_provider[self.pr_provider[k]][self.org_district[self.v_org[v]][:4]] += deduction
            else:
                by_provider[self.pr_provider[k]]  # a row, with nothing counted
        base = w.next_id(ProviderUsage)
        w.write(
            ProviderUsage,
            ["id", "provider", "year", "deducted_fen", "by_city"],
            (
                (
                    base + n,
                    self.provider_base + p,
                    self.program.year,
                    sum(cities.values()),
                    {c: f for c, f in sorted(cities.items()) if f},
                )
                for n, (p, cities) in enumerate(sorted(by_provider.items()))
            ),
        )
        # The program accounts' cached balances: the sums of their entries.
        for account in self.program_accounts.values():
            total = (
                LedgerEntry.objects.filter(account=account).aggregate(t=Sum("amount_fen"))["t"] or 0
            )
            LedgerAccount.objects.filter(pk=account.pk).update(balance_fen=total)

    def write_claim(self) -> None:
        """One draft redemption claim of the claim provider's evaluated orders, with an
        invoice each (one stored sample PDF behind every invoice upload)."""
        rng, w = self.rng, self.w
        provider = self.claim_provider
        owner = self.user_base + self.s.enterprises + provider
        claim_product_set = set(self.claim_products)
        lines = [i for i in self.evaluated_orders if self.orders[i][1] in claim_product_set]
        pdf = _sample_pdf()
        path = default_storage.save(
            f"uploads/scale/invoice-{uuid.uuid4().hex}.pdf", ContentFile(pdf)
        )
        digest = hashlib.sha256(pdf).hexdigest()
        now = self.h1
        upload_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in lines]
        w.write(
            Upload,
            [
                "id",
                "owner",
                "purpose",
                "file",
                "original_name",
                "content_type",
                "size",
                "sha256",
                "created_at",
            ],
            (
                (
                    upload_ids[n],
                    owner,
                    "claim_invoice",
                    path,
                    f"发票-{self.o_number[i]}.pdf",
                    "application/pdf",
                    len(pdf),
                    digest,
                    _ts(now),
                )
                for n, i in enumerate(lines)
            ),
        )
        claimed = sum(self.orders[i][4] for i in lines)
        claim_id = w.next_id(Claim)
        number = self._number("DX", now, {})
        w.write(
            Claim,
            [
                "id",
                "number",
                "program",
                "provider",
                "status",
                "claimed_fen",
                "approved_fen",
                "paper_receipt_number",
                "created_by",
                "created_at",
            ],
            [
                (
                    claim_id,
                    number,
                    self.program.pk,
                    self.provider_base + provider,
                    "draft",
                    claimed,
                    claimed,
                    "",
                    owner,
                    _ts(now),
                )
            ],
        )
        base = w.next_id(ClaimLine)
        invoice_day = _ts(now).astimezone(self.tz).date()
        w.write(
            ClaimLine,
            [
                "id",
                "claim",
                "order",
                "live",
                "claimed_fen",
                "approved_fen",
                "cut_reason",
                "invoice_number",
                "invoice_amount_fen",
                "invoice_date",
                "invoice",
            ],
            (
                (
                    base + n,
                    claim_id,
                    self.order_base + i,
                    True,
                    self.orders[i][4],
                    self.orders[i][4],
                    "",
                    f"{45_000_000 + n:08d}{rng.randrange(10**11, 10**12)}",
                    self.orders[i][3],
                    invoice_day,
                    upload_ids[n],
                )
                for n, i in enumerate(lines)
            ),
        )
        self.claim = {
            "claim_id": claim_id,
            "number": number,
            "orders": len(lines),
            "claimed_fen": claimed,
        }

    # ---------- the manifest ----------

    def manifest(self) -> dict:
        s = self.s
        order_products_ids = [self.product_base + k for k in self.order_products]
        sample = self.rng.sample(range(self.n_products), min(1_000, self.n_products))
        names = self.pr_name
        words = [word for word in SEARCH_WORDS if any(word in name for name in names)]
        return {
            "program_id": self.program.pk,
            "program_code": self.program.code,
            "password": SCALE_PASSWORD,
            "claim_rush": {
                "program_id": self.program.pk,
                "voucher_type": "general",
                "enterprises": [
                    {
                        "user_id": self.user_base + org,
                        "org_id": self.org_base + org,
                        "phone": self.org_phone(org),
                    }
                    for org in self.claim_rush
                ],
            },
            "orderers": [
                {
                    "user_id": self.user_base + org,
                    "org_id": self.org_base + org,
                    "phone": self.org_phone(org),
                    "voucher_id": self.voucher_base + self.voucher_of_org[org],
                }
                for org in self.orderer_orgs
            ],
            "order_products": order_products_ids,
            "hot_voucher": {
                "user_id": self.user_base + self.hot_org,
                "org_id": self.org_base + self.hot_org,
                "phone": self.org_phone(self.hot_org),
                "voucher_id": self.voucher_base + self.voucher_of_org[self.hot_org],
                "product_id": self.product_base + self.hot_product,
                "orders": s.hot_orders,
                "deduction_fen": self.hot_deduction,
            },
            "export_claim": {
                **self.claim,
                "provider_id": self.provider_base + self.claim_provider,
                "provider_user_id": self.user_base + s.enterprises + self.claim_provider,
                "provider_phone": self.org_phone(s.enterprises + self.claim_provider),
            },
            "products": [self.product_base + k for k in sorted(sample)],
            "categories": self.categories,
            "search_terms": words,
            "staff": {
                **self.staff,
                "region_code": PROVINCE,
                "admin": self.admin_id,
            },
            "counts": dict(self.w.counts),
            "seconds": {k: round(v, 2) for k, v in self.w.seconds.items()},
        }

    # ---------- the whole run ----------

    def run(self) -> dict:
        started = time.monotonic()
        self.check()
        self.plan_time()
        self.orderer_set: set[int] = set()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                self._postgres_bulk_mode()
            t = time.monotonic()
            self.plan_regions()
            self.plan_people()
            # The rules are needed to plan the vouchers; the budget follows from the plan.
            from smevoucher.programs.rules import ProgramRules

            self.rules = ProgramRules.model_validate(
                rules_for_year(guangxi_2024.RULES, self.today.year, guangxi_2024.YEAR)
            )
            self.plan_vouchers()
            self.orderer_set = set(self.orderer_orgs)
            self.plan_catalog()
            self.setup_services()
            self.plan_orders()
            self.w.seconds["plan"] = time.monotonic() - t
            self.log(f"plan: {len(self.orders)} orders planned in {time.monotonic() - t:.1f}s")
            self.write_people()
            self.write_classifications()
            self.write_providers()
            self.write_products()
            self.write_vouchers()
            self.write_orders()
            self.write_ledger()
            self.write_claim()
            t = time.monotonic()
            self.w.reset_sequences()
            self.w.seconds["sequences"] = time.monotonic() - t
        if connection.vendor == "postgresql":
            t = time.monotonic()
            with connection.cursor() as cursor:
                for model in self.w.written:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            self.w.seconds["analyze"] = time.monotonic() - t
        self.w.seconds["total"] = time.monotonic() - started
        self.log(f"total: {self.w.seconds['total']:.1f}s")
        return self.manifest()

    def _postgres_bulk_mode(self) -> None:
        """Large loads skip the row-by-row foreign-key triggers when the role may (a
        superuser): the ids are assigned here and the small runs, in tests, keep the
        checks. Only for this transaction."""
        if self.s.orders < 100_000:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            cursor.execute("SET LOCAL synchronous_commit = off")
            if row and row[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")


def _sample_pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 760, "Invoice (scale data sample)")
    page.save()
    return buffer.getvalue()


def scale_data_generate(*, sizes: Sizes, log: Callable[[str], None] = lambda _m: None) -> dict:
    """Generate the data set; returns the manifest (ids for the load-test runner)."""
    return Generator(sizes, log).run()
