"""factory_boy factories for the models tests create (the catalog itself is real data)."""

import factory

from raremap.accounts.models import ConsentRecord, User
from raremap.accounts.notice import PRIVACY_NOTICE_VERSION
from raremap.communities.models import Membership, Role
from raremap.communities.services import membership_join

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Member {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    # Members have agreed to the privacy notice in force (consent_version="" for one who has
    # not: raremap.accounts.middleware.ConsentMiddleware then asks them first).
    consent_version = PRIVACY_NOTICE_VERSION

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()
            if obj.consent_version:
                ConsentRecord.objects.create(user=obj, notice_version=obj.consent_version)


class MembershipFactory(factory.django.DjangoModelFactory):
    """Memberships through the service, so the member counts stay right."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.PATIENT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        return membership_join(user=kwargs["user"], disease=kwargs["disease"], role=kwargs["role"])


def verified(user, role: str = "professional"):  # type: ignore[no-untyped-def]
    """Record that a moderator verified the member's claimed role (a test shortcut: the
    moderator's checks live in raremap.communities.services.role_verify)."""
    from django.utils import timezone

    from raremap.communities.models import RoleVerification

    RoleVerification.objects.create(
        user=user, role=role, evidence="Checked by a test.", verified_at=timezone.now()
    )
    return user
