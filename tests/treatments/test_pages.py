"""The disease treatments page and the ranking section: what is shown, what never is, queries."""

import datetime
import re

import pytest
from django.db.models import Count, Max
from django.test import Client
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_aware, make_aware

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.models import Role
from raremap.treatments.models import Treatment, TreatmentRanking, TreatmentReport
from raremap.treatments.ranking import rankings_recompute
from raremap.treatments.selectors import (
    ranking_list,
    ranking_page,
    ranking_section_html,
    ranking_version,
)
from tests.accounts.helpers import text_of
from tests.caches import empty_caches
from tests.factories import MembershipFactory, UserFactory
from tests.kept import (
    NO_PAGE_CACHE,
    account_links,
    assert_csrf_of,
    assert_no_csrf_of,
    count_renders,
    csrf_secret,
    csrf_tokens,
)

pytestmark = pytest.mark.django_db

PAGE = "/d/dermatofibrosarcoma-protuberans/treatments/"


def _treatment(slug: str, name: str | None = None) -> Treatment:
    return Treatment.objects.create(
        slug=slug, name=name or slug.replace("-", " ").title(), kind="drug", source="curated"
    )


def _reports(
    disease: Disease,
    treatment: Treatment,
    scores: list[int],
    *,
    countries: list[str] | None = None,
    reported_for: list[str] | None = None,
    burden: int = 2,
) -> None:
    countries = countries or [""] * len(scores)
    reported_for = reported_for or ["self"] * len(scores)
    users = [UserFactory(country=country) for country in countries]
    TreatmentReport.objects.bulk_create(
        TreatmentReport(
            user=user,
            disease=disease,
            treatment=treatment,
            reported_for=who,
            effectiveness=score,
            side_effect_burden=burden,
        )
        for user, score, who in zip(users, scores, reported_for, strict=True)
    )


def test_four_reports_are_hidden_five_are_shown(client: Client, dfsp: Disease) -> None:
    _reports(dfsp, _treatment("imatinib"), [5, 5, 5, 5, 4])
    _reports(dfsp, _treatment("radiotherapy"), [1, 2, 2, 1])
    rankings_recompute()

    page = text_of(client.get(PAGE))
    selected = ranking_page(dfsp)

    assert [item.slug for item in ranking_list(dfsp)] == ["imatinib"]
    assert [(h.slug, h.name) for h in selected.hidden] == [("radiotherapy", "Radiotherapy")]
    assert "1. Imatinib" in page
    # (1 + 2 + 3 + 4·2 + 5·5) / 10 = 3.9; V = 171/10 − 3.9² = 1.89; 1.645·√(1.89/11) = 0.68
    assert "Reports 5 Score 3.90 90% interval 3.22 to 4.58 Average rating 4.80 of 5" in page
    assert (
        "1 treatment has fewer than 5 reports: its results are not shown yet. Radiotherapy" in page
    )
    radiotherapy = page[page.index("Not shown yet") :]
    assert not re.search(r"Radiotherapy \(?\d", radiotherapy)  # a name, never a number
    assert "4 reports" not in page
    assert "2.33" not in page  # radiotherapy's score: (1·3 + 2·3 + 3 + 4 + 5) / 9 = 2.33


def test_a_treatment_reaching_the_minimum_appears(client: Client, dfsp: Disease) -> None:
    radiotherapy = _treatment("radiotherapy")
    _reports(dfsp, radiotherapy, [1, 2, 2, 1])
    rankings_recompute()
    assert ranking_list(dfsp) == []

    _reports(dfsp, radiotherapy, [3])
    rankings_recompute()

    assert [(r.slug, r.reports) for r in ranking_list(dfsp)] == [("radiotherapy", 5)]
    assert "Not shown yet" not in text_of(client.get(PAGE))


def test_min_reports_setting_is_the_one_rule(client: Client, dfsp: Disease, settings) -> None:
    settings.TREATMENT_MIN_REPORTS = 3
    _reports(dfsp, _treatment("imatinib"), [4, 4, 4], countries=["ES", "ES", "FR"])
    rankings_recompute()

    assert [r.slug for r in ranking_list(dfsp)] == ["imatinib"]
    assert "Countries" not in text_of(client.get(PAGE))  # 2 and 1: both below 3


def test_countries_below_the_minimum_are_not_listed(client: Client, dfsp: Disease) -> None:
    _reports(
        dfsp,
        _treatment("imatinib"),
        [4] * 10,
        countries=["ES"] * 5 + ["FR"] * 4 + ["DE"],
    )
    rankings_recompute()

    page = text_of(client.get(PAGE))
    item = ranking_list(dfsp)[0]

    assert [(c.code, c.name, c.count) for c in item.countries] == [("ES", "Spain", 5)]
    assert "Countries with at least 5 reports: Spain (5)" in page
    assert "France" not in page
    assert "Germany" not in page


def test_countries_in_spanish(client: Client, dfsp: Disease) -> None:
    _reports(dfsp, _treatment("imatinib"), [4] * 5, countries=["DE"] * 5)
    rankings_recompute()

    page = text_of(client.get(f"/es{PAGE}"))

    assert "Alemania (5)" in page


def test_the_page_shows_the_numbers_as_text_and_a_css_chart(client: Client, dfsp: Disease) -> None:
    # 20 reports: 5 give 5, 10 give 4, 4 give 3, 1 gives 1; 15 patients, 5 relatives.
    _reports(
        dfsp,
        _treatment("mohs-surgery", "Mohs surgery"),
        [5] * 5 + [4] * 10 + [3] * 4 + [1],
        reported_for=["self"] * 15 + ["relative"] * 3 + ["care"] * 2,
        burden=3,
    )
    rankings_recompute()

    response = client.get(PAGE)
    html = response.content.decode()
    page = text_of(response)

    assert 'style="' not in html  # strict CSP: classes only
    assert "<script>" not in html
    assert '<table class="chart">' in html
    assert "How well it worked: the 20 reports by rating" in page
    rows = re.findall(
        r'<th scope="row">(\d) – [^<]+</th><td class="num">(\d+)</td><td class="share">'
        r'<span class="track" aria-hidden="true"><span class="bar bar-(\d+)"></span></span> (\d+)%',
        html,
    )
    assert rows == [
        ("5", "5", "25", "25"),
        ("4", "10", "50", "50"),
        ("3", "4", "20", "20"),
        ("2", "0", "0", "0"),
        ("1", "1", "5", "5"),
    ]
    # score = (1·2 + 2·1 + 3·5 + 4·11 + 5·6) / 25 = 93/25 = 3.72
    assert "Score 3.72" in page
    assert "Average rating 3.90 of 5" in page
    assert "Side-effect burden 3.0 of 5" in page
    assert "Reported by people with the disease: 75% · by relatives and caregivers: 25%" in page
    assert '<a href="/t/mohs-surgery/">Mohs surgery</a>' in html
    assert f'href="{PAGE}report/?treatment=mohs-surgery"' in html


def test_the_page_says_what_the_numbers_are(client: Client, dfsp: Disease) -> None:
    _reports(dfsp, _treatment("imatinib"), [4] * 5)
    rankings_recompute()

    page = text_of(client.get(PAGE))

    assert "Patient reports are not clinical trial evidence." in page
    assert "How the ranking is made" in page
    assert "two reports rating 5 give a score of (1 + 2 + 3 + 4 + 5 + 5 + 5) ÷ 7 = 3.57" in page
    assert "The 90% interval is the range" in page
    assert "Numbers are shown only for treatments with at least 5 reports" in page
    assert "Updated " in page
    assert f'href="{PAGE}report/"' in client.get(PAGE).content.decode()


def test_a_page_without_reports(client: Client, dfsp: Disease) -> None:
    page = text_of(client.get(PAGE))

    assert "No treatment has 5 reports from members yet, so there is no ranking yet." in page
    assert "Updated" not in page
    assert "Not shown yet" not in page


def test_a_threshold_of_one_report_is_said_in_the_singular(
    client: Client, dfsp: Disease, settings
) -> None:
    settings.TREATMENT_MIN_REPORTS = 1

    page = text_of(client.get(PAGE))

    assert "No treatment has 1 report from members yet, so there is no ranking yet." in page
    assert (
        "Numbers are shown only for treatments with at least 1 report, and countries only when "
        "at least 1 report comes from them."
    ) in page


def test_unknown_disease_is_404(client: Client) -> None:
    assert client.get("/d/no-such-disease/treatments/").status_code == 404


def test_rejected_treatments_are_not_listed(client: Client, dfsp: Disease) -> None:
    rejected = _treatment("snake-oil")
    _reports(dfsp, rejected, [5] * 6)
    _reports(dfsp, _treatment("nostrum"), [5])
    rankings_recompute()
    Treatment.objects.filter(pk=rejected.pk).update(status="rejected")

    page = text_of(client.get(PAGE))

    assert ranking_list(dfsp) == []
    assert "Snake Oil" not in page
    assert "Nostrum" in page


def test_member_links(member_client: Client, client: Client, member: User, dfsp: Disease) -> None:
    MembershipFactory(user=member, disease=dfsp, role=Role.PATIENT)

    html = member_client.get(PAGE).content.decode()
    anonymous = client.get(PAGE, headers=NO_PAGE_CACHE).content.decode()

    assert f'<a href="{PAGE}mine/">My reports</a>' in html
    assert "Quiet Heron" in html
    assert "My reports" not in anonymous
    assert "Quiet Heron" not in anonymous


def test_one_kept_page_shows_each_viewer_only_their_own_parts(
    member_client: Client,
    other_client: Client,
    client: Client,
    member: User,
    other_member: User,
    dfsp: Disease,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Member A, member B, a visitor and A again get the same kept page, each with their own
    header, link to their reports and CSRF token, and nothing of the others'."""
    renders = count_renders(monkeypatch, "raremap.treatments.fragments")
    MembershipFactory(user=member, disease=dfsp, role=Role.PATIENT)
    _reports(dfsp, _treatment("imatinib"), [4] * 5)
    rankings_recompute()

    page_a = member_client.get(PAGE).content.decode()
    page_b = other_client.get(PAGE).content.decode()
    anonymous = client.get(PAGE, headers=NO_PAGE_CACHE).content.decode()
    again_a = member_client.get(PAGE).content.decode()

    assert renders.templates == ["treatments/disease_treatments.html"]
    assert "Quiet Heron" in account_links(page_a)
    assert "Brisk Otter" in account_links(page_b)
    assert "Quiet Heron" not in page_b
    assert "Brisk Otter" not in page_a + again_a
    assert "Quiet Heron" not in anonymous
    assert f'<a href="{PAGE}mine/">My reports</a>' in page_b
    assert "My reports" not in anonymous
    tokens_a = assert_csrf_of(page_a, member_client)
    tokens_b = assert_csrf_of(page_b, other_client)
    assert (len(tokens_a), len(tokens_b)) == (1, 1)  # the log-out form
    assert_no_csrf_of(page_b, tokens_a, csrf_secret(member_client))
    assert_no_csrf_of(again_a, tokens_b, csrf_secret(other_client))
    assert csrf_tokens(anonymous) == []
    assert_no_csrf_of(anonymous, tokens_a, csrf_secret(member_client))


def test_the_kept_page_follows_every_recompute(
    client: Client, member_client: Client, dfsp: Disease
) -> None:
    imatinib = _treatment("imatinib")
    _reports(dfsp, imatinib, [4] * 5)
    rankings_recompute()
    assert "5 reports" in text_of(member_client.get(PAGE))
    assert "5 reports" in text_of(client.get(PAGE, headers=NO_PAGE_CACHE))

    _reports(dfsp, imatinib, [4])
    rankings_recompute()
    assert "6 reports" in text_of(member_client.get(PAGE))
    assert "6 reports" in text_of(client.get(PAGE, headers=NO_PAGE_CACHE))

    TreatmentReport.objects.all().delete()
    rankings_recompute()
    assert "Imatinib" not in text_of(client.get(PAGE, headers=NO_PAGE_CACHE))


def _orm_version(disease: Disease) -> tuple[datetime.datetime | None, int]:
    row = TreatmentRanking.objects.filter(disease=disease).aggregate(
        latest=Max("computed_at"), rows=Count("pk")
    )
    return row["latest"], row["rows"]


def _version_parts(version: str) -> tuple[datetime.datetime | None, int]:
    """The newest `computed_at` (as the database wrote it: text on SQLite) and the count."""
    if version == "none":
        return None, 0
    latest, _colon, rows = version.rpartition(":")
    moment = parse_datetime(latest)
    assert moment is not None
    return (moment if is_aware(moment) else make_aware(moment, datetime.UTC)), int(rows)


def test_ranking_version_reads_what_the_orm_reads(dfsp: Disease) -> None:
    """ranking_version is written out in SQL: its newest `computed_at` and count are the ORM's,
    and it changes with every recompute."""
    imatinib = _treatment("imatinib")
    versions = [ranking_version(dfsp)]
    assert _version_parts(versions[-1]) == _orm_version(dfsp) == (None, 0)
    _reports(dfsp, imatinib, [4] * 5)
    rankings_recompute()
    versions.append(ranking_version(dfsp))
    _reports(dfsp, _treatment("radiotherapy"), [3] * 5)
    rankings_recompute()
    versions.append(ranking_version(dfsp))

    assert _version_parts(versions[-1]) == _orm_version(dfsp)
    assert _orm_version(dfsp)[1] == 2
    assert len(set(versions)) == 3


def test_demo_banner(client: Client, dfsp: Disease) -> None:
    MembershipFactory(user=UserFactory(is_demo=True), disease=dfsp)

    assert "Demo community: the reports on this page" in text_of(client.get(PAGE))


@pytest.mark.parametrize("count", [1, 3])
def test_page_queries_do_not_grow_with_treatments(
    count: int, client: Client, dfsp: Disease, django_assert_num_queries
) -> None:
    for n in range(count):
        _reports(dfsp, _treatment(f"treatment-{n}"), [4] * 5, countries=["ES"] * 5)
    _reports(dfsp, _treatment("rare-one"), [3])
    rankings_recompute()
    client.get(PAGE, headers=NO_PAGE_CACHE)  # the catalog part of the disease is cached

    # the rankings' version: the page itself is kept until the rankings are recomputed
    with django_assert_num_queries(1):
        response = client.get(PAGE, headers=NO_PAGE_CACHE)
    assert response.content.decode().count('<table class="chart">') == count


@pytest.mark.parametrize("count", [1, 3])
def test_member_page_queries_do_not_grow_with_treatments(
    count: int,
    member_client: Client,
    member: User,
    dfsp: Disease,
    django_assert_num_queries,
) -> None:
    MembershipFactory(user=member, disease=dfsp, role=Role.RELATIVE)
    for n in range(count):
        _reports(dfsp, _treatment(f"treatment-{n}"), [4] * 5)
    rankings_recompute()
    member_client.get(PAGE)

    # the session with the member; the header's counts; the rankings' version (the page is
    # kept until they are recomputed)
    with django_assert_num_queries(3):
        response = member_client.get(PAGE)
    assert response.content.decode().count('<table class="chart">') == count


def test_anonymous_page_is_cached(client: Client, dfsp: Disease, django_assert_num_queries) -> None:
    _reports(dfsp, _treatment("imatinib"), [4] * 5)
    rankings_recompute()
    client.get(PAGE)

    with django_assert_num_queries(0):
        response = client.get(PAGE)
    assert "1. Imatinib" in text_of(response)


def test_ranking_section_shows_the_top_five(dfsp: Disease) -> None:
    for n, score in enumerate([5, 4, 3, 2, 1, 1]):
        _reports(dfsp, _treatment(f"t{n}", f"Treatment {n}"), [score] * 5)
    _reports(dfsp, _treatment("few", "Few reports"), [5, 5])
    rankings_recompute()
    empty_caches()

    html = ranking_section_html(dfsp)

    names = re.findall(r'<a href="/t/([^/]+)/">', html)
    assert names == ["t0", "t1", "t2", "t3", "t4"]
    assert "Few reports" not in html  # the section counts them, names are on the full page
    assert "1 more treatment has fewer than 5 reports: its results are not shown yet." in html
    assert "Patient reports are not clinical trial evidence." in html
    assert "All ranked treatments, with the details" in html
    assert "csrfmiddlewaretoken" not in html  # nothing per viewer: safe to cache
    first = re.search(r"<tr><th scope=\"row\">1\. .*?</tr>", html)
    assert first is not None
    # five 5s: (1 + 2 + 3 + 4 + 5·6) / 10 = 4.00; V = 180/10 − 16 = 2; 1.645·√(2/11) = 0.70
    assert re.sub(r"<[^>]+>", " ", first.group(0)).split() == [
        "1.", "Treatment", "0", "5", "4.00", "3.30", "to", "4.70", "2.0", "of", "5",
    ]  # fmt: skip


def test_ranking_section_without_rankings(dfsp: Disease) -> None:
    html = ranking_section_html(dfsp)

    assert "No treatment has 5 reports from members yet" in html
    assert "Report a treatment you tried" in html


def test_ranking_section_escapes_names(dfsp: Disease) -> None:
    _reports(dfsp, _treatment("x", "<b>X</b>"), [4] * 5)
    rankings_recompute()

    html = ranking_section_html(dfsp)

    assert "&lt;b&gt;X&lt;/b&gt;" in html
    assert "<b>X</b>" not in html
