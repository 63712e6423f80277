"""Opting in, changing place, withdrawing, and what the publisher makes of it."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from raremap.atlas import selectors, services
from raremap.atlas.models import MapConsent, MapEntry, MapSnapshot, Precision
from raremap.communities.models import Role
from tests.factories import MembershipFactory, UserFactory


def test_opting_in_stores_only_the_place_at_the_chosen_precision(trusted, dfsp, places):
    entry = services.map_join(
        user=trusted, disease=dfsp, place=places.lyon, precision=Precision.REGION, consent=True
    )
    assert entry.place == places.ara  # Lyon itself is not stored anywhere
    assert entry.consent.text_version == services.CONSENT_VERSION
    assert entry.consent.withdrawn_at is None


def test_a_lonely_member_is_on_no_map_until_k_share_their_country(
    trusted, dfsp, places, map_member, settings
):
    settings.MAP_K = 3
    entry = services.map_join(
        user=trusted, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True
    )
    assert entry.published_place is None
    assert selectors.snapshot_get(dfsp.pk)["total"] == 0
    map_member(dfsp, places.grenoble)
    map_member(dfsp, places.france)
    entry.refresh_from_db()
    assert entry.published_place == places.france  # Lyon 1, region 2, country 3
    summary = selectors.snapshot_get(dfsp.pk)
    assert summary["total"] == 3
    assert summary["countries"] == [("FR", 3)]


def test_pins_move_to_the_city_once_k_members_chose_it(dfsp, places, map_member, settings):
    settings.MAP_K = 2
    first = map_member(dfsp, places.lyon)
    second = map_member(dfsp, places.lyon)
    for entry in (first, second):
        entry.refresh_from_db()
        assert entry.published_place == places.lyon
    assert selectors.country_cells(dfsp.pk, "FR") == [(places.lyon.pk, 2)]


def test_withdrawing_removes_the_pin_and_republishes_in_the_same_call(
    dfsp, places, map_member, settings
):
    settings.MAP_K = 2
    first = map_member(dfsp, places.lyon)
    second = map_member(dfsp, places.lyon)
    map_member(dfsp, places.paris)
    user = first.membership.user
    assert services.map_withdraw(user=user, disease=dfsp) is True
    assert not MapEntry.objects.filter(pk=first.pk).exists()
    assert MapConsent.objects.get(user=user).withdrawn_at is not None
    second.refresh_from_db()
    # Alone in Lyon now: with Paris they make France's 2.
    assert second.published_place == places.france
    snapshot = selectors.snapshot_get(dfsp.pk)
    assert snapshot["total"] == 2
    assert selectors.country_cells(dfsp.pk, "FR") == [(places.france.pk, 2)]
    assert services.map_withdraw(user=user, disease=dfsp) is False


def test_leaving_the_community_takes_the_member_off_the_map(
    dfsp, places, map_member, settings, django_capture_on_commit_callbacks
):
    from raremap.communities.services import membership_leave

    settings.MAP_K = 2
    first = map_member(dfsp, places.lyon)
    second = map_member(dfsp, places.lyon)
    with django_capture_on_commit_callbacks(execute=True):
        membership_leave(user=first.membership.user, disease=dfsp)
    second.refresh_from_db()
    assert second.published_place is None
    assert selectors.snapshot_get(dfsp.pk)["total"] == 0


def test_one_place_change_a_week_but_sharing_less_any_time(trusted, dfsp, places, settings):
    settings.MAP_K = 1
    services.map_join(
        user=trusted, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True
    )
    with pytest.raises(ValidationError, match="change your place again in 7 days"):
        services.map_join(
            user=trusted, disease=dfsp, place=places.paris, precision=Precision.CITY, consent=True
        )
    coarser = services.map_join(
        user=trusted, disease=dfsp, place=places.lyon, precision=Precision.COUNTRY, consent=True
    )
    assert coarser.place == places.france
    MapEntry.objects.filter(pk=coarser.pk).update(
        place_changed_at=coarser.place_changed_at - timedelta(days=7)
    )
    moved = services.map_join(
        user=trusted, disease=dfsp, place=places.madrid, precision=Precision.CITY, consent=True
    )
    assert moved.place == places.madrid
    assert moved.published_place == places.madrid


@pytest.mark.parametrize(
    ("precision", "message"),
    [(Precision.REGION, "do not know the region of Villa Suelta")],
)
def test_a_precision_the_gazetteer_cannot_give_is_refused(
    trusted, dfsp, places, precision, message
):
    with pytest.raises(ValidationError, match=message):
        services.map_join(
            user=trusted, disease=dfsp, place=places.madrid, precision=precision, consent=True
        )
    with pytest.raises(ValidationError, match="at least as precise"):
        services.map_join(
            user=trusted, disease=dfsp, place=places.france, precision=Precision.CITY, consent=True
        )
    assert not MapEntry.objects.exists()


def test_no_map_without_consent_membership_or_having_taken_part(member, dfsp, places):
    with pytest.raises(ValidationError, match="Join the community"):
        services.map_join(
            user=member, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True
        )
    MembershipFactory(user=member, disease=dfsp)
    with pytest.raises(ValidationError, match="once you have taken part"):
        services.map_join(
            user=member, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True
        )
    member.reputation = 10
    member.save(update_fields=["reputation"])
    with pytest.raises(ValidationError, match="agree to be shown"):
        services.map_join(
            user=member, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=False
        )
    assert not MapEntry.objects.exists()
    assert not MapConsent.objects.exists()


def test_role_counts_suppress_small_groups(dfsp, places, map_member, settings):
    settings.MAP_K = 2
    for _ in range(3):
        map_member(dfsp, places.france, role=Role.PATIENT)
    map_member(dfsp, places.france, role=Role.RELATIVE)
    snapshot = selectors.snapshot_get(dfsp.pk)
    # The lone relative would be derivable (4 − 3): the patients join "other roles".
    assert snapshot["roles"] == [("other", 4)]
    assert snapshot["total"] == 4


def test_inactive_accounts_are_not_shown(dfsp, places, map_member, settings):
    settings.MAP_K = 2
    first = map_member(dfsp, places.lyon)
    second = map_member(dfsp, places.lyon)
    user = second.membership.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    services.map_publish(disease_id=dfsp.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.published_place is None
    assert second.published_place is None


def test_the_aggregate_is_cached_json_of_counts_only(
    dfsp, places, map_member, settings, django_capture_on_commit_callbacks
):
    settings.MAP_K = 2
    with django_capture_on_commit_callbacks(execute=True):
        map_member(dfsp, places.lyon, display_name="Secret Name")
        map_member(dfsp, places.lyon)
    with CaptureQueriesContext(connection) as queries:
        body = selectors.aggregate_json(dfsp.pk)
    assert len(queries) == 0  # filled by the publisher when the change committed
    assert b"Secret Name" not in body
    assert b"Lyon" not in body
    assert b'"total":2' in body
    assert b'{"country":"FR","count":2}' in body
    assert MapSnapshot.objects.get(disease=dfsp).version == 2


def test_a_new_account_is_not_trusted_for_the_map(dfsp, places):
    user = UserFactory()
    MembershipFactory(user=user, disease=dfsp)
    with pytest.raises(ValidationError):
        services.map_join(
            user=user, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True
        )


def _answer(user, dfsp, slug: str = "symptoms"):  # type: ignore[no-untyped-def]
    from raremap.questions.services import answer_create, question_ensure

    question = question_ensure(disease=dfsp, slug=slug)
    return answer_create(user=user, question=question, body="What helped me was Mohs surgery.")


def test_the_refusal_says_how_many_more_answers_the_rule_needs(member, dfsp, places, settings):
    MembershipFactory(user=member, disease=dfsp)
    settings.NEW_MEMBER_ANSWERS = 2
    _answer(member, dfsp)  # one answer is not enough when the rule says two

    with pytest.raises(ValidationError) as refused:
        services.map_join(
            user=member, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True
        )

    assert refused.value.messages == [
        "You can put yourself on the map once you have taken part in the community: write 1 "
        "more answer to its questions, or reach 10 reputation points."
    ]
    settings.NEW_MEMBER_ANSWERS = 4  # the sentence follows the rule
    assert services.answers_needed_to_join(member) == 3
    assert "write 3 more answers" in services.join_rule_text(3)
    settings.NEW_MEMBER_ANSWERS = 2
    _answer(member, dfsp, "diagnosis")
    assert services.answers_needed_to_join(member) == 0
    entry = services.map_join(
        user=member, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True
    )
    assert entry.place == places.lyon


def test_one_day_to_wait_is_said_in_the_singular(trusted, dfsp, places, settings):
    settings.MAP_K = 1
    settings.MAP_PLACE_CHANGE_DAYS = 1
    services.map_join(
        user=trusted, disease=dfsp, place=places.lyon, precision=Precision.CITY, consent=True
    )
    with pytest.raises(ValidationError) as error:
        services.map_join(
            user=trusted, disease=dfsp, place=places.paris, precision=Precision.CITY, consent=True
        )
    assert error.value.messages == ["You can change your place again in 1 day."]
