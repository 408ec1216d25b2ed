"""The printable notice (公示) of a published outcome: one A4 page for the notice board, in
Chinese, with a QR code that leads back to the outcome page. Read back with poppler-utils."""

import re
import subprocess
from datetime import timedelta

import pytest
import segno
from django.conf import settings
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from config.urls import development_media
from consultation import reports
from consultation.pages import OutcomePage
from consultation.views import notice_pdf

from .factories import DeliberatingTopicFactory

pytestmark = pytest.mark.django_db

TITLE = "小区东门加装电动车充电桩"
DECISION = "协商一致：在小区东门加装12个电动车充电桩，由物业负责日常维护。"
PLAN = "一、物业负责采购安装；\n二、社区协调供电接口；\n三、费用从公共收益中列支。"


@pytest.fixture
def draft(community, community_page, author):
    topic = DeliberatingTopicFactory(community=community, author=author, title=TITLE)
    page = OutcomePage(
        title=TITLE,
        slug=f"outcome-{topic.pk}",
        topic=topic,
        decision=DECISION,
        plan=PLAN,
        responsible="幸福里物业服务中心",
        deadline=timezone.localdate() + timedelta(days=30),
        notice_days=7,
        live=False,
    )
    community_page.add_child(instance=page)
    return page


@pytest.fixture
def published(draft, staff):
    draft.save_revision(user=staff).publish()
    return OutcomePage.objects.get(pk=draft.pk)


def pdf_url(page):
    return f"/topics/{page.topic_id}/notice.pdf"


def poppler(tool, pdf, tmp_path, *args):
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        check=True,
        text=True,
        timeout=60,
    )
    return result.stdout


@pytest.fixture
def pdf(published, client):
    response = client.get(pdf_url(published))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="notice-{published.topic_id}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    return response.content


def test_the_notice_reads_in_chinese(pdf, published, community, tmp_path):
    text = poppler("pdftotext", pdf, tmp_path, "-layout", "-enc", "UTF-8")
    flat = re.sub(r"\s+", "", text)  # the layout may break long lines
    assert TITLE in flat
    assert re.sub(r"\s+", "", DECISION) in flat
    assert community.name in flat
    assert community.street.name in flat
    assert "公示" in flat
    assert "幸福里物业服务中心" in flat
    topic = published.topic
    start = timezone.localtime(topic.notice_starts_at).strftime("%Y-%m-%d")
    end = timezone.localtime(topic.notice_ends_at).strftime("%Y-%m-%d")
    assert start in flat and end in flat


def test_the_notice_is_one_a4_page(pdf, tmp_path):
    info = poppler("pdfinfo", pdf, tmp_path)
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    width, height = float(size.group(1)), float(size.group(2))
    assert abs(width - 595.28) < 2 and abs(height - 841.89) < 2, info


def test_a_long_plan_still_fits_one_page(published, client, tmp_path):
    published.plan = "\n".join(
        f"{n}、第{n}项措施：物业负责落实并每周报告进展。" for n in range(1, 13)
    )
    published.save_revision().publish()
    response = client.get(pdf_url(published))
    info = poppler("pdfinfo", response.content, tmp_path)
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info


def test_the_qr_code_is_inline_svg_and_leads_to_the_page(published):
    url = settings.SITE_URL + published.url
    assert url.startswith("http") and url.endswith(f"/outcome-{published.topic_id}/")

    html = reports.notice_html(published)
    svg = re.search(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert svg, "the QR code is drawn as inline SVG"
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg.group(0)
    assert "<img" not in html  # nothing to fetch while rendering
    # It is segno's drawing of exactly this address …
    assert reports.qr_svg(url) in html
    assert segno.make(url, error="m").designator  # the address fits a QR code
    # … and the address is printed under it, for anyone who cannot scan.
    qr_block = html[html.index('class="qr"') :]
    assert url in qr_block
    assert url in html[svg.end() :]


def test_a_draft_outcome_has_no_notice(draft, client):
    assert client.get(pdf_url(draft)).status_code == 404


def test_an_unknown_topic_has_no_notice(client):
    assert client.get("/topics/999999/notice.pdf").status_code == 404


def test_a_topic_without_outcome_has_no_notice(community, client):
    topic = DeliberatingTopicFactory(community=community)
    assert client.get(f"/topics/{topic.pk}/notice.pdf").status_code == 404


def test_the_view_is_the_consultation_url():
    from django.urls import resolve

    assert resolve("/topics/1/notice.pdf").func is notice_pdf


@pytest.fixture
def layouts(monkeypatch, settings, tmp_path):
    """Counts weasyprint's layouts (the real ones run) with the PDFs stored under tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    done = []
    lay_out = reports.HTML.write_pdf

    def counted(self, *args, **kwargs):
        done.append(1)
        return lay_out(self, *args, **kwargs)

    monkeypatch.setattr(reports.HTML, "write_pdf", counted)
    return done


def stored_pdfs(settings):
    return sorted((settings.MEDIA_ROOT / reports.GENERATED_PDFS).rglob("*.pdf"))


def test_the_notice_is_laid_out_once_then_served_from_storage(published, client, layouts, settings):
    first = client.get(pdf_url(published)).content
    second = client.get(pdf_url(published)).content

    assert len(layouts) == 1
    assert second == first
    [stored] = stored_pdfs(settings)
    assert stored.read_bytes() == first


def test_a_changed_outcome_gets_a_new_notice(published, client, layouts, settings, tmp_path):
    client.get(pdf_url(published))
    published.decision = "协商一致：加装20个电动车充电桩。"
    published.save_revision().publish()

    text = poppler("pdftotext", client.get(pdf_url(published)).content, tmp_path, "-layout")
    assert "加装20个电动车充电桩" in " ".join(text.split())
    assert len(layouts) == 2
    assert len(stored_pdfs(settings)) == 2


def test_the_stored_pdfs_are_not_served_as_media(published, client, layouts, settings):
    settings.DEBUG = True  # the development media view; production's proxy refuses the folder
    client.get(pdf_url(published))
    [stored] = stored_pdfs(settings)
    relative = stored.relative_to(settings.MEDIA_ROOT).as_posix()
    with pytest.raises(Http404):
        development_media(RequestFactory().get(f"/media/{relative}"), relative)
