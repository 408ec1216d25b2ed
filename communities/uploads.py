"""What residents and staff may upload, judged by what a file is and what it is called, together.

Uploaded files end up on the public site, served from /media/ by the reverse proxy, which picks
the content type from the file's name. A file called evil.html (or evil.svg) would be served as a
page of our site, scripts and all; PNG bytes called notice.pdf would be sniffed by browsers. So
every upload field accepts a short list of kinds, and a file passes only when its extension is on
the list *and* its bytes are that kind. Every app's upload fields use these validators, on the
model field (for any model form) and in the form field (which saves without a model form).
"""

import codecs
import warnings
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from PIL import Image

# Photos from phones are 12–50 megapixels at most; more is a decompression bomb (a small file
# that inflates to gigabytes when the server decodes it for a thumbnail).
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000

# kind: (extensions, how the kind is named to a person)
IMAGE_KINDS = {
    "jpeg": ({"jpg", "jpeg"}, "JPEG"),
    "png": ({"png"}, "PNG"),
    "webp": ({"webp"}, "WebP"),
    "gif": ({"gif"}, "GIF"),
}
DOCUMENT_KINDS = {
    "pdf": ({"pdf"}, "PDF"),
    # doc, xls and ppt share one container (OLE2); the container is what can be checked.
    "ole2": ({"doc", "xls", "ppt"}, "Word/Excel/PowerPoint 97–2003"),
    "docx": ({"docx"}, "Word"),
    "xlsx": ({"xlsx"}, "Excel"),
    "pptx": ({"pptx"}, "PowerPoint"),
    "odt": ({"odt"}, "OpenDocument"),
    "ods": ({"ods"}, "OpenDocument"),
    "odp": ({"odp"}, "OpenDocument"),
    # Typed minutes and exported lists; served as text/plain attachments, so harmless.
    "text": ({"txt", "csv"}, _("plain text")),
}
PILLOW_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}


def max_image_pixels():
    return getattr(settings, "YISHI_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS)


def extension_of(name):
    base = (name or "").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _head(upload, size=8):
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _zip_kind(upload):
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return ODF_MIMETYPES.get(mimetype)
            if "[Content_Types].xml" in names:
                for kind, prefix in OOXML_PARTS.items():
                    if any(name.startswith(prefix) for name in names):
                        return kind
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    finally:
        upload.seek(0)
    return None


def _image(upload, name):
    """The image's kind, after refusing what is not an image or is too large to decode safely."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns past its own limit (we measure below, and say by how much), and
            # raises past twice that, before the size can be read.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                kind = PILLOW_FORMATS.get(image.format)
                width, height = image.size
                if width * height > max_image_pixels():
                    raise _too_large(name, width, height)
                image.verify()
    except Image.DecompressionBombError:
        raise _too_large(name) from None
    except ValidationError:
        raise
    except Exception:
        # Pillow raises many kinds of errors for bytes that are not a (complete) image.
        return None
    finally:
        upload.seek(0)
    return kind


def _too_large(name, width=None, height=None):
    limit = max_image_pixels() // 1_000_000
    if width is None:
        return ValidationError(
            _("“%(name)s” has too many pixels; photos may have at most %(limit)d megapixels."),
            code="image_too_large",
            params={"name": name, "limit": limit},
        )
    return ValidationError(
        _(
            "“%(name)s” is %(width)d × %(height)d pixels; photos may have at most "
            "%(limit)d megapixels. Make it smaller and try again."
        ),
        code="image_too_large",
        params={"name": name, "width": width, "height": height, "limit": limit},
    )


def sniff(upload, name=""):
    """The kind of file these bytes are (a key of IMAGE_KINDS or DOCUMENT_KINDS), or None."""
    head = _head(upload)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    kind = _image(upload, name)
    if kind is None and _is_text(upload):
        return "text"
    return kind


def _is_text(upload, limit=1024 * 1024):
    """UTF-8 or GB18030 (what Chinese office PCs save) without control bytes."""
    upload.seek(0)
    sample = upload.read(limit)
    upload.seek(0)
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            # Incremental: a character cut by the sample's end is not an error.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


class FileKindValidator:
    """Accept a file when its extension belongs to one of `kinds` and its bytes are that kind."""

    def __init__(self, kinds, description, mismatch=None):
        self.kinds = kinds
        self.description = description
        self.mismatch = mismatch
        self.extensions = set().union(*(extensions for extensions, _name in kinds.values()))

    def __call__(self, value):
        name = getattr(value, "name", "") or ""
        name = name.rsplit("/", 1)[-1]
        extension = extension_of(name)
        if extension not in self.extensions:
            raise ValidationError(
                _("“%(name)s” cannot be uploaded here. Accepted: %(accepted)s."),
                code="file_kind",
                params={"name": name, "accepted": self.description},
            )
        upload = getattr(value, "file", value)
        kind = sniff(upload, name)
        if kind is None or extension not in self.kinds.get(kind, ((), ""))[0]:
            expected = next(
                label for extensions, label in self.kinds.values() if extension in extensions
            )
            raise ValidationError(
                self.mismatch
                or _(
                    "“%(name)s” is not a %(kind)s file, although its name says so. "
                    "Save it again in that format, or upload the original."
                ),
                code="file_content",
                params={"name": name, "kind": expected},
            )

    def __eq__(self, other):
        return isinstance(other, FileKindValidator) and self.kinds == other.kinds


PHOTO_KINDS = IMAGE_KINDS
ATTACHMENT_KINDS = {**DOCUMENT_KINDS, **IMAGE_KINDS}
# For the file picker's `accept`, so a phone offers the right files; the server decides.
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
ATTACHMENT_ACCEPT = ",".join(
    sorted(f".{ext}" for extensions, _label in ATTACHMENT_KINDS.values() for ext in extensions)
)

_photo = FileKindValidator(
    PHOTO_KINDS,
    _("JPEG, PNG, WebP or GIF photos"),
    mismatch=_("“%(name)s” is not an image (JPEG, PNG, GIF or WebP)."),
)
_attachment = FileKindValidator(
    ATTACHMENT_KINDS,
    _(
        "PDF, Word, Excel, PowerPoint, OpenDocument or plain-text files, "
        "and JPEG, PNG, WebP or GIF photos"
    ),
)


def validate_photo(value):
    """A photo: JPEG, PNG, WebP or GIF, its bytes matching its name, within the pixel limit."""
    _photo(value)


def validate_attachment(value):
    """A document for the record (minutes, sign-in sheet, a plan) or a photo of one."""
    _attachment(value)


# What an uploaded file may be labelled as when it is sent back; anything else (a file from
# before these checks, say evil.html) goes out as bytes the browser will not interpret.
SERVED_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}
# For anything served from uploads: never rendered as a page of this site, never sniffed into
# one, and if a browser does open it, it runs nothing and reaches nothing.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def download_response(field_file, filename=None):
    """Send an uploaded file as a download (Content-Disposition: attachment), never inline."""
    filename = filename or field_file.name.rsplit("/", 1)[-1]
    content_type = SERVED_CONTENT_TYPES.get(
        extension_of(field_file.name), "application/octet-stream"
    )
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    for header, value in DOWNLOAD_HEADERS.items():
        response[header] = value
    return response
