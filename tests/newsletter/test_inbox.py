"""An issue in review waits in the approver's "To do", never in its composer's."""

from __future__ import annotations

from quartieri.core.todo import inbox_sections
from quartieri.newsletter.issues import issue_approve, issue_compose, issue_submit


def waiting(user):
    return {s.kind.slug: s for s in inbox_sections(user=user)}.get("issues-to-approve")


def test_an_issue_in_review_waits_for_the_approver_until_approved(
    daily, day_content, editor, approver
):
    issue = issue_submit(
        actor=editor, issue=issue_compose(actor=editor, newsletter_list=daily, date=day_content)
    )
    section = waiting(approver)
    assert section.count == 1
    assert section.entries[0].url == f"/newsletter/issues/{issue.pk}/"
    assert waiting(editor) is None  # an editor's role never approves
    issue_approve(actor=approver, issue=issue)
    assert waiting(approver).count == 0


def test_whoever_composed_an_issue_does_not_find_it_to_approve(daily, day_content, approver):
    issue = issue_compose(actor=approver, newsletter_list=daily, date=day_content)
    issue_submit(actor=approver, issue=issue)
    assert waiting(approver).count == 0
