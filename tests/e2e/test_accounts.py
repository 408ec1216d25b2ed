"""A resident's first visit, clicked through the real pages: sign up, confirm the email, fill in
the profile, switch language, log out and back in. Also: password reset tells nobody whether an
address has an account.
"""

import re

from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, DEMO_RESIDENT

NEW_EMAIL = "xiaoming@example.cn"
NEW_PASSWORD = "Hehe-jie-2026!"
LINK = re.compile(r"https?://\S+")


def header(page):
    return page.locator(".site-header")


def submit(page):
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def links_in(message):
    return LINK.findall(message.body)


def test_resident_signs_up_confirms_fills_profile_and_switches_language(
    demo_city, page, mailoutbox, artifacts
):
    url = demo_city.url
    page.goto(f"{url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    header(page).get_by_role("link", name="注册").click()
    expect(page).to_have_url(f"{url}/accounts/signup/")
    page.locator("input[name=email]").fill(NEW_EMAIL)
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    submit(page)

    # Verification is mandatory: no way in before the email is confirmed.
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("验证")
    page.screenshot(path=artifacts / "journey-1-verification-sent.png", full_page=True)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [NEW_EMAIL]
    confirm_link = next(link for link in links_in(mailoutbox[0]) if "/confirm-email/" in link)
    assert confirm_link.startswith(url), "the link points back at the site the resident used"

    page.goto(confirm_link)
    page.screenshot(path=artifacts / "journey-2-confirm.png", full_page=True)
    submit(page)  # allauth asks for a click rather than confirming on GET

    # Confirmed and logged in; the header offers the profile instead of signing up.
    my_profile = header(page).get_by_role("link", name="我的", exact=True)
    expect(my_profile).to_be_visible()
    expect(header(page).get_by_role("link", name="注册")).to_have_count(0)
    my_profile.click()
    expect(page).to_have_url(f"{url}/profile/")

    page.locator("input[name=real_name]").fill("王小明")
    page.locator("input[name=phone]").fill("13812345678")
    community = page.locator("select[name=community] option", has_text="幸福里")
    page.locator("select[name=community]").select_option(community.get_attribute("value"))
    page.locator("[name=stated_address]").fill("幸福路12号2栋1单元502室")
    submit(page)

    expect(page).to_have_url(f"{url}/profile/")
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("main")).to_contain_text("王小明")
    expect(page.locator("main")).to_contain_text("幸福里社区")
    pending = page.locator(".badge--pending")
    expect(pending).to_be_visible()
    expect(pending).to_contain_text("未")  # 未认证 / 尚未核验: not verified yet
    page.screenshot(path=artifacts / "journey-3-profile-saved.png", full_page=True)

    header(page).get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{url}/en/profile/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My profile")
    expect(page.locator(".badge--pending")).to_have_text("Not verified yet")

    header(page).get_by_role("link", name="简体中文").click()
    expect(page).to_have_url(f"{url}/profile/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("My profile")
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的")


def test_resident_logs_out_and_back_in(demo_city, page):
    url = demo_city.url
    page.goto(f"{url}/accounts/login/")
    page.locator("input[name=login]").fill(DEMO_RESIDENT)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    submit(page)
    expect(page).to_have_url(f"{url}/profile/")
    expect(page.locator("main")).to_contain_text(DEMO_RESIDENT)

    header(page).get_by_role("button", name="注销").or_(
        header(page).get_by_role("button", name="退出")
    ).click()
    expect(header(page).get_by_role("link", name="登录")).to_be_visible()
    page.goto(f"{url}/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/profile/$"))

    page.locator("input[name=login]").fill(DEMO_RESIDENT)
    page.locator("input[name=password]").fill("not-the-password")
    submit(page)
    expect(page.locator("main form")).to_contain_text("不正确")  # stays on the form, says why

    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    submit(page)
    expect(page).to_have_url(f"{url}/profile/")
    expect(header(page).get_by_role("link", name="我的", exact=True)).to_be_visible()


def ask_for_reset(page, url, email):
    page.goto(f"{url}/accounts/login/")
    page.get_by_role("link", name="忘记密码").click()
    page.locator("input[name=email]").fill(email)
    submit(page)
    return page


def test_password_reset_does_not_tell_whether_an_account_exists(
    demo_city, new_page, mailoutbox, artifacts
):
    url = demo_city.url
    unknown = ask_for_reset(new_page(), url, "nobody@example.cn")
    expect(unknown).to_have_url(f"{url}/accounts/password/reset/done/")
    unknown.screenshot(path=artifacts / "password-reset-done.png", full_page=True)
    assert not any("/password/reset/key/" in link for m in mailoutbox for link in links_in(m))

    known = ask_for_reset(new_page(), url, DEMO_RESIDENT)
    expect(known).to_have_url(f"{url}/accounts/password/reset/done/")
    assert known.locator("main").inner_text() == unknown.locator("main").inner_text()
    to_resident = [m for m in mailoutbox if m.to == [DEMO_RESIDENT]]
    assert len(to_resident) == 1
    assert any("/accounts/password/reset/key/" in link for link in links_in(to_resident[0]))


def test_password_reset_sends_no_mail_to_an_address_without_account(demo_city, page, mailoutbox):
    # Otherwise anyone can make the site write to any address through the reset form.
    ask_for_reset(page, demo_city.url, "nobody@example.cn")
    expect(page).to_have_url(f"{demo_city.url}/accounts/password/reset/done/")
    assert [m.subject for m in mailoutbox] == []


def test_logging_in_and_switching_language_need_no_javascript(demo_city, browser):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{demo_city.url}/accounts/login/")
        page.locator("input[name=login]").fill(DEMO_RESIDENT)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        submit(page)
        expect(page).to_have_url(f"{demo_city.url}/profile/")
        header(page).get_by_role("link", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("My profile")
        header(page).get_by_role("button", name="Log out").click()
        # Logging out keeps the resident in the language they chose.
        expect(page).to_have_url(f"{demo_city.url}/en/")
        expect(header(page).get_by_role("link", name="Log in")).to_be_visible()
    finally:
        context.close()
