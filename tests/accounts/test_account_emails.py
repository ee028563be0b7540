"""Account emails are ours, in the reader's language: no "Hello from 127.0.0.1:8101!", no
"user newbie1"; and a person waiting for the confirmation email can have it sent again."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD, make_user

SIGNUP = {"email": "newbie1@example.com", "password1": PASSWORD, "password2": PASSWORD}


def test_a_chinese_sign_up_gets_a_chinese_email(client, db):
    client.post("/zh-hans/accounts/signup/", SIGNUP)
    message = mail.outbox[-1]
    assert message.subject == "【运营学院】欢迎加入运营学院：请确认你的邮箱地址"
    assert message.body.startswith("你好：\n")
    assert "有人（希望是你本人）用这个邮箱地址（newbie1@example.com）注册了运营学院账号。" in message.body
    assert re.search(r"https?://\S+/zh-hans/accounts/confirm-email/\S+/", message.body)
    assert "——运营学院" in message.body
    for english in ("Hello", "来自", "用户 newbie1", "newbie1 "):
        assert english not in message.body.replace("（newbie1@example.com）", ""), english


def test_an_english_sign_up_gets_an_english_email(client, db):
    client.post("/en/accounts/signup/", SIGNUP)
    message = mail.outbox[-1]
    assert message.subject == "[Ops Academy] Welcome to Ops Academy: confirm your email address"
    assert message.body.startswith("Hello,\n")
    assert "Open this link to confirm it and start learning:" in message.body


def test_a_password_reset_speaks_the_persons_language_and_name(client, trainee):
    """Asked for on an English page, written in the Chinese the person prefers, with their name."""
    trainee.preferred_language = "zh-hans"
    trainee.save()
    client.post("/en/accounts/password/reset/", {"email": trainee.email})
    message = mail.outbox[-1]
    assert message.subject == "【运营学院】重设密码"
    assert message.body.startswith("Trainee One，你好：\n")
    assert "/accounts/password/reset/key/" in message.body


def test_the_page_an_unverified_person_lands_on_offers_a_new_email(client, db):
    response = client.post("/zh-hans/accounts/signup/", SIGNUP, follow=True)
    html = response.content.decode()
    assert "请确认你的邮箱地址" in html and "验证您的Email地址" not in html
    assert f'action="{reverse("accounts:resend_verification")}"' in html
    assert "重新发送确认邮件" in html


def test_resending_sends_a_new_link_once_a_minute_and_says_the_same_for_any_address(client, db):
    client.post("/en/accounts/signup/", SIGNUP)
    client.logout()
    sent = len(mail.outbox)
    url = reverse("accounts:resend_verification")
    response = client.post(url, {"email": "NEWBIE1@example.com"}, follow=True)
    assert len(mail.outbox) == sent + 1 and mail.outbox[-1].to == ["newbie1@example.com"]
    assert "a new link is on its way" in response.content.decode()
    link = re.search(r"https?://[^/\s]+(/\S+/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    client.post(url, {"email": "newbie1@example.com"})  # too soon: no second email
    assert len(mail.outbox) == sent + 1
    response = client.post(url, {"email": "nobody@example.com"}, follow=True)  # no account: nothing sent
    assert len(mail.outbox) == sent + 1
    assert "If nobody@example.com awaits confirmation, a new link is on its way." in response.content.decode()
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(email="newbie1@example.com").verified


def test_resending_to_a_confirmed_address_sends_nothing(client, trainee):
    client.post(reverse("accounts:resend_verification"), {"email": trainee.email})
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["", "not an address", "a@" + "b" * 300 + ".com"])
def test_resending_without_an_address_says_what_to_enter(client, db, email):
    response = client.post(reverse("accounts:resend_verification"), {"email": email}, follow=True)
    assert response.status_code == 200 and "Enter the email address you signed up with." in response.content.decode()
    assert mail.outbox == []


def test_the_profile_offers_to_resend_for_an_unconfirmed_address(client, db):
    user = make_user("person@example.com")
    EmailAddress.objects.create(user=user, email="second@example.com", verified=False)
    client.force_login(user)
    html = client.get("/en/accounts/profile/").content.decode()
    assert "second@example.com is not confirmed yet." in html
    assert '<button class="link" type="submit" name="action_send">Resend the confirmation email</button>' in html
    client.post(reverse("account_email"), {"email": "second@example.com", "action_send": ""})
    assert mail.outbox[-1].to == ["second@example.com"]


def test_allauth_pages_use_chinese_punctuation(client, db):
    """Labels without Django's half-width colon, and our sign-up prompt without stray spaces."""
    html = client.get("/zh-hans/accounts/login/").content.decode()
    assert '<label for="id_login">邮箱</label>' in html and "邮箱:" not in html
    assert f'还没有账号？请先<a href="{reverse("account_signup")}">注册</a>。' in html.replace("/en/", "/zh-hans/")
    html = client.get("/zh-hans/accounts/signup/").content.decode()
    assert '<label for="id_password1">密码</label>' in html and ":</label>" not in html


def test_a_failed_log_in_is_announced(client, trainee):
    html = client.post("/en/accounts/login/", {"login": trainee.email, "password": "wrong"}).content.decode()
    assert re.search(r'<div class="errorlist" role="alert"><p>The email address and/or password', html)
