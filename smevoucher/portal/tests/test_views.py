import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_is_chinese_first(client):
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert "中小企业服务券平台" in body
    assert "服务券使用流程" in body


def test_pages_load_no_asset_from_another_host(client):
    body = client.get("/").content.decode()
    assert "http://" not in body.replace("http://testserver", "")
    assert "https://" not in body
    assert "/static/css/site.css" in body


def test_english_is_available(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body


def test_personal_center_needs_login_and_shows_its_menu(client, enterprise_user):
    response = client.get(reverse("portal:center"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    client.force_login(enterprise_user)
    body = client.get(reverse("portal:center")).content.decode()
    assert enterprise_user.display_name in body
    for entry in ("基本信息", "消息中心", "安全设置"):
        assert entry in body
    # staff-only entries are not offered to an enterprise
    assert reverse("audit:search") not in body


def test_unknown_page_answers_404_in_chinese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "您访问的页面不存在" in response.content.decode()


def test_server_error_page_is_static_and_chinese(rf):
    from smevoucher.portal.views import error_500

    response = error_500(rf.get("/"))
    assert response.status_code == 500
    assert "系统繁忙" in response.content.decode()


def test_agreement_and_privacy_pages(client):
    assert "平台用户服务协议" in client.get(reverse("portal:agreement")).content.decode()
    assert "135****7589" in client.get(reverse("portal:privacy")).content.decode()


def test_forms_refuse_posts_without_csrf_token(enterprise_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enterprise_user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 403
