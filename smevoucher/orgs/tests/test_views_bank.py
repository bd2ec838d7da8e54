"""The 支付认证 page: the organization's account, shown masked."""

import pytest
from django.urls import reverse

from conftest import VALID_ID, make_uscc
from smevoucher.orgs.models import BankAccount
from smevoucher.orgs.services import bank_account_save, org_save

pytestmark = pytest.mark.django_db

URL = reverse("orgs:bank")
CARD = "6222021001123456789"  # a UnionPay card number, Luhn-valid


@pytest.fixture
def org(enterprise_user):
    return org_save(
        actor=enterprise_user,
        kind="enterprise",
        name="柳州市测试机械有限公司",
        uscc=make_uscc(1),
        region_code="450202",
        address="柳州市城中区测试路1号",
        legal_rep_name="张三",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
    )


def bank_data(**overrides) -> dict:
    data = {
        "action": "save",
        "account_name": "柳州市测试机械有限公司",
        "bank_name": "中国工商银行",
        "branch_name": "中国工商银行柳州分行营业部",
        "province": "45",
        "city": "4502",
        "account_number": CARD,
    }
    data.update(overrides)
    return data


def test_form_is_prefilled_with_the_org_name_and_region(client, enterprise_user, org):
    client.force_login(enterprise_user)
    page = client.get(URL).content.decode()
    assert 'value="柳州市测试机械有限公司"' in page
    assert '<option value="4502" selected>柳州市</option>' in page
    assert "尚未填写收款银行账户" in page


def test_account_is_saved_and_shown_masked(client, enterprise_user, org):
    client.force_login(enterprise_user)
    response = client.post(URL, bank_data())
    assert response.status_code == 302
    account = BankAccount.objects.get(org=org)
    assert (account.account_number, account.region_id) == (CARD, "4502")
    page = client.get(URL).content.decode()
    assert "6222 **** **** 6789" in page
    assert CARD not in page
    assert "柳州市" in page
    assert "中国工商银行柳州分行营业部" in page


def test_account_name_must_be_the_org_name(client, enterprise_user, org):
    client.force_login(enterprise_user)
    response = client.post(URL, bank_data(account_name="张三"))
    assert response.status_code == 200
    assert "银行开户名须与机构名称一致" in response.context["form"].errors["account_name"]
    assert not BankAccount.objects.exists()


def test_bad_card_number_is_refused_on_its_field(client, enterprise_user, org):
    client.force_login(enterprise_user)
    response = client.post(URL, bank_data(account_number="6222021001123456780"))
    assert any("校验不通过" in e for e in response.context["form"].errors["account_number"])
    assert not BankAccount.objects.exists()


def test_region_needs_a_city(client, enterprise_user, org):
    client.force_login(enterprise_user)
    response = client.post(URL, bank_data(city=""))
    assert response.context["form"].errors["city"]
    assert not BankAccount.objects.exists()


def test_pick_region_lists_the_cities_without_saving(client, enterprise_user, org):
    client.force_login(enterprise_user)
    response = client.post(URL, bank_data(province="44", city="", action="pick_region"))
    assert '<option value="4401">广州市</option>' in response.content.decode()
    assert not BankAccount.objects.exists()


def test_another_users_account_is_never_shown(client, enterprise_user, other_enterprise_user, org):
    bank_account_save(
        actor=enterprise_user,
        org_id=org.pk,
        account_name=org.name,
        bank_name="中国工商银行",
        branch_name="中国工商银行柳州分行营业部",
        region_code="4502",
        account_number=CARD,
    )
    client.force_login(other_enterprise_user)
    page = client.get(URL).content.decode()
    assert "6789" not in page
    assert "中国工商银行柳州分行营业部" not in page
    assert "去企业信息认证" in page
