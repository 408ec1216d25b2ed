"""A resident signs up and logs in with a mobile number and a code by SMS, at 390 px, in Chinese
and in English, clicking through the real pages.

The live server runs in this process, so the console backend's outbox holds the texts it sent:
the test reads the code there, as the resident reads it on their phone.
"""

import re

import pytest
from playwright.sync_api import expect

from communities import sms

NEW_NUMBER = "139 1234 5678"
DEMO_NUMBER = "13800000001"  # resident01 of the demo city (see load_demo)
# The header's own links, translated before this feature: 注册 / 登录 / 我的.
HEADER = {
    "zh": {"prefix": "", "sign_up": "注册", "log_in": "登录", "mine": "我的"},
    "en": {"prefix": "/en", "sign_up": "Sign up", "log_in": "Log in", "mine": "My profile"},
}


@pytest.fixture(autouse=True)
def sms_outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def header(page):
    return page.locator(".site-header")


def submit(page):
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def code_sent_to(outbox, number):
    texts = [text for text in outbox if text.number == number and text.template_key == "code"]
    assert texts, f"no code was texted to {number}"
    return texts[-1].params["code"]


def type_the_code(page, code):
    field = page.locator("input[name=code]")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    assert field.bounding_box()["height"] >= 48, "a big field, easy to hit"
    field.fill(code)
    submit(page)


def log_out(page):
    header(page).locator("form[action*='logout'] button").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_resident_signs_up_and_logs_in_by_phone(
    demo_city, new_page, sms_outbox, artifacts, language
):
    words = HEADER[language]
    url = demo_city.url
    page = new_page(locale="zh-CN" if language == "zh" else "en-US")
    page.goto(f"{url}{words['prefix']}/")

    # Sign up: the phone way is the first thing on the page, one field, no password.
    header(page).get_by_role("link", name=words["sign_up"], exact=True).click()
    expect(page).to_have_url(f"{url}{words['prefix']}/accounts/signup/")
    page.screenshot(path=artifacts / f"phone-{language}-1-signup.png", full_page=True)
    page.locator(".entrance-choice a.button").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/\?by=phone$"))
    expect(page.locator("main input[type=password]")).to_have_count(0)
    phone = page.locator("input[name=phone]")
    expect(phone).to_have_attribute("type", "tel")
    phone.fill("12345")
    submit(page)
    expect(page.locator("main .error")).to_be_visible()  # a bad number is said, nothing sent
    assert sms_outbox == []
    page.screenshot(path=artifacts / f"phone-{language}-2-bad-number.png", full_page=True)

    page.locator("input[name=phone]").fill(NEW_NUMBER)
    submit(page)
    expect(page).to_have_url(re.compile(r"/accounts/phone/verify/$"))
    expect(page.locator("main")).to_contain_text(NEW_NUMBER)
    page.screenshot(path=artifacts / f"phone-{language}-3-code.png", full_page=True)
    type_the_code(page, code_sent_to(sms_outbox, "+8613912345678"))

    expect(page).to_have_url(f"{url}{words['prefix']}/profile/")
    expect(header(page).get_by_role("link", name=words["mine"], exact=True)).to_be_visible()
    page.screenshot(path=artifacts / f"phone-{language}-4-signed-up.png", full_page=True)
    log_out(page)

    # Log in as a demo resident: number, code, in.
    page.goto(f"{url}{words['prefix']}/")
    header(page).get_by_role("link", name=words["log_in"], exact=True).click()
    expect(page).to_have_url(f"{url}{words['prefix']}/accounts/login/")
    page.screenshot(path=artifacts / f"phone-{language}-5-login.png", full_page=True)
    page.locator(".entrance-choice a.button").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    page.locator("input[name=phone]").fill(DEMO_NUMBER)
    page.screenshot(path=artifacts / f"phone-{language}-6-login-number.png", full_page=True)
    submit(page)
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/$"))
    page.screenshot(path=artifacts / f"phone-{language}-7-login-code.png", full_page=True)
    type_the_code(page, code_sent_to(sms_outbox, "+8613800000001"))

    expect(page).to_have_url(f"{url}{words['prefix']}/profile/")
    expect(page.locator("main")).to_contain_text("张")  # resident01's profile: 张…
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the page scrolls sideways ({scroll_width} px)"


def test_a_wrong_code_keeps_the_resident_out(demo_city, page, sms_outbox):
    url = demo_city.url
    page.goto(f"{url}/en/accounts/login/code/")
    page.locator("input[name=phone]").fill(DEMO_NUMBER)
    submit(page)
    code = code_sent_to(sms_outbox, "+8613800000001")
    wrong = "000000" if code != "000000" else "111111"
    page.locator("input[name=code]").fill(wrong)
    submit(page)
    expect(page.locator("main .error")).to_contain_text("That code is not right")
    expect(header(page).get_by_role("link", name="Log in", exact=True)).to_be_visible()

    # A typo is forgiven: the right code still opens the account.
    page.locator("input[name=code]").fill(code)
    submit(page)
    expect(page).to_have_url(f"{url}/en/profile/")
