"""A meeting's files, sent as downloads to whoever may see the topic.

Attachments are uploaded by staff but may still be anything a scanner or a phone produced; they
are never shown inline as part of this site (communities.uploads.download_response), and the
reverse proxy does not serve /media/meetings/ itself, so a draft's files stay with the draft.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from communities.uploads import download_response

from .models import MeetingAttachment
from .permissions import can_view, is_staff_for


def meeting_attachment(request, pk, attachment_pk):
    attachment = get_object_or_404(
        MeetingAttachment.objects.select_related("meeting__topic__community"),
        pk=attachment_pk,
        meeting__topic_id=pk,
    )
    topic = attachment.meeting.topic
    if not (can_view(request.user, topic) or is_staff_for(request.user, topic)):
        raise Http404
    if not attachment.file.storage.exists(attachment.file.name):
        raise Http404
    return download_response(attachment.file, filename=attachment.file.name.rsplit("/", 1)[-1])
