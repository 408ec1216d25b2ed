"""File fields speak the page's language. A browser draws its own file button and "No file
chosen" in the *browser's* language ("Choose Files" on a Chinese page in an English browser),
so the forms hide that input, still focusable, behind a label of ours, and a script file (the
CSP refuses inline scripts) names the chosen files. The browser side is tests/e2e/test_agenda.py.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from tests.test_one_language import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    with translation.override(None):
        yield


@pytest.fixture
def chinese_form(client, author, community_page):
    client.force_login(author)
    response = client.get(f"{community_page.url}topics/new/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_chinese_topic_form_has_our_button_and_not_the_browsers_words(chinese_form):
    with translation.override("zh-hans"):
        choose, none_chosen = gettext("Choose files"), gettext("No file chosen")
    field = re.search(r'<div class="field file-picker">.*?</div>', chinese_form, re.DOTALL)
    assert field, "the photos field is drawn as a file picker"
    field = field.group(0)

    native = re.search(r"<input[^>]*type=\"file\"[^>]*>", field).group(0)
    assert 'name="photos"' in native and 'id="id_photos"' in native and "multiple" in native
    button = re.search(
        r'<label class="[^"]*file-picker__button[^"]*" for="id_photos">(.*?)</label>', field
    )
    assert button and button.group(1) == choose
    assert f'data-empty="{none_chosen}"' in field
    assert 'id="id_photos_chosen" aria-live="polite"' in field

    text = visible_text(chinese_form)
    assert "Choose Files" not in text and "No file chosen" not in text
    # The script is a file of ours, never an inline script.
    assert re.search(r'<script src="[^"]*/js/file-picker\.js" defer></script>', chinese_form)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", chinese_form)
    assert (Path(settings.BASE_DIR) / "static" / "js" / "file-picker.js").exists()


def test_the_file_picker_words_are_chinese(chinese_form):
    assert ">选择文件</label>" in chinese_form
    assert 'data-empty="未选择文件"' in chinese_form


def test_a_form_without_a_file_field_loads_no_file_picker(client, author, community_page):
    client.force_login(author)
    html = client.get("/profile/").content.decode()
    assert "file-picker" not in html
