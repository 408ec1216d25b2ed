"""Staff sign in through allauth and pass their second factor; no door around it."""

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import SESSION_KEY

from .factories import PASSWORD

SECRET = "JBSWY3DPEHPK3PXP"


def current_code():
    from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time

    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(SECRET, counter))


def test_wagtails_password_only_login_does_not_sign_anyone_in(client, staff_with_totp):
    response = client.post(
        "/admin/login/", {"username": staff_with_totp.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302


def test_staff_reach_the_admin_only_after_their_totp_code(client, staff_with_totp):
    response = client.post(
        "/accounts/login/", {"login": staff_with_totp.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "/2fa/authenticate/" in response["Location"]
    assert SESSION_KEY not in client.session

    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert SESSION_KEY not in client.session

    response = client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(staff_with_totp.pk)
    assert client.get("/admin/").status_code == 200


def test_staff_without_totp_are_sent_to_set_it_up(client, staff):
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
