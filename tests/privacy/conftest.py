"""A member who has used every part of RareMap, with a marker in everything they wrote, and
the members around them (tests/privacy: the export and the erasure)."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group

from raremap.accounts.models import ApiToken, User
from raremap.accounts.services import token_create, two_factor_enable, user_update_profile
from raremap.atlas.models import MapEntry, Place
from raremap.atlas.services import map_join
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.communities.services import role_verify
from raremap.connections import services as connections
from raremap.connections.models import Connection, Conversation, Message
from raremap.moderation.models import Report
from raremap.moderation.services import private_content_read, report_submit
from raremap.questions import services as questions
from raremap.questions.models import Answer, OverviewRevision, Question, Status
from raremap.treatments.models import Treatment, TreatmentReport
from raremap.treatments.services import report_save
from raremap.treatments.vocabulary import treatment_approve, treatment_propose
from tests.factories import MembershipFactory, UserFactory

MARK = "Qz7mark"  # in everything the member writes; letters only, so that slugs keep it
OTHERS = "Otherwrote"  # in what the other members write


@dataclass
class Story:
    member: User
    other: User  # connected with the member, in a conversation
    third: User  # asked by the member, never answered
    moderator: User
    dfsp: Disease
    question: Question  # a standard question the member answered
    answer: Answer  # the member's published answer (edited once)
    withdrawn: Answer  # an answer the member deleted
    other_answer: Answer  # the other member's answer, which the member voted up and reported
    proposed: Question  # a question the member proposed, waiting for a moderator
    approved: Question  # a question the member proposed, approved and answered by the other
    overview: OverviewRevision  # an overview version the member wrote (as a professional)
    report: TreatmentReport  # the member's treatment report (changed once)
    treatment: Treatment
    proposal: Treatment  # a treatment the member proposed, waiting
    accepted_proposal: Treatment  # a treatment the member proposed, now in the list
    entry: MapEntry
    connection: Connection  # member → other, accepted
    request: Connection  # member → third, waiting
    conversation: Conversation
    message: Message  # the member's message
    other_message: Message  # the other member's message
    report_made: Report  # the member reported the other's answer
    token: ApiToken
    secret: str
    recovery_codes: list[str]  # two-factor log-in is on


def _user(email: str, name: str, reputation: int = 10) -> User:
    """A member past the new-member sandbox (unless `reputation` says otherwise)."""
    return UserFactory(email=email, display_name=name, reputation=reputation)


@pytest.fixture
def story(dfsp: Disease, question: Question) -> Story:
    member = _user(f"{MARK.lower()}@example.org", f"Heron {MARK}")
    user_update_profile(
        user=member, display_name=f"Heron {MARK}", bio=f"About me: {MARK}", profile_public=True
    )
    other = _user("other@example.org", "Brisk Otter", reputation=0)  # only what votes give
    third = _user("third@example.org", "Nosy Magpie")
    moderator = _user("mod@example.org", "Calm Lynx")
    Group.objects.get(name="Moderators").user_set.add(moderator)
    for user in (member, other, third):
        MembershipFactory(user=user, disease=dfsp, role=Role.PATIENT)
    # A moderator checked the member's claim to be a healthcare professional too.
    role_verify(
        moderator=moderator, user=member, role=Role.PROFESSIONAL, evidence=f"Register {MARK}"
    )

    # Questions and answers.
    answer = questions.answer_create(user=member, question=question, body=f"First {MARK}")
    answer = questions.answer_update(answer=answer, body=f"Imatinib helped me. {MARK}")
    symptoms = questions.question_ensure(disease=dfsp, slug="symptoms")
    withdrawn = questions.answer_create(user=member, question=symptoms, body=f"Gone {MARK}")
    questions.answer_delete(answer=withdrawn)
    other_answer = questions.answer_create(user=other, question=question, body=f"{OTHERS} one")
    questions.vote_cast(user=member, answer=other_answer, value=1)
    questions.vote_cast(user=other, answer=answer, value=1)
    proposed = questions.question_propose(user=member, disease=dfsp, text=f"Does {MARK} help?")
    approved = questions.question_propose(user=member, disease=dfsp, text=f"Is {MARK} tea useful?")
    approved = questions.question_set_status(question=approved, status=Status.PUBLISHED)
    questions.answer_create(user=other, question=approved, body=f"{OTHERS} two")
    overview = questions.overview_edit(
        question=question,
        editor=member,
        body=f"Overview {MARK}",
        sources=f"Source {MARK}",
        summary=f"Summary {MARK}",
    )

    # Treatments.
    treatment = Treatment.objects.create(
        slug="imatinib", name="Imatinib", kind=Treatment.Kind.DRUG, source="test"
    )
    report = report_save(
        user=member,
        disease=dfsp,
        treatment=treatment,
        effectiveness=3,
        side_effect_burden=2,
        side_effects=["nausea"],
        side_effects_note=f"Nausea {MARK}",
    )
    report = report_save(
        user=member,
        disease=dfsp,
        treatment=treatment,
        effectiveness=4,
        side_effect_burden=2,
        side_effects=["nausea"],
        side_effects_note=f"Less nausea {MARK}",
    )
    proposal = treatment_propose(user=member, name=f"{MARK} tonic", kind="supplement")
    accepted_proposal = treatment_approve(
        treatment=treatment_propose(user=member, name=f"{MARK} balm", kind="supplement")
    )

    # The map.
    entry = map_join(
        user=member,
        disease=dfsp,
        place=Place.objects.get(code="FR"),
        precision=0,
        consent=True,
    )

    # Connections, a conversation, a block.
    connection = connections.connection_request(
        requester=member, recipient=other, note=f"Hello {MARK}"
    )
    connections.connection_accept(user=other, connection=connection)
    conversation = Conversation.objects.get(connection=connection)
    message = connections.message_send(
        sender=member, conversation=conversation, body=f"Private {MARK}"
    )
    other_message = connections.message_send(
        sender=other, conversation=conversation, body=f"{OTHERS} private"
    )
    request = connections.connection_request(requester=member, recipient=third, note=f"Hi {MARK}")
    blocked = _user("blocked@example.org", "Loud Crow")
    connections.block_create(blocker=member, blocked=blocked)
    connections.block_create(blocker=third, blocked=member)  # never shown to the member

    # Moderation: the member reports; the other member reports the member's message, and a
    # moderator reads it.
    report_made = report_submit(
        reporter=member, reason="spam", details=f"Details {MARK}", answer=other_answer
    )
    their_report = report_submit(reporter=other, reason="abuse", message=message)
    private_content_read(moderator=moderator, report=their_report)

    token, secret = token_create(user=member, name=f"Script {MARK}")
    _device, recovery_codes = two_factor_enable(
        user=member, key="3132333435363738393031323334353637383930", last_t=1
    )
    member.refresh_from_db()
    return Story(
        member=member,
        other=other,
        third=third,
        moderator=moderator,
        dfsp=dfsp,
        question=question,
        answer=answer,
        withdrawn=withdrawn,
        other_answer=other_answer,
        proposed=proposed,
        approved=approved,
        overview=overview,
        report=report,
        treatment=treatment,
        proposal=proposal,
        accepted_proposal=accepted_proposal,
        entry=entry,
        connection=connection,
        request=request,
        conversation=conversation,
        message=message,
        other_message=other_message,
        report_made=report_made,
        token=token,
        secret=secret,
        recovery_codes=recovery_codes,
    )
