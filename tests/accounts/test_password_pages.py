"""The pages where a member chooses a new password list the rules as a list, not as tags."""

import pytest
from django.core import mail
from django.test import Client

from raremap.accounts.models import User
from tests.accounts.helpers import PASSWORD_CHANGE, RESET, reset_path

RULES_EN = (
    '<div class="help" id="id_new_password1_helptext"><ul>'
    "<li>Your password can’t be too similar to your other personal information.</li>"
    "<li>Your password must contain at least 12 characters.</li>"
    "<li>Your password can’t be a commonly used password.</li>"
    "</ul></div>"
)
RULES_ES = (
    '<div class="help" id="id_new_password1_helptext"><ul>'
    "<li>Su contraseña no puede asemejarse tanto a su otra información personal.</li>"
    "<li>Su contraseña debe contener al menos 12 caracteres.</li>"
    "<li>Su contraseña no puede ser una clave utilizada comúnmente.</li>"
    "</ul></div>"
)


def reset_form(client: Client, prefix: str = "") -> str:
    # The mail, and so its link, is in the member's language: the page's here.
    User.objects.filter(email="owner@example.org").update(language=prefix.strip("/") or "en")
    client.post(f"{prefix}{RESET}", {"email": "owner@example.org"})
    page = client.get(reset_path(mail.outbox[-1]), follow=True)
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.parametrize(("prefix", "rules"), [("", RULES_EN), ("/es", RULES_ES)])
def test_reset_page_lists_the_password_rules(
    client: Client, member: User, prefix: str, rules: str
) -> None:
    html = reset_form(client, prefix)

    assert rules in html
    assert 'aria-describedby="id_new_password1_helptext"' in html
    assert "&lt;" not in html


@pytest.mark.parametrize(("prefix", "rules"), [("", RULES_EN), ("/es", RULES_ES)])
def test_change_page_lists_the_password_rules(
    member_client: Client, prefix: str, rules: str
) -> None:
    html = member_client.get(f"{prefix}{PASSWORD_CHANGE}").content.decode()

    assert rules in html
    assert "&lt;" not in html
