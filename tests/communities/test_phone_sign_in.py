"""Signing up and in with a mobile number and a code by SMS (allauth's phone support).

Codes are read from the console backend's outbox, as a resident reads them from their phone.
"""

import json
import re
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model

from communities import sms
from communities.accounts import close_account, export_personal_data
from communities.models import UserPhone
from communities.phones import display_mobile, normalise_mobile
from tests.factories import UserFactory
from tests.test_settings import production_secret_key, run

pytestmark = pytest.mark.django_db

NUMBER = "+8613912345678"
SIGN_UP = "/en/accounts/signup/?by=phone"
REQUEST_CODE = "/en/accounts/login/code/"
CONFIRM_CODE = "/en/accounts/login/code/confirm/"
VERIFY_PHONE = "/en/accounts/phone/verify/"
T0 = datetime(2026, 5, 11, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def sms_outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def phone_user(db):
    user = UserFactory(username="laozhang")
    UserPhone.objects.create(user=user, number=NUMBER, verified=True)
    return user


def last_code(outbox):
    assert outbox, "no text was sent"
    return outbox[-1].params["code"]


def signed_in_user(client):
    return client.session.get(SESSION_KEY)


@pytest.mark.parametrize(
    "typed",
    ["13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678", "0086 13912345678",
     "８６１３９１２３４５６７８", "(+86) 139.1234.5678"],
)  # fmt: skip
def test_a_mobile_number_is_stored_in_one_form_however_it_is_typed(typed):
    assert normalise_mobile(typed) == NUMBER
    assert display_mobile(NUMBER) == "139 1234 5678"


@pytest.mark.parametrize(
    "typed", ["1391234567", "139123456789", "12912345678", "023-6380 1200", "+1 415 555 0100", ""]
)
def test_what_is_not_a_mainland_mobile_number_is_not_taken(typed):
    assert normalise_mobile(typed) is None


@pytest.mark.parametrize(
    "url", ["/en/accounts/login/", "/en/accounts/signup/", SIGN_UP, REQUEST_CODE]
)
def test_the_ways_in_are_light_pages(client, url, django_assert_max_num_queries):
    client.get(url)  # the site and its settings, cached after the first request
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200


def test_sign_up_by_phone_texts_a_code_that_opens_the_new_account(client, sms_outbox):
    page = client.get(SIGN_UP)
    assert page.status_code == 200
    assert b'name="phone"' in page.content
    assert b'name="password1"' not in page.content, "a phone sign-up asks for no password"

    response = client.post(SIGN_UP, {"phone": "139 1234 5678"})
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY_PHONE)
    assert signed_in_user(client) is None, "not in before the number is proved"
    [text] = sms_outbox
    assert text.number == NUMBER
    assert re.fullmatch(r"\d{6}", text.params["code"])
    assert text.params["code"] in text.text

    page = client.get(response["Location"])
    assert "139 1234 5678" in page.content.decode()
    response = client.post(VERIFY_PHONE, {"code": text.params["code"]})
    assert response.status_code == 302
    user = get_user_model().objects.get(login_phone__number=NUMBER)
    assert signed_in_user(client) == str(user.pk)
    assert user.login_phone.verified
    assert not user.has_usable_password()
    assert user.email == ""


def test_a_wrong_code_is_refused_and_opens_nothing(client, sms_outbox):
    client.post(SIGN_UP, {"phone": NUMBER})
    wrong = "000000" if last_code(sms_outbox) != "000000" else "111111"
    response = client.post(VERIFY_PHONE, {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert signed_in_user(client) is None
    assert not UserPhone.objects.filter(number=NUMBER, verified=True).exists()


def test_full_width_digits_from_a_chinese_keyboard_are_the_same_code(client, sms_outbox):
    client.post(SIGN_UP, {"phone": NUMBER})
    code = last_code(sms_outbox)
    full_width = "".join(chr(ord(digit) + 0xFEE0) for digit in code)
    client.post(VERIFY_PHONE, {"code": full_width})
    assert signed_in_user(client) is not None


def test_log_in_by_phone_and_code(client, phone_user, sms_outbox):
    response = client.post(REQUEST_CODE, {"phone": "139-1234-5678"})
    assert response.status_code == 302
    assert response["Location"].startswith(CONFIRM_CODE)
    assert signed_in_user(client) is None
    response = client.post(CONFIRM_CODE, {"code": last_code(sms_outbox)})
    assert response.status_code == 302
    assert signed_in_user(client) == str(phone_user.pk)


def test_log_in_with_a_wrong_code_is_refused(client, phone_user, sms_outbox):
    client.post(REQUEST_CODE, {"phone": NUMBER})
    wrong = "000000" if last_code(sms_outbox) != "000000" else "111111"
    response = client.post(CONFIRM_CODE, {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert signed_in_user(client) is None


def test_the_code_field_opens_the_number_pad_and_takes_the_code_from_the_text(
    client, phone_user, django_assert_max_num_queries
):
    client.post(REQUEST_CODE, {"phone": NUMBER})
    with django_assert_max_num_queries(8):
        page = client.get(CONFIRM_CODE).content.decode()
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', page).group()
    assert 'inputmode="numeric"' in code_input
    assert 'autocomplete="one-time-code"' in code_input


@pytest.mark.parametrize("typed", ["12345", "023-6380 1200", "1391234567x"])
def test_a_bad_number_gets_a_clear_message_and_no_text(client, typed, sms_outbox):
    response = client.post(REQUEST_CODE, {"phone": typed})
    assert response.status_code == 200
    assert "Enter an 11-digit mainland mobile number" in response.content.decode()
    response = client.post(SIGN_UP, {"phone": typed})
    assert "Enter an 11-digit mainland mobile number" in response.content.decode()
    assert sms_outbox == []


def test_a_number_without_account_gets_the_same_page_and_no_text(client, phone_user, sms_outbox):
    known = client.post(REQUEST_CODE, {"phone": NUMBER})
    unknown = client.post(REQUEST_CODE, {"phone": "13700000000"})
    # Same answer for both, so the page does not tell which numbers have an account.
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert [text.number for text in sms_outbox] == [NUMBER]


def test_signing_up_again_with_a_taken_number_makes_no_second_account(
    client, phone_user, sms_outbox
):
    response = client.post(SIGN_UP, {"phone": NUMBER})
    assert response.status_code == 302  # the same way on as a new number: nothing revealed
    assert get_user_model().objects.count() == 1
    assert [text.template_key for text in sms_outbox] == ["account_exists"]
    assert "already has an account" in sms_outbox[0].text


def test_an_unproved_claim_does_not_lock_the_owner_out(client, sms_outbox, time_machine):
    squatter = UserFactory(username="squatter")
    UserPhone.objects.create(user=squatter, number=NUMBER, verified=False)
    # The claim opens nothing: no code goes to the squatter's account.
    request_code_at(client, time_machine, T0)
    assert sms_outbox == []

    time_machine.move_to(T0.replace(minute=2), tick=False)
    client.post(SIGN_UP, {"phone": NUMBER})
    client.post(VERIFY_PHONE, {"code": last_code(sms_outbox)})
    owner = get_user_model().objects.get(login_phone__number=NUMBER, login_phone__verified=True)
    assert owner != squatter
    assert not UserPhone.objects.filter(user=squatter).exists()


def test_phone_and_email_together_are_refused(client, sms_outbox):
    response = client.post(
        "/en/accounts/signup/",
        {
            "phone": NUMBER,
            "email": "a@example.cn",
            "password1": "x-Long-pass-2026",
            "password2": "x-Long-pass-2026",
        },
    )
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert sms_outbox == [] and not get_user_model().objects.exists()


def test_email_sign_up_still_needs_a_password_and_the_emailed_link(client, mailoutbox):
    response = client.post("/en/accounts/signup/", {"email": "a@example.cn"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()

    password = "x-Long-pass-2026"
    response = client.post(
        "/en/accounts/signup/",
        {"email": "a@example.cn", "password1": password, "password2": password},
    )
    assert response.status_code == 302
    assert "/confirm-email/" in response["Location"]
    assert signed_in_user(client) is None
    assert len(mailoutbox) == 1


def test_a_phone_account_logs_in_without_any_email(client, phone_user, sms_outbox):
    phone_user.emailaddress_set.all().delete()
    phone_user.email = ""
    phone_user.save()
    client.post(REQUEST_CODE, {"phone": NUMBER})
    client.post(CONFIRM_CODE, {"code": last_code(sms_outbox)})
    assert signed_in_user(client) == str(phone_user.pk)
    assert client.get("/en/profile/").status_code == 200


def request_code_at(client, time_machine, moment, number=NUMBER):
    """Ask for a code at `moment`, leaving any sign-in the client had begun (as "Use a
    different number" does): a pending one would send the page back to its code."""
    time_machine.move_to(moment, tick=False)
    client.post("/en/accounts/logout/")
    return client.post(REQUEST_CODE, {"phone": number})


def test_the_sixth_code_in_an_hour_is_refused_and_not_sent(
    client, phone_user, sms_outbox, time_machine
):
    for minute in range(5):
        response = request_code_at(client, time_machine, T0.replace(minute=minute * 2))
        assert response.status_code == 302
    assert len(sms_outbox) == 5

    response = request_code_at(client, time_machine, T0.replace(minute=30))
    assert response.status_code == 200
    assert "Too many codes have been sent to this number. Try again in 30 minutes." in (
        response.content.decode()
    )
    assert len(sms_outbox) == 5

    # An hour after the first, the number may have a code again.
    assert request_code_at(client, time_machine, T0.replace(hour=10, minute=1)).status_code == 302
    assert len(sms_outbox) == 6


def test_a_second_code_within_a_minute_is_refused(client, phone_user, sms_outbox, time_machine):
    request_code_at(client, time_machine, T0)
    response = request_code_at(client, time_machine, T0.replace(second=30))
    assert "Try again in 1 minute." in response.content.decode()
    assert len(sms_outbox) == 1


def test_a_network_asking_for_many_numbers_is_refused(client, settings, sms_outbox, time_machine):
    settings.SMS_RATE_LIMITS = {**settings.SMS_RATE_LIMITS, "ip": [(3, 3600)]}
    for n in range(3):
        response = request_code_at(client, time_machine, T0.replace(minute=n), f"1370000000{n}")
        assert response.status_code == 302
    response = request_code_at(client, time_machine, T0.replace(minute=5), "13700000009")
    assert "Too many codes have been sent from your network" in response.content.decode()


def test_a_new_code_over_the_limit_keeps_the_code_already_sent(
    client, phone_user, sms_outbox, time_machine
):
    request_code_at(client, time_machine, T0)
    code = last_code(sms_outbox)
    time_machine.move_to(T0.replace(second=20), tick=False)
    response = client.post(CONFIRM_CODE, {"action": "resend"}, follow=True)
    assert "Try again in 1 minute." in response.content.decode()
    assert len(sms_outbox) == 1
    client.post(CONFIRM_CODE, {"code": code})
    assert signed_in_user(client) == str(phone_user.pk)


def test_staff_logging_in_by_sms_code_still_pass_totp_before_the_admin(
    client, staff_with_totp, sms_outbox
):
    from tests.test_staff_sign_in import current_code

    UserPhone.objects.create(user=staff_with_totp, number=NUMBER, verified=True)
    client.post(REQUEST_CODE, {"phone": NUMBER})
    response = client.post(CONFIRM_CODE, {"code": last_code(sms_outbox)})
    assert response.status_code == 302
    assert "/2fa/authenticate/" in response["Location"]
    assert signed_in_user(client) is None
    assert client.get("/admin/").status_code == 302

    client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert signed_in_user(client) == str(staff_with_totp.pk)
    assert client.get("/admin/").status_code == 200


def test_the_phone_is_in_the_data_export_and_erased_when_the_account_closes(phone_user):
    exported = json.loads(json.dumps(export_personal_data(phone_user)))
    assert exported["account"]["mobile_number"] == {"number": NUMBER, "verified": True}

    close_account(phone_user, by=phone_user)
    assert not UserPhone.objects.filter(number=NUMBER).exists()
    assert export_personal_data(phone_user)["account"]["mobile_number"] is None


def test_a_resident_adds_a_number_to_an_email_account(client, sms_outbox):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/en/accounts/phone/change/")
    assert "You have no mobile number yet" in page.content.decode()
    response = client.post("/en/accounts/phone/change/", {"phone": "139 1234 5678"})
    assert response.status_code == 302
    client.post(VERIFY_PHONE, {"code": last_code(sms_outbox)})
    assert UserPhone.objects.get(user=user).verified


def test_tencent_backend_sends_the_approved_template_with_the_code(settings):
    settings.SMS_BACKEND = "tencent"
    settings.SMS_TENCENT = {
        **settings.SMS_TENCENT,
        "secret_id": "AKID-test",
        "secret_key": "key",
        "sdk_app_id": "1400000000",
        "sign_name": "议事",
        "templates": {"code": "123456", "account_exists": ""},
    }
    sent = []
    ok = {"Response": {"SendStatusSet": [{"Code": "Ok", "Message": "send success"}],
                       "RequestId": "r"}}  # fmt: skip

    def call(client, action, params, **kwargs):
        sent.append((client.region, action, params))
        return json.dumps(ok)

    from tencentcloud.sms.v20210111.sms_client import SmsClient

    with mock.patch.object(SmsClient, "call", call):
        sms.send_sms(NUMBER, "code", {"code": "482913", "minutes": 10})
        sms.send_sms("+8613700000000", "account_exists", {})  # no template: not sent
    [(region, action, params)] = sent
    assert (region, action) == ("ap-guangzhou", "SendSms")
    assert params["PhoneNumberSet"] == [NUMBER]
    assert params["TemplateId"] == "123456"
    assert params["TemplateParamSet"] == ["482913", "10"]
    assert params["SignName"] == "议事" and params["SmsSdkAppId"] == "1400000000"

    refused = {"Response": {"SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberDailyLimit",
                                               "Message": "limit"}], "RequestId": "r"}}  # fmt: skip
    with (
        mock.patch.object(SmsClient, "call", lambda *a, **k: json.dumps(refused)),
        pytest.raises(sms.SmsNotSent),
    ):
        sms.send_sms("+8613600000000", "code", {"code": "1", "minutes": 10})


PRODUCTION = {
    "YISHI_TESTING": "0",
    "ALLOWED_HOSTS": "yishi.example.cn",
    "EMAIL_HOST": "smtp.example.cn",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}
SETUP = "import django; django.setup()"


@pytest.mark.parametrize(
    ("sms_environment", "refused"),
    [
        ({}, "SMS_BACKEND must be set"),
        ({"SMS_BACKEND": "tencent", "TENCENT_SMS_SECRET_ID": "x"}, "TENCENT_SMS_SECRET_KEY"),
        ({"SMS_BACKEND": "console", "SMS_ALLOW_CONSOLE": "1"}, None),
        (
            {
                "SMS_BACKEND": "tencent",
                "TENCENT_SMS_SECRET_ID": "x",
                "TENCENT_SMS_SECRET_KEY": "x",
                "TENCENT_SMS_SDK_APP_ID": "1400000000",
                "TENCENT_SMS_SIGN_NAME": "议事",
                "TENCENT_SMS_TEMPLATE_ID": "123456",
            },
            None,
        ),
    ],
)
def test_production_refuses_to_start_without_a_real_sms_provider(
    tmp_path, sms_environment, refused
):
    result = run(
        ["-c", SETUP],
        SECRET_KEY=production_secret_key(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        **PRODUCTION,
        **sms_environment,
    )
    if refused:
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and refused in result.stderr
    else:
        assert result.returncode == 0, result.stderr
