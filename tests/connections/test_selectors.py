"""The written-out reads of raremap.connections.selectors, compared with the ORM queries they
stand for (docs/architecture.md, "Reads every request makes")."""

from django.contrib.auth.models import AnonymousUser

from raremap.accounts.models import User
from raremap.connections import selectors, services
from raremap.connections.models import Block
from tests.factories import UserFactory


def test_blocker_ids_reads_what_the_orm_reads(member: User, other_member: User) -> None:
    third = UserFactory(email="third@example.org", display_name="Calm Finch")
    services.block_create(blocker=other_member, blocked=member)
    services.block_create(blocker=third, blocked=member)
    services.block_create(blocker=member, blocked=third)  # the other way: not a blocker of it

    for user in (member, other_member, third):
        expected = set(Block.objects.filter(blocked=user).values_list("blocker_id", flat=True))
        assert selectors.blocker_ids(user) == expected
    assert selectors.blocker_ids(member) == {other_member.pk, third.pk}
    assert selectors.blocker_ids(other_member) == set()
    assert selectors.blocker_ids(AnonymousUser()) == set()
