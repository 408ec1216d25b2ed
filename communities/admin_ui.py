"""What every app's staff screens show the same way: times in the community's time zone, as
dates and times ("2026-12-05 19:00"), and "—" for a value not set."""

from datetime import datetime

from django.utils import timezone
from wagtail.admin.views import generic


class LocalTimeInspectView(generic.InspectView):
    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, datetime):
            # Shown in the community's time, as the listings do (the template only formats it).
            return timezone.localtime(value)
        return "—" if value is None or value == "" else value


def local_datetime(attribute, only_if=None):
    """A cell showing a date and time as such (“2026-12-05 19:00”), not “in 3 days”."""

    def accessor(instance):
        value = getattr(instance, attribute)
        if value is None or (only_if and not only_if(instance)):
            return ""
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")

    return accessor
