"""Month names as Italian writes them: in lower case ("3 maggio 2021").

Django's own Italian catalogue capitalises them ("3 Maggio"), and every ``|date`` with ``F``
or ``E`` reads them from there. Listed here, they get core's translation, which wins over
Django's (an app's catalogue comes first). A heading that starts with a month uses
``|capfirst`` (the calendar's does).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, pgettext_lazy

MONTHS = [
    gettext_noop("January"), gettext_noop("February"), gettext_noop("March"),
    gettext_noop("April"), gettext_noop("May"), gettext_noop("June"), gettext_noop("July"),
    gettext_noop("August"), gettext_noop("September"), gettext_noop("October"),
    gettext_noop("November"), gettext_noop("December"),
]  # fmt: skip
# The "E" format's names (Django's MONTHS_ALT, with this context).
MONTHS_ALT = [
    pgettext_lazy("alt. month", "January"), pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"), pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"), pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"), pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"), pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"), pgettext_lazy("alt. month", "December"),
]  # fmt: skip
