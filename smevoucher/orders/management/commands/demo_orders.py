"""Demo orders, idempotently: the demo enterprise's orders in every status of the Guangxi
flow (待接单 … 评价完成, 订单取消, and a contract returned for changes), each driven through
the same services the two parties use, e-seals and signatures included.

An order already made (recognised by its demo remark) is not made again. Run after
``demo_catalog`` (``demo_data`` runs it). The SMS codes of the seals and signatures go
through the outbox, as in the demo everything does; the one-a-minute resend limit is
lifted for this command only, so it needs no waiting."""

from __future__ import annotations

import re
import uuid

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from smevoucher.accounts.models import User
from smevoucher.accounts.services import sms_code_send
from smevoucher.catalog.models import Product
from smevoucher.notifications.models import SmsOutbox
from smevoucher.orders import services
from smevoucher.orders.choices import OrderStatus as S
from smevoucher.orders.demo import advance
from smevoucher.orders.models import Order
from smevoucher.vouchers.models import Voucher

ENTERPRISE = "13900000001"  # 柳州市示范机械制造有限公司, holds the demo program's voucher
REVIEWER = "13800000001"  # 柳州市服务中心审核员

# (demo key, product name, provider's phone, target status)
ORDERS = [
    ("awaiting-acceptance", "高新技术企业认定申报辅导", "13900000011", S.AWAITING_ACCEPTANCE),
    ("contract-returned", "知识产权管理体系贯标辅导", "13900000013", "returned"),
    ("awaiting-payment", "电磁兼容（EMC）检测验证", "13900000012", S.AWAITING_PAYMENT),
    ("awaiting-service", "精益生产现场诊断与改善", "13900000013", S.AWAITING_SERVICE),
    ("in-service", "工业设备上云及数据采集服务", "13900000012", S.IN_SERVICE),
    ("awaiting-evaluation", "制造业企业经营管理诊断", "13900000011", S.AWAITING_EVALUATION),
    ("evaluated", "品牌策划与中高端展会推广", "13900000013", S.EVALUATED),
    ("cancelled", "高新技术企业认定申报辅导", "13900000011", S.CANCELLED),
    # evaluated orders for the redemption claims of ``demo_claims``
    ("claim-1", "知识产权管理体系贯标辅导", "13900000013", S.EVALUATED),
    ("claim-2", "精益生产现场诊断与改善", "13900000013", S.EVALUATED),
    ("claim-3", "知识产权管理体系贯标辅导", "13900000013", S.EVALUATED),
    ("claim-4", "精益生产现场诊断与改善", "13900000013", S.EVALUATED),
    ("claim-5", "知识产权管理体系贯标辅导", "13900000013", S.EVALUATED),
]
MARK = "演示订单"


def send_code(phone: str, purpose: str) -> str:
    sms_code_send(phone=phone, purpose=purpose, ip_address=None)
    outbox = SmsOutbox.objects.filter(phone=phone).order_by("-pk").first()
    match = re.search(r"\d{6}", outbox.text if outbox else "")
    if match is None:
        raise CommandError("demo orders need the SMS outbox backend and in-process tasks")
    return match.group(0)


class Command(BaseCommand):
    help = "Create the demo orders in every status of the order flow."

    def handle(self, *args, **options):
        enterprise = User.objects.filter(phone=ENTERPRISE).first()
        if enterprise is None:
            call_command("demo_data", stdout=self.stdout)
            enterprise = User.objects.get(phone=ENTERPRISE)
        voucher = (
            Voucher.objects.filter(
                org__members__user=enterprise, program__code__startswith="guangxi-demo-"
            )
            .order_by("-pk")
            .first()
        )
        if voucher is None:
            raise CommandError("the demo enterprise holds no voucher of the demo program")
        made = 0
        with override_settings(SMS_RESEND_SECONDS=0):
            for key, name, provider_phone, target in ORDERS:
                note = f"{MARK}：{key}"
                if Order.objects.filter(note=note).exists():
                    continue
                product = Product.objects.filter(
                    name=name,
                    program=voucher.program,
                    provider__org__members__user__phone=provider_phone,
                ).first()
                if product is None:
                    raise CommandError(f"demo product missing: {name}")
                provider_user = User.objects.get(phone=provider_phone)
                order = services.order_place(
                    actor=enterprise,
                    product_id=product.pk,
                    voucher_id=voucher.pk,
                    note=note,
                    idempotency_key=f"demo-{key}-{uuid.uuid4().hex[:8]}",
                )
                if target == "returned":
                    advance(
                        order,
                        to=S.AWAITING_CONTRACT,
                        enterprise_user=enterprise,
                        provider_user=provider_user,
                        send_code=send_code,
                    )
                    services.contract_draft(
                        actor=provider_user,
                        order_id=order.pk,
                        amount_fen=order.amount_fen,
                        deposit_fen=(order.amount_fen - order.deduction_fen) // 5,
                        service_period="合同签订后60日内",
                    )
                    services.contract_return(
                        actor=enterprise, order_id=order.pk, reason="请补充验收标准与服务人员安排"
                    )
                else:
                    advance(
                        order,
                        to=target,
                        enterprise_user=enterprise,
                        provider_user=provider_user,
                        send_code=send_code,
                        reviewer=User.objects.filter(phone=REVIEWER).first(),
                    )
                made += 1
        self.stdout.write(f"demo orders ready ({made} new)")
