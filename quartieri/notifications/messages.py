"""The sentence each notification says, built when read in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

from quartieri.notifications.models import Event, Notification


def notification_sentence(notification: Notification) -> str:
    """What happened, in one sentence (``actor`` and ``subject`` filled in)."""
    actor = str(notification.actor) if notification.actor else _("quartieri")
    params = {"actor": actor, "subject": notification.subject}
    sentences = {
        Event.TO_REVIEW: _("%(actor)s sent “%(subject)s” for review."),
        Event.REJECTED: _("%(actor)s sent “%(subject)s” back with comments."),
        Event.FAILED: _("“%(subject)s” could not be published."),
        Event.PUBLISHED: _("“%(subject)s” was published."),
        Event.MENTION: _("%(actor)s mentioned you on “%(subject)s”."),
        Event.COMMENT: _("%(actor)s commented on “%(subject)s”."),
    }
    return sentences[Event(notification.event)] % params
