"""Demo notices, policy documents, guides, help contacts and messages, idempotently, through
the same services staff and enterprises use."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from smevoucher.accounts.models import User
from smevoucher.community import services
from smevoucher.community.models import Article, HelpContact, Message

APPROVER = "13800000007"  # 自治区工信厅审批人
ENTERPRISE = "13900000001"
LIUZHOU_REVIEWER = "13800000001"

ARTICLES = [
    (
        "policy",
        "广西制造业企业培优育强服务券管理办法（演示）",
        "第一条 为支持制造业企业购买专业服务，设立服务券。\n"
        "第二条 服务券按企业划型确定年度额度，每家企业年度抵扣上限30万元。\n"
        "第三条 服务券按服务金额的30%抵扣，其余由企业以对公转账支付。",
    ),
    (
        "notice",
        "关于开展2026年度服务券配额申请的通知（演示）",
        "符合条件的企业请于平台“服务券配额申请”中提交申请，审核时间为1-2个工作日。",
    ),
    (
        "guide",
        "企业用券操作指南（演示）",
        "注册 → 认证 → 配额 → 下单服务 → 签合同 → 付定金 → 付尾款 → 评价服务。\n"
        "签订合同前请先在个人中心“制作签章”。",
    ),
]


class Command(BaseCommand):
    help = "Create demo notices, help contacts and messages."

    def handle(self, *args, **options):
        approver = User.objects.get(phone=APPROVER)
        made = 0
        for kind, title, body in ARTICLES:
            if not Article.objects.filter(title=title).exists():
                services.article_publish(
                    actor=approver,
                    kind=kind,
                    title=title,
                    body=body,
                    publisher_name="自治区工业和信息化厅",
                )
                made += 1
        if not HelpContact.objects.filter(region_code="45").exists():
            services.help_contact_save(
                actor=approver,
                unit="广西壮族自治区中小企业服务中心（演示）",
                phone="0771-0000000",
                email="help@example.org",
                hours="工作日 9:00-17:00",
            )
        enterprise = User.objects.get(phone=ENTERPRISE)
        if not Message.objects.filter(author=enterprise).exists():
            answered = services.message_create(
                actor=enterprise,
                title="服务券配额何时到账？",
                content="我司已提交配额申请，请问多久审核完成？",
            )
            services.message_reply(
                actor=User.objects.get(phone=LIUZHOU_REVIEWER),
                message_id=answered.pk,
                content="审核一般在1-2个工作日内完成，审核通过后服务券即发放到账。",
            )
            services.message_create(
                actor=enterprise,
                title="发票抬头如何填写？",
                content="兑现所需发票的抬头应填写哪家单位？",
            )
        self._demands(enterprise)
        self.stdout.write(f"demo notices, messages and demands ready ({made} new)")

    def _demands(self, enterprise) -> None:
        """A published demand answered by a provider with a quoted product, and one waiting
        for review."""
        from smevoucher.catalog.models import Product
        from smevoucher.community.models import Demand
        from smevoucher.reviews.models import Review
        from smevoucher.reviews.services import review_transition

        if Demand.objects.filter(created_by=enterprise).exists():
            return
        published = services.demand_submit(
            actor=enterprise,
            name="生产车间数字化改造咨询",
            category="数字化转型",
            contact_phone="13900000001",
            content="我司计划对两条生产线进行数字化改造，需要现状诊断、方案设计与设备联网实施服务。",
        )
        review = Review.objects.get(kind="demand", object_id=str(published.pk))
        review_transition(
            actor=User.objects.get(phone=LIUZHOU_REVIEWER), review_id=review.pk, action="approve"
        )
        provider = User.objects.get(phone="13900000012")
        product = Product.objects.filter(
            provider__org__members__user=provider, status="on_sale", category="数字化转型"
        ).first()
        services.demand_respond(
            actor=provider,
            demand_id=published.pk,
            message="我司可提供数字化车间诊断与MES实施服务，欢迎对接。",
            product_id=product.pk if product else None,
        )
        services.demand_submit(
            actor=enterprise,
            name="出口产品检验检测",
            category="高阶检验检测验证",
            contact_phone="13900000001",
            content="需对出口机械产品进行电磁兼容与可靠性检测，出具检测报告。",
            budget_fen=3_000_000,
        )
