import re

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.groups import TRAINEES
from tests.conftest import PASSWORD

SIGNUP = {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}


def _confirmation_link():
    return re.search(r"https?://[^/\s]+(/\S+/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)


def test_signup_requires_email_verification_then_logs_in(client, db):
    """A sign-up is an unverified Trainee until the emailed link is followed."""
    response = client.post("/en/accounts/signup/", SIGNUP)
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    user = get_user_model().objects.get(email="new@example.com")
    assert list(user.groups.values_list("name", flat=True)) == [TRAINEES]
    assert not EmailAddress.objects.get(user=user).verified
    assert client.get("/en/my-learning/").status_code == 302  # not logged in yet

    link = _confirmation_link()
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get("/en/my-learning/").status_code == 200


def test_signup_language_becomes_preferred_language(client, db):
    client.post("/en/accounts/signup/", SIGNUP)
    assert get_user_model().objects.get(email="new@example.com").preferred_language == "en"


def test_unverified_user_cannot_log_in(client, db):
    client.post("/en/accounts/signup/", SIGNUP)
    client.logout()
    response = client.post("/en/accounts/login/", {"login": SIGNUP["email"], "password": PASSWORD})
    assert "confirm-email" in response["Location"]
    assert client.get("/en/my-learning/").status_code == 302


def test_login_by_email_lands_on_dashboard_in_preferred_language(client, trainee):
    trainee.preferred_language = "en"
    trainee.save()
    response = client.post("/zh-hans/accounts/login/", {"login": trainee.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/en/my-learning/"


def test_failed_logins_are_rate_limited(client, trainee):
    """After five failures for one account, even the right password is refused for a while."""
    for _ in range(5):
        response = client.post("/en/accounts/login/", {"login": trainee.email, "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/en/accounts/login/", {"login": trainee.email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_admin_login_goes_through_allauth(client, db):
    """The Wagtail admin has no login form of its own: it uses the rate-limited one."""
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/zh-hans/accounts/login/")
    response = client.get("/admin/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_instructors_reach_the_admin_and_trainees_do_not(client, instructor, trainee, tree):
    client.force_login(instructor)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/pages/{tree.lessons[0][0].pk}/edit/").status_code == 200
    assert client.get("/admin/users/").status_code in (302, 403)
    assert client.get("/admin/sites/").status_code in (302, 403)
    client.force_login(trainee)
    assert client.get("/admin/").status_code in (302, 403)


def test_profile_sets_display_name_and_language(trainee_client, trainee):
    response = trainee_client.post(
        "/zh-hans/accounts/profile/", {"display_name": "张三", "preferred_language": "en"}
    )
    assert response.status_code == 302 and response["Location"] == "/en/accounts/profile/"
    trainee.refresh_from_db()
    assert (trainee.display_name, trainee.preferred_language) == ("张三", "en")


def test_profile_rejects_unknown_language(trainee_client, trainee):
    response = trainee_client.post(
        "/en/accounts/profile/", {"display_name": "X", "preferred_language": "fr"}
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    trainee.refresh_from_db()
    assert trainee.preferred_language == "zh-hans"


def test_password_reset_sends_a_link(client, trainee):
    client.post("/en/accounts/password/reset/", {"email": trainee.email})
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body


def test_logout(trainee_client):
    trainee_client.post("/en/accounts/logout/")
    assert trainee_client.get("/en/my-learning/").status_code == 302


def test_admin_requires_a_second_factor_when_configured(client, instructor, settings):
    """In production mode staff are sent to set up TOTP before any admin page."""
    settings.ADMIN_REQUIRES_MFA = True
    client.force_login(instructor)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate/" in response["Location"]
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=instructor, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/admin/").status_code == 200


def test_trainees_are_not_asked_for_a_second_factor(trainee_client, settings):
    settings.ADMIN_REQUIRES_MFA = True
    assert trainee_client.get("/en/my-learning/").status_code == 200
