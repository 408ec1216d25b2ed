"""Uploads are what their names say, and come back as downloads, never as pages of this site.

Issue #7: a meeting attachment evil.html (or evil.svg) was served inline with its script and
linked from the public topic page; photo fields took PNG bytes named .pdf or .eps and
100-megapixel images.
"""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from communities.uploads import validate_attachment, validate_photo
from consultation.models import Meeting, MeetingAttachment, ProgressUpdate, Topic, TopicPhoto
from tests.consultation import conftest as consultation
from tests.consultation.factories import DeliberatingTopicFactory, MeetingFactory, TopicFactory

# The consultation tests' people and pages, as fixtures here too.
author = consultation.author
neighbour = consultation.neighbour

EVIL_HTML = b"<!doctype html><html><body><script>fetch('/accounts/email/')</script></body></html>"
EVIL_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)">'
    b"<script>alert(1)</script></svg>"
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    with translation.override(None):
        yield


def image_bytes(fmt, size=(8, 8), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt)
    return buffer.getvalue()


def upload(name, data):
    return SimpleUploadedFile(name, data)


def zipped(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx_bytes():
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active["A1"] = "签到"
    workbook.save(buffer)
    return buffer.getvalue()


def refusal(validator, file):
    with pytest.raises(ValidationError) as caught:
        validator(file)
    return " ".join(caught.value.messages)


# ---------------------------------------------------------------------------------------------
# Photos


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("门口.jpg", "JPEG"),
        ("门口.JPEG", "JPEG"),
        ("a.png", "PNG"),
        ("a.webp", "WEBP"),
        ("a.gif", "GIF"),
    ],
)
def test_photos_in_jpeg_png_webp_and_gif_are_accepted(name, fmt):
    validate_photo(upload(name, image_bytes(fmt)))


@pytest.mark.parametrize("name", ["notice.pdf", "drawing.eps", "evil.svg", "evil.html", "noext"])
def test_a_photo_named_as_another_kind_of_file_is_refused(name):
    message = refusal(validate_photo, upload(name, image_bytes("PNG")))

    assert f"“{name}” cannot be uploaded here" in message
    assert "JPEG, PNG, WebP or GIF" in message


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.jpg", EVIL_HTML),
        ("evil.png", EVIL_SVG),
        ("photo.png", image_bytes("JPEG")),
        ("photo.jpg", b"%PDF-1.4\n%%EOF"),
        ("cut.png", image_bytes("PNG")[:40]),
    ],
)
def test_a_photo_whose_bytes_are_not_what_its_name_says_is_refused(name, data):
    message = refusal(validate_photo, upload(name, data))

    assert message == f"“{name}” is not an image (JPEG, PNG, GIF or WebP)."


def test_a_hundred_megapixel_photo_is_refused_with_a_message():
    # 10,000 × 10,000 black-and-white pixels compress to a few kilobytes: a decompression bomb.
    bomb = upload("bomb.png", image_bytes("PNG", size=(10_000, 10_000), mode="1"))
    assert bomb.size < 100_000

    message = refusal(validate_photo, bomb)

    assert "10000 × 10000 pixels" in message
    assert "at most 40 megapixels" in message


def test_an_image_past_pillows_own_bomb_limit_is_a_message_not_a_crash(settings, monkeypatch):
    settings.YISHI_MAX_IMAGE_PIXELS = 10**9
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)

    # Past twice its limit Pillow raises before the size can be read.
    message = refusal(validate_photo, upload("big.png", image_bytes("PNG", size=(100, 100))))

    assert "“big.png” has too many pixels" in message


def test_photo_models_refuse_what_the_forms_refuse(db):
    topic = TopicFactory()
    photo = TopicPhoto(topic=topic, image=upload("evil.svg", EVIL_SVG))

    with pytest.raises(ValidationError) as caught:
        photo.full_clean()

    assert "image" in caught.value.message_dict


# ---------------------------------------------------------------------------------------------
# Meeting attachments

ACCEPTED_DOCUMENTS = {
    "签到表.pdf": b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF",
    "纪要.docx": zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}),
    "名单.xlsx": xlsx_bytes(),
    "方案.pptx": zipped({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"}),
    "纪要.odt": zipped({"mimetype": "application/vnd.oasis.opendocument.text"}),
    "旧纪要.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "纪要.txt": "会议纪要：同意加装电梯。".encode(),
    "名单.csv": "姓名,楼栋\n王,3\n".encode("gb18030"),
    "现场.jpg": image_bytes("JPEG"),
}


@pytest.mark.parametrize("name", ACCEPTED_DOCUMENTS)
def test_meeting_attachments_accept_documents_and_photos(name):
    validate_attachment(upload(name, ACCEPTED_DOCUMENTS[name]))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.html", EVIL_HTML),
        ("evil.htm", EVIL_HTML),
        ("evil.svg", EVIL_SVG),
        ("evil.js", b"alert(1)"),
        ("setup.exe", b"MZ\x90\x00"),
        ("evil.xhtml", EVIL_HTML),
    ],
)
def test_meeting_attachments_refuse_pages_images_with_scripts_and_programs(name, data):
    message = refusal(validate_attachment, upload(name, data))

    assert f"“{name}” cannot be uploaded here" in message
    assert "PDF, Word, Excel" in message


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("minutes.pdf", EVIL_HTML),
        ("minutes.pdf", image_bytes("PNG")),
        ("minutes.docx", EVIL_HTML),
        ("minutes.docx", zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<x/>"})),
        ("photo.png", EVIL_SVG),
        ("binary.txt", b"\x00\x01\x02 not text"),
    ],
)
def test_a_meeting_attachment_whose_bytes_are_not_what_its_name_says_is_refused(name, data):
    message = refusal(validate_attachment, upload(name, data))

    assert f"“{name}” is not a" in message


# ---------------------------------------------------------------------------------------------
# Through the pages residents and staff use


@pytest.mark.django_db
def test_a_resident_proposing_with_an_svg_photo_is_told_and_nothing_is_saved(
    client, author, community_page
):
    client.force_login(author)

    response = client.post(
        f"/en/{community_page.slug}/topics/new/",
        {
            "title": "三号楼楼道灯坏了",
            "description": "三号楼二单元楼道的灯坏了一个月，老人晚上上下楼很危险。",
            "category": "facilities",
            "photos": [upload("evil.svg", EVIL_SVG)],
        },
    )

    assert response.status_code == 200
    assert "“evil.svg” cannot be uploaded here." in response.text
    assert not Topic.objects.exists()


@pytest.mark.django_db
def test_a_resident_proposing_with_png_bytes_named_pdf_is_refused(client, author, community_page):
    client.force_login(author)

    response = client.post(
        f"/{community_page.slug}/topics/new/",
        {
            "title": "三号楼楼道灯坏了",
            "description": "三号楼二单元楼道的灯坏了一个月，老人晚上上下楼很危险。",
            "category": "facilities",
            "photos": [upload("照片.pdf", image_bytes("PNG"))],
        },
    )

    assert response.status_code == 200
    assert "“照片.pdf”" in response.text
    assert not Topic.objects.exists()


@pytest.fixture
def staff_client(client, staff_with_totp):
    client.force_login(staff_with_totp)
    return client


def meeting_form(topic, attachments):
    return {
        "topic": topic.pk,
        "held_at": "2026-12-05 19:00",
        "place": "社区议事厅",
        "attendees": "居民代表",
        "attachments": attachments,
    }


@pytest.mark.django_db
def test_staff_cannot_attach_html_to_a_meeting(staff_client, community):
    topic = DeliberatingTopicFactory(community=community)

    with translation.override("en"):
        response = staff_client.post(
            reverse("meetings:add"),
            meeting_form(
                topic, [upload("签到表.pdf", b"%PDF-1.4"), upload("evil.html", EVIL_HTML)]
            ),
        )

    assert response.status_code == 200
    assert "“evil.html” cannot be uploaded here." in str(response.context["form"].errors)
    assert not Meeting.objects.exists()
    assert not MeetingAttachment.objects.exists()


@pytest.mark.django_db
def test_progress_photos_refuse_png_bytes_named_eps(staff_client, community):
    topic = DeliberatingTopicFactory(
        community=community,
        status="implementing",
        implementation_deadline=timezone.localdate(),
    )

    response = staff_client.post(
        reverse("consultation_topic_record_progress", args=[topic.pk]),
        {
            "date": timezone.localdate().isoformat(),
            "percent": "10",
            "text": "开工。",
            "photos": [upload("drawing.eps", image_bytes("PNG"))],
        },
    )

    assert "photos" in response.context["form"].errors
    assert not ProgressUpdate.objects.exists()


# ---------------------------------------------------------------------------------------------
# Serving: a download from the app, scoped like the topic


def attach(topic, name, data):
    meeting = MeetingFactory(topic=topic)
    attachment = MeetingAttachment(meeting=meeting, title=name)
    # Saved without the checks, as files uploaded before them were.
    attachment.file.save(name, ContentFile(data))
    return attachment


def attachment_url(attachment):
    return reverse("meeting_attachment", args=[attachment.meeting.topic_id, attachment.pk])


@pytest.mark.django_db
def test_the_topic_page_links_attachments_through_the_app(client, community):
    topic = DeliberatingTopicFactory(community=community)
    attachment = attach(topic, "纪要.pdf", ACCEPTED_DOCUMENTS["签到表.pdf"])

    page = client.get(topic.get_absolute_url()).text

    assert f'href="{attachment_url(attachment)}"' in page
    assert "/media/meetings/" not in page


@pytest.mark.django_db
def test_an_attachment_is_a_download_with_nosniff_and_a_sandbox(client, community):
    topic = DeliberatingTopicFactory(community=community)
    attachment = attach(topic, "纪要.pdf", ACCEPTED_DOCUMENTS["签到表.pdf"])

    response = client.get(attachment_url(attachment))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E7%BA%AA%E8%A6%81.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "data"), [("evil.html", EVIL_HTML), ("evil.svg", EVIL_SVG)])
def test_an_html_or_svg_file_from_before_the_checks_is_never_served_as_a_page(
    client, community, name, data
):
    attachment = attach(DeliberatingTopicFactory(community=community), name, data)

    response = client.get(attachment_url(attachment))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_drafts_attachment_is_its_authors_alone(client, community, author, neighbour):
    draft = TopicFactory(community=community, author=author, status="draft")
    attachment = attach(draft, "草稿.pdf", ACCEPTED_DOCUMENTS["签到表.pdf"])
    url = attachment_url(attachment)

    assert client.get(url).status_code == 404
    client.force_login(neighbour)
    assert client.get(url).status_code == 404
    client.force_login(author)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_an_attachment_is_found_only_under_its_own_topic(client, community):
    attachment = attach(DeliberatingTopicFactory(community=community), "a.pdf", b"%PDF-1.4")
    other = DeliberatingTopicFactory(community=community)

    response = client.get(reverse("meeting_attachment", args=[other.pk, attachment.pk]))

    assert response.status_code == 404


def test_development_media_is_served_with_the_proxys_headers(settings, tmp_path):
    from django.http import Http404

    from config.urls import development_media

    (tmp_path / "topics" / "1").mkdir(parents=True)
    (tmp_path / "topics" / "1" / "evil.svg").write_bytes(EVIL_SVG)
    (tmp_path / "topics" / "1" / "photo.png").write_bytes(image_bytes("PNG"))
    request = RequestFactory().get("/media/topics/1/evil.svg")

    svg = development_media(request, "topics/1/evil.svg")
    photo = development_media(request, "topics/1/photo.png")

    assert svg["Content-Disposition"] == "attachment"
    assert svg["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert svg["X-Content-Type-Options"] == "nosniff"
    assert not photo["Content-Disposition"].startswith("attachment")  # photos show inline
    assert photo["X-Content-Type-Options"] == "nosniff"
    with pytest.raises(Http404):
        development_media(request, "meetings/1/evil.html")
