"""How much members report and talk about each treatment, kept on its row so that the
treatments index can list the most reported and discussed first without counting anything per
request (20,000 treatments, read in the order of the `treatment_by_activity` index).

Two counts, each the number another page already shows, so the index never disagrees with it:

* `Treatment.report_count`: the reports its disease pages show, i.e. the sum of its rankings
  with at least TREATMENT_MIN_REPORTS reports (`selectors.shown_filter`); fewer are never
  shown anywhere, so they are not counted here either. Refreshed with the rankings
  (`ranking.rankings_recompute`), for the treatments whose rankings it replaced.
* `Treatment.mention_count`: the published answers to published questions that name it (not
  "did not try …"), as its own page counts them (`vocabulary.treatment_mention_list`).
  Refreshed with an answer's mentions (`mentions.mentions_refresh`), and for the answers of a
  question a moderator hides or publishes again (`tasks.question_mentions_recount_task`).

Each refresh counts afresh (idempotent) with the treatments' rows locked in id order, so two
refreshes of one treatment take turns and the later one counts what the earlier wrote.
`raremap recompute-rankings` (for every disease) ends with `activity_counts_refresh()`, which
recounts every treatment, and `raremap extract-mentions` recounts every mention count. A count
may otherwise lag only after an account is deleted with its reports and answers, until the next
refresh of those treatments.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from raremap.questions.models import Status
from raremap.treatments.models import Treatment, TreatmentMention, TreatmentRanking


def _shown_reports() -> Coalesce:
    # The one minimum-count rule; imported here, as the selectors import the rankings module,
    # which refreshes these counts.
    from raremap.treatments.selectors import shown_filter

    rows = (
        TreatmentRanking.objects.filter(shown_filter(), treatment=OuterRef("pk"))
        .order_by()
        .values("treatment")
        .annotate(n=Sum("reports"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def _visible_mentions() -> Coalesce:
    rows = (
        TreatmentMention.objects.filter(
            treatment=OuterRef("pk"),
            negated=False,
            answer__status=Status.PUBLISHED,
            answer__question__status=Status.PUBLISHED,
        )
        .order_by()
        .values("treatment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def _refresh(treatment_ids: Iterable[int] | None, **counts: Coalesce) -> None:
    with transaction.atomic():
        treatments = Treatment.objects.all()
        if treatment_ids is not None:
            ids = sorted(set(treatment_ids))
            if not ids:
                return
            treatments = treatments.filter(pk__in=ids)
            # Locked in id order: refreshes of overlapping treatments cannot deadlock, and
            # the later one counts after the earlier has committed. FOR NO KEY UPDATE: new
            # reports and mentions may still refer to the rows.
            list(treatments.select_for_update(no_key=True).order_by("pk").values_list("pk"))
        treatments.update(**counts)


def report_counts_refresh(*, treatment_ids: Iterable[int] | None = None) -> None:
    """Count the shown reports of these treatments (all when None) from their rankings."""
    _refresh(treatment_ids, report_count=_shown_reports())


def mention_counts_refresh(*, treatment_ids: Iterable[int] | None = None) -> None:
    """Count the published answers that name these treatments (all when None)."""
    _refresh(treatment_ids, mention_count=_visible_mentions())


def activity_counts_refresh() -> None:
    """Count both for every treatment (after bulk changes; idempotent)."""
    _refresh(None, report_count=_shown_reports(), mention_count=_visible_mentions())
