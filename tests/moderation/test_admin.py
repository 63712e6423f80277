"""Reports and the audit log are read-only in the admin."""

from django.test import Client

from raremap.accounts.models import User
from raremap.moderation import services
from raremap.moderation.models import ModerationAction
from raremap.questions.models import Answer
from tests.accounts.helpers import verified_login
from tests.factories import UserFactory


def test_admin_lists_reports_and_actions_read_only(
    member: User, moderator: User, answer: Answer
) -> None:
    report = services.report_submit(reporter=member, reason="spam", answer=answer)
    entry = services.content_hide(moderator=moderator, answer=answer, report=report)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    verified_login(client, admin)

    statuses = [
        client.get("/admin/moderation/report/").status_code,
        client.get(f"/admin/moderation/report/{report.pk}/change/").status_code,
        client.get("/admin/moderation/moderationaction/").status_code,
        client.get(f"/admin/moderation/moderationaction/{entry.pk}/change/").status_code,
        client.get("/admin/moderation/report/add/").status_code,
        client.get("/admin/moderation/moderationaction/add/").status_code,
        client.post(f"/admin/moderation/moderationaction/{entry.pk}/delete/").status_code,
    ]

    assert statuses == [200, 200, 200, 200, 403, 403, 403]
    assert list(ModerationAction.objects.values_list("pk", flat=True)) == [entry.pk]
