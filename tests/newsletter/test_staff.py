"""Staff pages: who may see and do what, the preview's own policy, GDPR access and erasure."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from quartieri.accounts.models import AuditEvent
from quartieri.accounts.roles import Role
from quartieri.channels.selectors import Duty
from quartieri.newsletter.issues import issue_send_start
from quartieri.newsletter.models import (
    ConsentRecord,
    Delivery,
    Issue,
    Segment,
    SendBatch,
    Subscriber,
    Suppression,
)
from quartieri.newsletter.selectors import list_allows
from quartieri.newsletter.sending import batch_send
from quartieri.newsletter.services import is_suppressed
from tests.conftest import make_person


def test_the_analyst_sees_issues_but_no_subscriber(
    client_for, analyst, approved_issue, subscribe_people
):
    reader = subscribe_people(1)[0]
    client = client_for(analyst)
    assert client.get("/newsletter/").status_code == 200
    assert client.get(f"/newsletter/issues/{approved_issue.pk}/").status_code == 200
    assert client.get("/newsletter/subscribers/").status_code == 403
    assert client.get(f"/newsletter/subscribers/{reader.pk}/access.json").status_code == 403
    assert client.post(f"/newsletter/subscribers/{reader.pk}/erase/").status_code == 403
    assert Subscriber.objects.filter(pk=reader.pk).exists()


def test_the_editor_cannot_send_and_nothing_is_sent(
    client_for, editor, approved_issue, subscribe_people
):
    subscribe_people(2)
    client_for(editor).post(f"/newsletter/issues/{approved_issue.pk}/send/")
    approved_issue.refresh_from_db()
    assert approved_issue.status == Issue.Status.APPROVED
    assert not Delivery.objects.exists()


def test_the_approver_sends_from_the_page(client_for, approver, approved_issue, subscribe_people):
    subscribe_people(2)
    response = client_for(approver).post(
        f"/newsletter/issues/{approved_issue.pk}/send/", follow=True
    )
    assert "send-progress" in response.content.decode()
    approved_issue.refresh_from_db()
    assert (approved_issue.status, approved_issue.audience_size) == ("sending", 2)


def test_the_editor_edits_and_an_approved_issue_goes_back_to_review(
    client_for, editor, approved_issue
):
    client = client_for(editor)
    data = {
        "subject_it": "Nuovo oggetto",
        "subject_en": "New subject",
        "segment": "",
        "mjml_it": approved_issue.mjml_it.replace("Baggio", "Baggio e dintorni"),
        "mjml_en": approved_issue.mjml_en,
    }
    response = client.post(f"/newsletter/issues/{approved_issue.pk}/edit/", data)
    assert response.status_code == 302
    approved_issue.refresh_from_db()
    assert approved_issue.status == Issue.Status.IN_REVIEW
    assert "Baggio e dintorni" in approved_issue.html_it
    assert "Baggio e dintorni" in approved_issue.text_it
    # MJML that loses the unsubscribe link is refused, and nothing changes.
    data["mjml_it"] = (
        "<mjml><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>"
    )
    response = client.post(f"/newsletter/issues/{approved_issue.pk}/edit/", data)
    assert response.status_code == 200
    # Italian is the staff default.
    assert "i link di disiscrizione e delle preferenze" in response.content.decode()
    approved_issue.refresh_from_db()
    assert "Baggio e dintorni" in approved_issue.html_it


def test_the_preview_runs_no_script_in_a_frame_of_ours(client_for, editor, approved_issue):
    response = client_for(editor).get(f"/newsletter/issues/{approved_issue.pk}/preview/it/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "sandbox" in policy
    assert "script-src" not in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "%%UNSUBSCRIBE_URL%%" in response.content.decode()


def test_a_segment_is_saved_from_the_filter_form_and_limits_the_audience(
    client_for, approver, approved_issue, subscribe_people, daily
):
    readers = subscribe_people(4)  # languages alternate it, en, it, en
    client = client_for(approver)
    client.post(
        "/newsletter/subscribers/?language=en", {"name": "English readers", "list": daily.pk}
    )
    segment = Segment.objects.get()
    assert segment.filters == {"language": "en"}
    from quartieri.newsletter.issues import issue_send_start
    from quartieri.newsletter.sending import eligible

    Issue.objects.filter(pk=approved_issue.pk).update(segment=segment)
    issue = Issue.objects.get(pk=approved_issue.pk)
    assert set(eligible(issue).values_list("subscriber__email", flat=True)) == {
        readers[1].email,
        readers[3].email,
    }
    assert issue_send_start(actor=approver, issue=issue).audience_size == 2


def test_gdpr_access_and_erasure_keep_only_a_hash(client_for, approver, subscribe_people, daily):
    reader = subscribe_people(1)[0]
    ConsentRecord.objects.create(
        subscriber=reader,
        newsletter_list=daily,
        action="imported",
        at=reader.created_at,
        source="import:x.csv",
    )
    client = client_for(approver)
    data = json.loads(client.get(f"/newsletter/subscribers/{reader.pk}/access.json").content)
    assert data["email"] == reader.email
    assert data["consent_records"][0]["source"] == "import:x.csv"
    assert data["subscriptions"] == [
        {
            "list": "daily",
            "status": "confirmed",
            "since": data["subscriptions"][0]["since"],
            "confirmed_at": None,
        }
    ]

    client.post(f"/newsletter/subscribers/{reader.pk}/erase/")
    assert not Subscriber.objects.exists()
    assert not ConsentRecord.objects.exists()
    assert is_suppressed(reader.email)
    suppression = Suppression.objects.get()
    assert reader.email not in suppression.email_hash
    assert suppression.reason == "erased"
    event = AuditEvent.objects.get(action="newsletter.subscriber.erase")
    assert reader.email not in json.dumps([event.target_label, event.before, event.after])


def test_the_editor_composes_from_the_page_and_the_analyst_cannot(
    client_for, editor, analyst, daily, day_content
):
    data = {"newsletter_list": daily.pk, "date": "2021-05-03"}
    assert client_for(analyst).post("/newsletter/issues/compose/", data).status_code == 403
    assert not Issue.objects.exists()
    response = client_for(editor).post("/newsletter/issues/compose/", data)
    issue = Issue.objects.get()
    assert response["Location"] == f"/newsletter/issues/{issue.pk}/"
    assert issue.composed_by == editor


def test_the_test_send_mails_both_languages_to_me_and_writes_no_ledger_row(
    client_for, editor, approved_issue, sink
):
    client_for(editor).post(f"/newsletter/issues/{approved_issue.pk}/test/")
    assert sink.received == {editor.email: 2}
    assert not Delivery.objects.exists()


@pytest.fixture
def uncertain_issue(approver, approved_issue, subscribe_people, sink):
    """A sent issue whose first two readers' deliveries a dead worker left uncertain (say
    they never arrived); the sink forgets the first send."""
    readers = subscribe_people(4)
    issue = issue_send_start(actor=approver, issue=approved_issue)
    batch_send(batch_id=SendBatch.objects.get(issue=issue).pk, worker="w1")
    Delivery.objects.filter(subscriber__in=readers[:2]).update(state="uncertain")
    sink.received.clear()
    return Issue.objects.get(pk=issue.pk), readers


def _nothing_moved(issue, sink):
    assert Delivery.objects.filter(issue=issue, state="uncertain").count() == 2
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    assert not SendBatch.objects.filter(issue=issue, recipients__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="newsletter.issue.resend_uncertain").exists()
    assert sink.received == {}


def test_an_approver_resends_the_uncertain_ones_having_read_the_warning(
    client_for, approver, editor, uncertain_issue, sink
):
    issue, readers = uncertain_issue
    url = f"/newsletter/issues/{issue.pk}/resend-uncertain/"
    page = client_for(approver).get(f"/newsletter/issues/{issue.pk}/").content.decode()
    assert 'data-testid="resend-uncertain"' in page
    assert url in page
    # The warning, in the staff's language (Italian by default).
    assert "Per 2 iscritti un worker è terminato" in page
    assert "potrebbero aver già ricevuto questo numero" in page

    # The editor may not; nor may the approver without ticking the warning: nothing moves.
    assert client_for(editor).post(url, {"confirm": "yes"}).status_code == 403
    client_for(approver).post(url)
    _nothing_moved(issue, sink)

    client_for(approver).post(url, {"confirm": "yes"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING
    resend = SendBatch.objects.get(issue=issue, recipients__isnull=False)
    assert resend.recipients == [readers[0].pk, readers[1].pk]
    assert batch_send(batch_id=resend.pk, worker="w2") == "done"

    assert sink.received == {readers[0].email: 1, readers[1].email: 1}  # only those two
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    event = AuditEvent.objects.get(action="newsletter.issue.resend_uncertain")
    assert (event.actor, event.after["resent"]) == (approver, 2)


def test_an_approver_without_the_lists_grant_may_not_resend_and_nothing_moves(
    client_for, analyst, uncertain_issue, sink
):
    issue, _readers = uncertain_issue
    url = f"/newsletter/issues/{issue.pk}/resend-uncertain/"
    # An approver of the platform, but the daily list's account grants them nothing.
    stranger = make_person("bruno", Role.APPROVER)
    page = client_for(stranger).get(f"/newsletter/issues/{issue.pk}/").content.decode()
    assert 'data-testid="resend-uncertain"' not in page

    answer = client_for(stranger).post(url, {"confirm": "yes"}, follow=True)
    with translation.override("it"):  # the staff default: the page says why, in Italian
        why = list_allows(user=stranger, newsletter_list=issue.newsletter_list, duty=Duty.APPROVE)
    assert why.startswith("Non hai")
    assert [str(m) for m in answer.context["messages"]] == [why]
    assert client_for(analyst).post(url, {"confirm": "yes"}).status_code == 403
    _nothing_moved(issue, sink)


def test_resending_when_nothing_is_uncertain_is_refused(client_for, approver, uncertain_issue):
    issue, _readers = uncertain_issue
    Delivery.objects.filter(issue=issue, state="uncertain").update(state="sent")
    url = f"/newsletter/issues/{issue.pk}/resend-uncertain/"
    answer = client_for(approver).post(url, {"confirm": "yes"}, follow=True)
    assert [str(m) for m in answer.context["messages"]] == [
        "Nessun invio di questo numero è incerto: non c'è niente da reinviare."
    ]
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    assert not SendBatch.objects.filter(issue=issue, recipients__isnull=False).exists()


def test_the_issue_page_reads_the_person_s_grants_once_for_all_its_buttons(
    approved_issue, approver, editor, client_for, django_assert_num_queries
):
    from quartieri.newsletter.models import Issue
    from quartieri.newsletter.views_staff import _steps

    issue = Issue.objects.select_related("newsletter_list__account").get(pk=approved_issue.pk)
    with django_assert_num_queries(1):
        steps = _steps(approver, issue, 0)
    assert {name for name, shown in steps.items() if shown} == {"edit", "send", "test"}
    with django_assert_num_queries(1):
        steps = _steps(editor, issue, 0)
    assert {name for name, shown in steps.items() if shown} == {"edit", "test"}
    page = client_for(approver).get(f"/newsletter/issues/{issue.pk}/")
    assert page.status_code == 200
