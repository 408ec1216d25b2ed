"""One language per page: a page rendered in Chinese shows no English text of ours or of the
libraries we show (Django, Wagtail, allauth) where a Chinese translation exists.

The msgids come from the catalogues themselves (.po files, read with polib), so a text added
tomorrow is checked tomorrow. Only what a person sees is compared: text outside tags, scripts and
styles, and the attributes that are read out or shown (placeholder, title, aria-label, alt, the
value of a button). Very short msgids ("Add", "OK") are ambiguous and skipped.
"""

import email
import io
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import allauth
import django
import polib
import pytest
import wagtail
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation

from communities.models import Notification
from config.console_mail import EmailBackend
from consultation import workflow
from consultation.forms import TopicForm
from tests.conftest import record_totp_sign_in
from tests.consultation.conftest import (  # noqa: F401  (fixtures)
    author,
    consultation_settings,
    neighbour,
)
from tests.consultation.factories import (
    CommentFactory,
    DeliberatingTopicFactory,
    MeetingFactory,
    TopicFactory,
)
from tests.factories import GridFactory

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"%\(\w+\)[sdfi]|%[sdfi]|\{\w*\}|%%")
LETTERS = re.compile(r"[A-Za-z]{4,}")
# Shown in English on purpose: the language switcher names each language in its own words.
# "Search" and "Actions" are literals in Wagtail's own templates (a screen-reader-only search
# button, the header's aria-label), outside any catalogue; only overriding those templates
# would change them.
DELIBERATE = {"English", "Search", "Actions"}
PASSWORD = "a-long-pass-9371"
VISIBLE_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


def _catalogues():
    ours = [Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"]
    libraries = []
    for package in (django, wagtail, allauth):
        root = Path(package.__file__).parent
        libraries += sorted(root.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
    return ours, libraries


def _translated(entry):
    if entry.obsolete or "fuzzy" in entry.flags:
        return False
    if entry.msgid_plural:
        return any(entry.msgstr_plural.values())
    return bool(entry.msgstr) and entry.msgstr != entry.msgid


@cache
def english_fragments():
    """Literal pieces of the msgids a Chinese page must not show in English."""
    ours, libraries = _catalogues()
    msgids = set()
    for path in ours:
        msgids |= {e.msgid for e in polib.pofile(str(path)) if _translated(e)}
    for path in libraries:
        msgids |= {e.msgid for e in polib.pofile(str(path)) if _translated(e)}
    fragments = set()
    for msgid in msgids - DELIBERATE:
        for piece in PLACEHOLDER.split(msgid):
            piece = " ".join(piece.split()).strip(" .,:;!?()-–—\"'“”")
            words = piece.split()
            # Several words, or one capitalised word of 4+ letters (a label or a button):
            # lowercase single words ("user", "email") are field names found in data too.
            single = len(words) == 1 and piece == msgid.strip() and piece[0].isupper()
            if LETTERS.search(piece) and (len(words) > 1 or single):
                fragments.add(piece)
    return sorted(fragments, key=len, reverse=True)


class VisibleText(HTMLParser):
    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self.hidden += 1
        for name in VISIBLE_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(" ".join(part.split()) for part in parser.parts if part.strip())


def english_in(html):
    text = visible_text(html)
    found = []
    for fragment in english_fragments():
        if fragment in text and re.search(rf"(?<![A-Za-z]){re.escape(fragment)}(?![A-Za-z])", text):
            found.append(fragment)
    # A longer piece found hides the shorter ones inside it.
    return [f for f in found if not any(f != g and f in g for g in found)]


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override(None):
        yield


@pytest.fixture
def world(community, community_page, author, neighbour, staff, consultation_settings):  # noqa: F811
    """A community with topics in several states, a meeting, comments and notifications."""
    for name in ("第一网格", "第三网格", "第二网格"):
        GridFactory(community=community, name=name)
    with translation.override("en"):  # staff acting on the English site
        draft = workflow.create_draft(
            author=author, community=community, title="楼道灯坏了", description="三号楼。"
        )
        workflow.perform(draft, "submit", author)
        declined = TopicFactory(community=community, author=author, title="广场舞噪音")
        workflow.perform(declined, "decline", staff, reason="已转城管处理。")
        entered = workflow.enter_on_behalf(
            staff=staff, community=community, source="hotline", raised_by="张大爷",
            title="电梯异响", description="5号楼电梯。",
        )  # fmt: skip
    deliberating = DeliberatingTopicFactory(community=community, author=author, title="停车位")
    CommentFactory(topic=deliberating, author=neighbour, body="同意划线。")
    MeetingFactory(topic=deliberating, recorded_by=staff)
    return {
        "draft": draft,
        "declined": declined,
        "entered": entered,
        "deliberating": deliberating,
    }


def english_on_pages(client, urls):
    """{url: English found} for every page that shows some; every page must open."""
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if english := english_in(response.content.decode()):
            found[url] = english
    return found


def test_the_check_sees_english_it_should_see():
    """The detector itself: an untranslated sentence of ours or Django's is found."""
    assert english_in("<p>提交征集附议</p><p>Draft written</p>") == ["Draft written"]
    assert english_in('<input placeholder="This field is required.">')
    assert english_in("<script>var x = 'Draft written';</script><p>撰写草稿</p>") == []
    assert english_in('<a href="/en/" lang="en">English</a>') == []


def test_resident_pages_are_all_chinese(client, world, community_page, author):  # noqa: F811
    pages = [
        "/",
        community_page.url,
        f"{community_page.url}topics/",
        f"{community_page.url}agenda/",
        f"{community_page.url}agenda/{timezone.localdate().year}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ]
    pages += [topic.get_absolute_url() for topic in world.values()]
    assert english_on_pages(client, pages) == {}

    client.force_login(author)
    assert Notification.objects.filter(recipient=author).exists()
    pages = ["/notifications/", "/profile/", "/profile/my-data/", "/topics/mine/"]
    pages.append(f"{community_page.url}topics/new/")  # the form with a file field
    pages += [topic.get_absolute_url() for topic in world.values()]
    assert english_on_pages(client, pages) == {}


def test_a_too_long_title_is_refused_in_chinese(client, world, author):  # noqa: F811
    client.force_login(author)
    draft = TopicFactory(community=world["draft"].community, author=author, status="draft")
    response = client.post(
        f"/topics/{draft.pk}/edit/",
        {"title": "长" * 200, "description": "三号楼。", "category": "facilities"},
    )
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "最多可填" in text
    assert english_in(response.content.decode()) == []


def test_staff_pages_are_all_chinese(client, world, staff_with_totp):
    client.force_login(staff_with_totp)
    record_totp_sign_in(client, staff_with_totp)
    pages = [
        "/admin/",
        "/admin/topics/",
        f"/admin/topics/inspect/{world['entered'].pk}/",
        f"/admin/topics/inspect/{world['declined'].pk}/",
        "/admin/residents/",
        "/admin/households/",
        "/admin/grids/",
        "/admin/topic_comments/",
        "/admin/meetings/",
    ]
    assert english_on_pages(client, pages) == {}


def test_grids_are_offered_in_their_natural_order(world, community):
    form = TopicForm(community=community)
    offered = [str(label).split(" · ")[-1] for value, label in form.fields["grid"].choices if value]
    ours = [name for name in offered if name in ("第一网格", "第二网格", "第三网格")]
    assert ours == ["第一网格", "第二网格", "第三网格"]


def test_console_email_prints_chinese_as_text():
    stream = io.StringIO()
    body = "您好，这里是议事。请点击下面的链接确认您的邮箱地址，以完成注册。" * 3
    EmailBackend(stream=stream).send_messages(
        [EmailMessage("确认邮箱", body, None, ["a@example.com"])]
    )
    printed = stream.getvalue()
    assert body in printed and "确认邮箱" in printed
    assert "base64" not in printed
    message = email.message_from_string(printed.split("-" * 79)[0])
    assert message["Content-Transfer-Encoding"] == "8bit"


def test_sign_up_email_greets_from_the_site_in_chinese(client, home_page, mailoutbox, settings):  # noqa: F811
    settings.SITE_URL = "https://yishi.example.cn"
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.com",
            "password1": "a-long-pass-9371",
            "password2": "a-long-pass-9371",
        },
    )
    assert response.status_code in (200, 302)
    assert mailoutbox, "no confirmation email was sent"
    body = mailoutbox[-1].body
    assert "您好，这里是" in body
    assert "yishi.example.cn" in body
    # The greeting and the closing name the site residents know, not the host of the request.
    assert "127.0.0.1" not in body and "Hello" not in body
    assert english_in(body) == []
