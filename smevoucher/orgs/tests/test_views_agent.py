"""The 指定经办人 page: the owner designates or removes the agent; the agent acts for the org."""

import pytest
from django.urls import reverse

from conftest import VALID_ID, make_uscc
from smevoucher.orgs.choices import MemberRole
from smevoucher.orgs.models import OrgMember
from smevoucher.orgs.services import org_agent_designate, org_save

pytestmark = pytest.mark.django_db

URL = reverse("orgs:agent")
AGENT_ID = "450202198503120017"  # a valid resident ID (GB 11643 check digit)


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


@pytest.fixture
def agent_user(make_user):
    return make_user(phone="13700007777", display_name="经办人李四")


def designate_data(**overrides) -> dict:
    data = {
        "action": "designate",
        "person_name": "李四",
        "id_type": "resident_id",
        "id_number": AGENT_ID,
        "phone": "13700007777",
    }
    data.update(overrides)
    return data


def test_owner_designates_an_agent_shown_masked(client, enterprise_user, org, agent_user):
    client.force_login(enterprise_user)
    # when the owner designates a registered account as agent
    response = client.post(URL, designate_data())
    # then the agent acts for the organization
    assert response.status_code == 302
    member = OrgMember.objects.get(user=agent_user)
    assert (member.org, member.role, member.person_name) == (org, MemberRole.AGENT, "李四")
    # and the page shows the agent with masked phone and ID number only
    page = client.get(URL).content.decode()
    assert "李四" in page
    assert "137****7777" in page
    assert "450202********0017" in page
    assert "13700007777" not in page
    assert AGENT_ID not in page


def test_unregistered_phone_is_refused_on_the_phone_field(client, enterprise_user, org):
    client.force_login(enterprise_user)
    response = client.post(URL, designate_data(phone="13911112222"))
    assert response.status_code == 200
    assert any("尚未注册" in error for error in response.context["form"].errors["phone"])
    assert not OrgMember.objects.filter(role=MemberRole.AGENT).exists()


def test_bad_agent_id_number_is_refused_on_its_field(client, enterprise_user, org, agent_user):
    client.force_login(enterprise_user)
    response = client.post(URL, designate_data(id_number="450202198503120018"))
    assert any("校验位" in error for error in response.context["form"].errors["id_number"])
    assert not OrgMember.objects.filter(role=MemberRole.AGENT).exists()


def test_owner_removes_the_agent(client, enterprise_user, org, agent_user):
    org_agent_designate(
        actor=enterprise_user,
        org_id=org.pk,
        person_name="李四",
        id_type="resident_id",
        id_number=AGENT_ID,
        phone=agent_user.phone,
    )
    client.force_login(enterprise_user)
    response = client.post(URL, {"action": "remove"})
    assert response.status_code == 302
    assert not OrgMember.objects.filter(user=agent_user).exists()
    assert "尚未指定经办人" in client.get(URL).content.decode()


def test_agent_sees_the_org_but_not_the_agent_page(client, enterprise_user, org, agent_user):
    org_agent_designate(
        actor=enterprise_user,
        org_id=org.pk,
        person_name="李四",
        id_type="resident_id",
        id_number=AGENT_ID,
        phone=agent_user.phone,
    )
    client.force_login(agent_user)
    # the agent's personal center shows the organization it acts for
    page = client.get(reverse("orgs:certification")).content.decode()
    assert "经办人" in page
    assert "柳州市测试机械有限公司" in page
    assert VALID_ID not in page
    # it may use the bank and change pages of that organization
    assert client.get(reverse("orgs:bank")).status_code == 200
    assert client.get(reverse("orgs:changes")).status_code == 200
    # but does not choose who else acts for it, and the menu does not offer it
    assert client.get(URL).status_code == 403
    assert URL not in client.get(reverse("portal:center")).content.decode()


def test_user_without_org_sees_an_empty_state(client, other_enterprise_user):
    client.force_login(other_enterprise_user)
    response = client.get(URL)
    assert response.status_code == 200
    assert reverse("orgs:certification") in response.content.decode()
    assert "去企业信息认证" in response.content.decode()
