"""Demo questions and answers: what the demo community says, so that a new site shows how the
question pages work.

`seed_demo_questions()` writes the answers, votes and editor overviews below for a handful of
diseases, through the services (counts, scores and reputation stay right), by demo members
(`raremap.communities.demo`) of those communities, joining more demo members when a role runs
short. Everything it writes is labelled: answers and overview versions get `is_demo=True` from
their demo authors, and every overview begins by saying it is demo text.

The answers are personal experiences, not medical statements: they are what a member might
write about their own care. The overviews keep to what the public sources they cite say.

Deterministic and idempotent: the same demo community gives the same authors, dates, votes and
scores on every database, and a second run adds nothing (an answer is there when its question
has a demo answer with its text). Dates are spread over the two years before the run.
Removing demo members (`seed-demo --members` with a smaller number) deletes their answers and
votes without the services, so each run first recounts the seeded questions.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from inspect import cleandoc
from typing import Protocol

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from raremap.accounts.models import User
from raremap.catalog.models import Disease
from raremap.communities.demo import demo_email
from raremap.communities.models import Membership, Role, RoleVerification
from raremap.communities.services import membership_join
from raremap.questions.models import Answer, OverviewRevision, Question, Status
from raremap.questions.services import (
    answer_create,
    overview_edit,
    overview_review,
    question_ensure,
    reputation_recompute,
    vote_cast,
)

SEED = "raremap-demo-questions-1"  # changing it changes every author, date and vote
# Below this many demo members the answers would come from a handful of accounts: no seeding.
MIN_MEMBERS = 100
VOTER_POOL = 300  # votes come from the first demo members (bounded for a million members)
AUTHOR_POOL = 2000  # demo members of a community considered as authors
NEWCOMERS = 100  # demo members who may join a community whose roles run short
DAYS = 730  # answers are spread over the last two years
MAX_VOTES = 12  # votes on one answer at most, for most questions
POPULAR = {("ORPHA:31112", "best-treatments"): 30}  # more readers, more votes

MOHS_VITAMIN_D = (
    "I had Mohs skin saving surgery after 2 other failed attempts at excision. Vitamin D"
)
DEMO_NOTICE = (
    "*This is demo editor text, written to show how this section works. It is not reviewed "
    "medical content: ask your own care team about your situation.*"
)


class Writer(Protocol):
    def write(self, text: str) -> object: ...


@dataclass(frozen=True)
class DemoAnswer:
    role: str
    language: str
    body: str


@dataclass(frozen=True)
class DemoOverview:
    body: str
    sources: str
    summary: str
    days_ago: int
    reviewed: bool = False


def _a(role: str, language: str, body: str) -> DemoAnswer:
    return DemoAnswer(role, language, cleandoc(body))


def _o(
    body: str, sources: tuple[str, ...], summary: str, days_ago: int, reviewed: bool = False
) -> DemoOverview:
    return DemoOverview(
        f"{DEMO_NOTICE}\n\n{cleandoc(body)}", "\n".join(sources), summary, days_ago, reviewed
    )


# --- Writing ----------------------------------------------------------------------------------


class _Authors:
    """Demo members of one community by role; a newcomer joins when a role runs out."""

    def __init__(self, disease: Disease, demo_members: int) -> None:
        self.disease = disease
        self.demo_members = demo_members
        self.joined = 0
        self.by_role: dict[str, list[User]] = {}
        memberships = (
            Membership.objects.filter(disease=disease, user__is_demo=True)
            .select_related("user")
            .order_by("user__email")[:AUTHOR_POOL]
        )
        for membership in memberships:
            self.by_role.setdefault(membership.role, []).append(membership.user)
        self._newcomers: list[User] | None = None

    def pick(self, role: str, used: set[int], rng: random.Random) -> User:
        """A member in `role` not in `used` (then added to it)."""
        free = [user for user in self.by_role.get(role, []) if user.pk not in used]
        user = free[rng.randrange(len(free))] if free else self._join(role)
        used.add(user.pk)
        return user

    def _join(self, role: str) -> User:
        if self._newcomers is None:
            # From a point in the demo set that depends on the disease, so that not the same
            # few members join every community.
            start = random.Random(f"{SEED}:{self.disease.primary_code}").randrange(
                1, self.demo_members + 1
            )
            outsiders = (
                User.objects.filter(is_demo=True, is_active=True)
                .exclude(memberships__disease=self.disease)
                .order_by("email")
            )
            self._newcomers = [
                *outsiders.filter(email__gte=demo_email(start))[:NEWCOMERS],
                *outsiders.filter(email__lt=demo_email(start))[:NEWCOMERS],
            ]
        if not self._newcomers:
            raise RuntimeError(f"no demo member left to join {self.disease.primary_code}")
        user = self._newcomers.pop(0)
        membership_join(user=user, disease=self.disease, role=role)
        self.by_role.setdefault(role, []).append(user)
        self.joined += 1
        return user


def _votes(rng: random.Random, most: int, age: float, length: int) -> tuple[int, float]:
    """How many votes an answer gets and the share of upvotes: older and fuller answers are
    read more; most answers are liked, some are contested."""
    reach = (0.3 + 0.7 * age) * (0.6 + 0.4 * min(length / 400, 1))
    count = round(most * rng.random() ** 1.5 * reach)
    up_share = rng.uniform(0.4, 0.65) if rng.random() < 0.15 else rng.uniform(0.8, 1.0)
    return count, up_share


def _seed_question(
    question: Question,
    answers: tuple[DemoAnswer, ...],
    authors: _Authors,
    voters: list[User],
    key: str,
    most: int,
    now: datetime,
) -> tuple[int, int]:
    """Write the answers the question does not have yet, with their votes and dates.

    `key` seeds the choices for this question; `most` is the most votes an answer gets."""
    existing = dict(
        Answer.objects.filter(question=question, is_demo=True).values_list("body", "author_id")
    )
    if all(answer.body in existing for answer in answers):
        return 0, 0
    used = set(existing.values())
    pick = random.Random(key)
    planned = []
    for index, answer in enumerate(answers):
        if answer.body in existing:
            continue
        rng = random.Random(f"{key}:{index}")
        days = rng.uniform(2, DAYS)
        author = authors.pick(answer.role, used, pick)
        planned.append((now - timedelta(days=days), answer, author, rng, 1 - days / DAYS))
    planned.sort(key=lambda row: row[0])  # oldest first, so ids follow dates
    votes = 0
    with transaction.atomic():
        made = []
        for created_at, answer, author, rng, age in planned:
            with translation.override(answer.language):
                row = answer_create(user=author, question=question, body=answer.body)
            Answer.objects.filter(pk=row.pk).update(created_at=created_at)
            made.append((row, rng, age))
        for row, rng, age in made:
            count, up_share = _votes(rng, most, age, len(row.body))
            others = [voter for voter in voters if voter.pk != row.author_id]
            for voter in rng.sample(others, min(count, len(others))):
                vote_cast(user=voter, answer=row, value=1 if rng.random() < up_share else -1)
                votes += 1
    return len(planned), votes


def _seed_overview(
    question: Question,
    overviews: tuple[DemoOverview, ...],
    authors: _Authors,
    key: str,
    now: datetime,
) -> int:
    """Write the overview versions the question lacks, unless real editors have taken over."""
    revisions = question.overview_revisions.all()
    if revisions.filter(is_demo=False).exists():
        return 0
    done = {r.body: r for r in revisions.filter(is_demo=True)}
    missing = [o for o in overviews if o.body not in done]
    unreviewed = [
        o for o in overviews if o.reviewed and o.body in done and not done[o.body].reviewed_by_id
    ]
    if not missing and not unreviewed:
        return 0
    rng = random.Random(f"{key}:overview")
    # The reviewer is never an editor of a version it reviews (a second person reviews).
    used: set[int] = {r.editor_id for r in done.values() if r.editor_id is not None}
    editor = authors.pick(Role.PROFESSIONAL, used, rng)
    reviewer = authors.pick(Role.PROFESSIONAL, used, rng)
    with transaction.atomic():
        # The fictional reviewer is shown as verified, as a moderator would have made them.
        RoleVerification.objects.get_or_create(
            user=reviewer,
            role=Role.PROFESSIONAL,
            revoked_at=None,
            defaults={"evidence": "Demo member (fictional).", "verified_at": now},
        )
        for overview in missing:
            revision = overview_edit(
                question=question,
                editor=editor,
                body=overview.body,
                sources=overview.sources,
                summary=overview.summary,
            )
            created_at = now - timedelta(days=overview.days_ago)
            OverviewRevision.objects.filter(pk=revision.pk).update(created_at=created_at)
            done[overview.body] = revision
        for overview in overviews:
            revision = done[overview.body]
            if overview.reviewed and not revision.reviewed_by_id:
                revision.reviewed_at = None  # its reviewer left the shrunk demo: review again
                overview_review(revision=revision, reviewer=reviewer)
                reviewed_at = now - timedelta(days=max(overview.days_ago - 5, 0))
                OverviewRevision.objects.filter(pk=revision.pk).update(reviewed_at=reviewed_at)
    return len(missing)


def _recount(question_ids: Iterable[int]) -> set[int]:
    """Bring answer counts, scores and reputations of these questions back to the truth after
    demo members were removed (their answers and votes went without the services). Returns
    the questions that were wrong."""
    ids = list(question_ids)
    published = (
        Answer.objects.filter(question=OuterRef("pk"), status=Status.PUBLISHED)
        .order_by()
        .values("question")
        .annotate(n=Count("pk"))
        .values("n")
    )
    counted = Coalesce(Subquery(published), Value(0))
    wrong = set(
        Question.objects.filter(pk__in=ids)
        .annotate(true_count=counted)
        .exclude(answer_count=F("true_count"))
        .values_list("pk", flat=True)
    )
    Question.objects.filter(pk__in=wrong).update(answer_count=counted)
    stale = (
        Answer.objects.filter(question_id__in=ids)
        .annotate(total=Coalesce(Sum("votes__value"), Value(0)))
        .exclude(score=F("total"))
    )
    for answer in stale:
        Answer.objects.filter(pk=answer.pk).update(score=answer.total)
        wrong.add(answer.question_id)
    # Every author: an upvote and a downvote gone together leave the score but not the
    # reputation as it was.
    for author in User.objects.filter(answers__question_id__in=ids).distinct().order_by("pk"):
        reputation_recompute(user=author)
    return wrong


def _refresh_digests(question_ids: set[int]) -> None:
    """Compute the "what members say" digests now, so the demo has them without a worker."""
    from raremap.questions.digest import digest_refresh

    for question in Question.objects.filter(pk__in=question_ids).order_by("pk"):
        digest_refresh(question=question)


def seed_demo_questions(*, stdout: Writer | None = None) -> dict[str, int]:
    """Write the demo answers, votes and overviews that are not there yet; return how many of
    each (and how many memberships demo members took to write them)."""
    counts = dict.fromkeys(("questions", "answers", "votes", "overviews", "memberships"), 0)
    # Versions whose demo editor was removed with their member go with them.
    OverviewRevision.objects.filter(is_demo=True, editor__isnull=True).delete()
    diseases = {d.primary_code: d for d in Disease.objects.filter(primary_code__in=ANSWERS)}
    slugs = {slug for questions in ANSWERS.values() for slug in questions}
    seeded = Question.objects.filter(disease__primary_code__in=ANSWERS, slug__in=slugs)
    touched = _recount(seeded.values_list("pk", flat=True))
    demo_members = User.objects.filter(is_demo=True).count()
    if demo_members < MIN_MEMBERS:
        _refresh_digests(touched)
        return counts
    voters = list(User.objects.filter(is_demo=True, is_active=True).order_by("email")[:VOTER_POOL])
    now = timezone.now()
    for code, questions in ANSWERS.items():
        disease = diseases.get(code)
        if disease is None:  # a catalog without this disease
            continue
        authors = _Authors(disease, demo_members)
        for slug, answers in questions.items():
            question = question_ensure(disease=disease, slug=slug)
            if question.status != Status.PUBLISHED:
                continue
            key = f"{SEED}:{code}:{slug}"
            most = POPULAR.get((code, slug), MAX_VOTES)
            made, votes = _seed_question(question, answers, authors, voters, key, most, now)
            overviews = OVERVIEWS.get((code, slug), ())
            versions = _seed_overview(question, overviews, authors, key, now)
            if made or versions:
                counts["questions"] += 1
                touched.add(question.pk)
            counts["answers"] += made
            counts["votes"] += votes
            counts["overviews"] += versions
        counts["memberships"] += authors.joined
    _refresh_digests(touched)
    if stdout is not None:
        if counts["answers"] or counts["overviews"]:
            stdout.write(
                f"Demo questions: {counts['answers']:,} answers to {counts['questions']:,} "
                f"questions, {counts['votes']:,} votes, {counts['overviews']:,} overview "
                f"versions ({counts['memberships']:,} memberships added).\n"
            )
        else:
            stdout.write("Demo questions and answers are current.\n")
    return counts


# --- Content ----------------------------------------------------------------------------------
# Answers are (role, language, Markdown). Roles match the text ("my son" is a relative's).
# The formatter would put every argument of _a on its own line: the texts stay as written.
# fmt: off

P, R, C = Role.PATIENT, Role.RELATIVE, Role.CAREGIVER
H, A, G = Role.PROFESSIONAL, Role.ADVISER, Role.ORGANISATION  # G: a patient group

DFSP = {
    "best-treatments": (
        _a(P, "en", MOHS_VITAMIN_D),
        _a(P, "en", """
            My surgeon did Mohs surgery on my shoulder in two stages. The first stage still
            showed tumour at one edge, so they took a bit more the same afternoon and the second
            was clear. I went home the same day with a big dressing. Three years on there is no
            sign of it coming back, and I still go for check-ups every six months.
        """),
        _a(P, "en", """
            I had wide local excision, then radiotherapy because one margin was close.
            Radiotherapy was six weeks, every weekday. The skin got red and sore towards the
            end but settled within a couple of months. The tiredness was the worst part for me.
        """),
        _a(P, "en", """
            What I had, in order:

            1. Punch biopsy (the first one came back as a "dermatofibroma")
            2. A second, deeper biopsy that showed DFSP
            3. An MRI to see how deep it went
            4. Wide local excision with a skin graft

            The graft took about three weeks to heal. Ask about the donor site too: mine (the
            thigh) hurt more than the chest wound!
        """),
        _a(P, "en", """
            My tumour on the back was too big to remove without a huge operation, so my
            oncologist started me on Gleevec (imatinib) first to try to shrink it. I was on it
            for about five months. It did get smaller in my case, and the surgery afterwards
            was smaller than first planned. Side effects for me: puffy eyes, some nausea in the
            first weeks and muscle cramps. Everyone reacts differently, so talk it through with
            your oncologist.
        """),
        _a(R, "en", """
            My husband had Mohs at a university hospital. It took the whole day: they remove a
            layer, look at it under the microscope while you wait, and go again if needed. He
            needed four layers. Bring snacks, a phone charger and a book.
        """),
        _a(P, "en", """
            Wide excision with 2 cm margins, clear the first time. Five years clear now. Find a
            sarcoma centre if you can.
        """),
        _a(P, "es", """
            A mí me hicieron cirugía de Mohs en la pierna. Fueron dos sesiones y luego un
            injerto de piel. La recuperación fue lenta, casi dos meses sin poder hacer deporte,
            pero ya llevo dos años sin recaída.
        """),
        _a(P, "es", """
            Me operaron con escisión amplia en el abdomen. Lo más difícil para mí fue esperar
            los resultados de los márgenes. Salieron limpios y ahora voy a revisión cada seis
            meses.
        """),
        _a(C, "es", """
            Mi madre tomó imatinib antes de la cirugía porque el tumor estaba cerca del hombro
            y el cirujano quería reducirlo. Le dio cansancio y retención de líquidos, pero lo
            toleró. Recomiendo llevar una libreta con todas las preguntas a cada consulta.
        """),
        _a(P, "fr", """
            J'ai eu une exérèse large dans le dos, puis une greffe de peau. Le plus dur a été la
            cicatrisation, environ six semaines. Trois ans plus tard, pas de récidive. Mon
            conseil : demandez à être suivi dans un centre spécialisé dans les sarcomes.
        """),
        _a(P, "de", """
            Bei mir wurde das DFSP am Oberarm zweimal nachoperiert, bis die Ränder frei waren.
            Danach keine weitere Behandlung, nur Nachsorge alle sechs Monate mit Ultraschall.
            Das ist jetzt vier Jahre her.
        """),
        _a(P, "pt", """
            Fiz cirurgia de Mohs no rosto, perto da orelha. O cirurgião tirou três camadas e
            depois um cirurgião plástico fez a reconstrução no mesmo dia. A cicatriz ficou
            melhor do que eu esperava.
        """),
        _a(P, "en", """
            My DFSP came back twice.

            - **2014**: removed by a general surgeon who thought it was a cyst. The margins
              were not checked properly.
            - **2017**: it came back in the scar. Wide local excision, margins "close".
            - **2019**: back again. This time I was referred to a sarcoma centre, had Mohs,
              then radiotherapy.

            Clear since 2019. If I could go back, I would ask for a sarcoma specialist from
            the start.
        """),
        _a(H, "en", """
            I'm a dermatology nurse, speaking from what I see in clinic and not giving advice
            for anyone's case: the patients who seem to do best are the ones who get to a team
            that sees DFSP regularly and who keep coming to their follow-up. Please bring any
            new lump in or near the scar to your team early.
        """),
        _a(P, "en", """
            I had "slow Mohs" (they called it staged excision): they removed the tumour, waited
            for the full pathology over several days, went back for more where needed, and only
            closed the wound once everything was clear. It meant living with an open wound for
            a week, but I liked that they didn't close it before they were sure.
        """),
        _a(P, "en", """
            Surgery only. Mohs, one stage, done in three hours. Tiny scar. I know I was lucky
            it was caught small.
        """),
        _a(R, "en", """
            Our daughter was diagnosed at 9 (it looked like a birthmark on her back). She had a
            wide excision under general anaesthetic and is doing great. For other parents: the
            children's hospital had a play specialist who made the whole thing much less scary.
        """),
        _a(P, "en", """
            I'm on imatinib right now for a recurrence that can't be operated on. Four months
            in. The swelling around my eyes is annoying and I get cramps at night; drinking
            more water seems to help me a little. My scans show it stable so far.
        """),
        _a(P, "en", """
            Two wide excisions, then a flap reconstruction by a plastic surgeon. Physio
            afterwards for my shoulder movement, which I'd really recommend asking for. It made
            a big difference for me.
        """),
        _a(A, "en", """
            Diagnosed twelve years ago. What worked for me was Mohs, but honestly the "best"
            treatment was the one my team could do well where my tumour was. Ask how many DFSP
            cases your surgeon has treated. Happy to talk with anyone newly diagnosed.
        """),
        _a(P, "en", "Mohs on my chest in 2021. Still clear. The scar is 8 cm long and fading."),
        _a(P, "es", """
            En mi caso:

            - Biopsia
            - Resonancia
            - Cirugía de Mohs (3 etapas)
            - Colgajo para cerrar

            Sigo en control con mi dermatóloga. No me dieron radioterapia ni medicación.
        """),
        _a(P, "es", """
            Tomé Gleevec durante seis meses porque el tumor era grande y estaba en la pared
            abdominal. En mi caso se redujo bastante y luego me operaron. Los efectos
            secundarios fueron náuseas al principio y ojos hinchados por la mañana.
        """),
        _a(R, "en", """
            My wife's DFSP was on her scalp. She had Mohs followed by radiotherapy because they
            couldn't get a wide margin there. She lost some hair where it was treated, which
            was hard for her, but it has been two years without a recurrence.
        """),
        _a(P, "en", """
            I had a wide excision and was told I didn't need anything else. I also changed my
            diet and take vitamin D because my GP found mine was low, but that is for my
            general health, not a treatment for DFSP.
        """),
        _a(P, "en", """
            Still deciding between Mohs and wide excision. My dermatologist offers Mohs and the
            sarcoma surgeon suggests wide excision with reconstruction. Reading everyone's
            stories here is helping me prepare my questions for both of them.
        """),
        _a(G, "en", """
            From our patient group's conversations: many members had more than one operation
            before the margins were clear, so don't lose heart if the first result isn't the
            final one. The tip our members give most often is to have the pathology reviewed
            by a sarcoma pathologist.
        """),
        _a(P, "fr", """
            Chirurgie de Mohs sur la jambe, en deux temps. Suites simples, un peu de douleur la
            première semaine. Je n'ai pas eu besoin d'autre traitement.
        """),
        _a(P, "de", """
            Ich habe vor der OP Imatinib bekommen, weil der Tumor an der Schulter sehr groß war.
            Nach vier Monaten war er bei mir kleiner und die Operation kleiner als befürchtet.
            Nebenwirkungen: Müdigkeit und Wassereinlagerungen.
        """),
        _a(P, "pt", """
            Fiz excisão ampla nas costas e depois radioterapia. Foram 30 sessões. A pele ficou
            vermelha, mas passou. Estou há três anos sem recidiva.
        """),
        _a(C, "en", """
            I care for my dad (78). Because of his age and his heart, his team chose a smaller
            operation and then radiotherapy instead of a big reconstruction. Every case is
            different: ask what the options mean for the person's whole health, not just the
            tumour.
        """),
        _a(P, "en", """
            Long story, sorry. The lump on my thigh was there for about six years before anyone
            took it seriously. Once it was diagnosed I had:

            1. A CT scan of the chest (clear)
            2. Wide local excision with 3 cm margins
            3. A skin graft

            The first weeks were rough: drains, dressing changes every other day, crutches. By
            three months I was walking normally. Now I have yearly check-ups. My advice: get a
            second opinion at a sarcoma centre before surgery if you can, and ask about
            physiotherapy.
        """),
        _a(P, "en", """
            Mohs surgery, three stages, then the wound was left to heal on its own (no graft)
            because it was in a good spot. It took about eight weeks but the result is really
            neat.
        """),
        _a(P, "es", "Escisión amplia y nada más. Cuatro años libre de enfermedad. ¡Ánimo a todos!"),
    ),
    "symptoms": (
        _a(P, "en", """
            Mine started as a flat, slightly darker patch on my chest that felt firm under the
            skin. For years it didn't hurt at all. Then it slowly became a raised lump.
        """),
        _a(P, "en", """
            A small bump on my back that I thought was a pimple that never went away. It grew
            very slowly over about four years.
        """),
        _a(R, "en", """
            On my son it looked like a bruise that never faded, then it turned into a
            purplish raised area. No pain.
        """),
        _a(P, "es", """
            Tenía una zona dura en el hombro, como una cicatriz, que fue creciendo muy despacio.
            A veces me picaba, pero no dolía.
        """),
        _a(P, "en", """
            What I noticed:

            - a firm, rubbery lump
            - the skin over it shiny and a bit pink
            - it got bigger during my pregnancy
            - tender only when my bra strap rubbed it
        """),
        _a(P, "fr", """
            Une petite bosse dure sur la cuisse, couleur chair, qui grossissait très lentement.
            Mon médecin pensait à un kyste.
        """),
        _a(P, "en", """
            Honestly, no symptoms except the lump. I felt completely well, which is why I
            waited so long.
        """),
        _a(H, "en", """
            From the patients I have met: many describe a lump or patch that was there for
            years and was first taken for a cyst, a scar or a lipoma. If something in your skin
            keeps growing, even slowly, it is worth having it looked at.
        """),
    ),
    "diagnosis": (
        _a(P, "en", """
            It took five years and three doctors. The first biopsy was too shallow and said
            dermatofibroma. A deeper biopsy finally showed DFSP, and the lab confirmed it with
            a genetic test on the tissue (they mentioned COL1A1-PDGFB).
        """),
        _a(P, "en", """
            My GP referred me to a dermatologist within a month: punch biopsy, diagnosis two
            weeks later, then an MRI before surgery. About three months from my first visit to
            the operation.
        """),
        _a(P, "es", """
            Me lo diagnosticaron después de quitarme lo que creían que era un quiste: el
            patólogo vio que no lo era. Fue una sorpresa total.
        """),
        _a(P, "de", """
            Die Diagnose kam bei mir erst nach der Entfernung, durch die Histologie. Danach
            musste ich nachoperiert werden, weil die Ränder nicht frei waren.
        """),
        _a(R, "en", """
            For our daughter: an ultrasound first (inconclusive), then a biopsy under sedation.
            The slides were sent to a specialist centre for a second look, which meant another
            two weeks of waiting.
        """),
        _a(P, "pt", """
            Demorou dois anos. Achavam que era um lipoma. Só depois de uma biópsia profunda
            descobri que era DFSP.
        """),
    ),
    "is-it-hereditary": (
        _a(P, "en", """
            I asked my oncologist because I was worried for my kids. She explained that in my
            case the gene change is only in the tumour, not something I was born with. Ask
            your team about your own case.
        """),
        _a(P, "en", "Nobody else in my family has ever had it, as far as I know."),
        _a(R, "es", """
            Nuestra genetista nos explicó nuestro caso y nos tranquilizó mucho. Recomiendo
            pedir esa consulta si tenéis dudas.
        """),
        _a(P, "en", """
            I was offered genetic counselling at the sarcoma centre. Worth doing just for peace
            of mind.
        """),
        _a(P, "fr", """
            Personne dans ma famille. Mon dermatologue m'a dit que dans mon cas ce n'était pas
            héréditaire.
        """),
    ),
    "life-expectancy": (
        _a(P, "en", """
            My surgeon told me that after it was fully removed, the main thing to watch for in
            my case was it coming back in the same place, so follow-up matters. I'm ten years
            out and living a normal life.
        """),
        _a(P, "en", """
            This question scared me so much when I was diagnosed. Five years later I work,
            travel and run. Please don't read old forum posts at 3 a.m. like I did.
        """),
        _a(P, "es", """
            Llevo ocho años desde la cirugía y hago vida normal. Lo importante para mí han sido
            las revisiones.
        """),
        _a(A, "en", """
            I'm not a doctor. What helped me most was going through my own pathology report
            with my specialist, much more than any statistics I found online.
        """),
    ),
    "specialist": (
        _a(P, "en", """
            A dermatologist for the biopsy, then a sarcoma surgeon. Mine was on the face, so a
            Mohs surgeon and a plastic surgeon as well.
        """),
        _a(P, "es", """
            Yo fui al dermatólogo y de ahí me mandaron a la unidad de sarcomas del hospital.
        """),
        _a(H, "en", """
            In my hospital DFSP cases are discussed at the sarcoma multidisciplinary meeting,
            so several specialists look at each case together. Asking whether your case has
            been discussed at such a meeting is a fair question.
        """),
    ),
    "living-with": (
        _a(P, "en", """
            The hardest part for me was the scar on my chest and feeling self-conscious at the
            beach. Two years later I care much less.
        """),
        _a(P, "en", """
            Check-up anxiety ("scanxiety") is real. I book something nice for the day after
            every appointment.
        """),
        _a(P, "pt", """
            Vivo normalmente. Só preciso de ir às consultas de controlo e vigiar a pele perto
            da cicatriz.
        """),
    ),
    "natural-treatments": (
        _a(P, "en", """
            I looked into this a lot. My team was clear that surgery was my treatment. I do
            yoga, which helped me cope with the stress, not to treat the tumour.
        """),
        _a(P, "es", """
            Yo tomé infusiones y cuidé la alimentación, pero como apoyo. Lo que me quitó el
            tumor fue la cirugía.
        """),
    ),
}

CYSTIC_FIBROSIS = {
    "best-treatments": (
        _a(P, "en", """
            My daily routine: airway clearance twice a day with a vest and a PEP device,
            inhaled medicines, enzymes with every meal. Since I started a CFTR modulator a few
            years ago I have had far fewer hospital stays. Not everyone's variants qualify, so
            ask your CF team.
        """),
        _a(R, "en", """
            Our son is 6. The biggest help has been our CF centre team: the physio taught us
            airway clearance that we do as a game, and the dietitian sorted out his enzymes and
            salt.
        """),
        _a(P, "es", """
            Fisioterapia respiratoria todos los días, enzimas pancreáticas y nebulizaciones.
            Hago deporte porque a mí me ayuda a expectorar. Desde que tomo el modulador me
            siento otra persona.
        """),
        _a(C, "en", """
            Things that made our life easier:

            - a fixed time for the nebuliser, like brushing teeth
            - a checklist for the enzymes on the fridge
            - a spare set of everything at grandma's
        """),
        _a(P, "de", """
            Bei mir: Inhalationen, Physiotherapie, Enzyme und regelmäßige Kontrollen in der
            CF-Ambulanz. Sport hilft mir persönlich sehr.
        """),
    ),
    "living-with": (
        _a(P, "en", """
            Treatments take about two hours a day for me. I work part-time, which makes it
            manageable.
        """),
        _a(P, "en", """
            Because of cross-infection I never meet other people with CF in person, which is
            why online communities matter so much to me.
        """),
        _a(P, "pt", """
            Tenho 28 anos, trabalho e viajo. Há dias difíceis, mas a vida é muito mais do que a
            doença.
        """),
    ),
    "life-expectancy": (
        _a(P, "en", """
            When I was born my parents were given very gloomy numbers. I'm 34 now. My CF team
            told me the old statistics don't describe people on today's treatments, so ask
            your own team.
        """),
        _a(R, "es", """
            Nos asustamos mucho con las cifras de internet. Nuestro equipo nos explicó que han
            cambiado mucho con los tratamientos nuevos.
        """),
    ),
}

MARFAN = {
    "best-treatments": (
        _a(P, "en", """
            I take a blood pressure medicine my cardiologist prescribed for my aorta and have
            an echo every year. I had aortic root surgery at 35 when it reached the size my
            team had set as the limit. Recovery took about three months.
        """),
        _a(P, "en", """
            Regular eye checks (a dislocated lens in my case), glasses, and a yearly
            echocardiogram. I avoid heavy lifting and contact sports on my cardiologist's
            advice.
        """),
        _a(R, "es", """
            Mi hija tiene Marfan. Lo más importante para nosotros ha sido el seguimiento en
            cardiología y oftalmología, y la fisioterapia para su espalda.
        """),
        _a(P, "fr", """
            Suivi cardiaque tous les ans, un traitement pour la tension, et beaucoup de
            natation, conseillée par mon cardiologue.
        """),
    ),
    "symptoms": (
        _a(P, "en", """
            Mine:

            - very tall and thin, long fingers
            - short-sighted since childhood, later a dislocated lens
            - stretch marks without any weight change
            - a slightly sunken chest
        """),
        _a(P, "en", "Joint pain and tiredness are what bother me most from day to day."),
        _a(R, "en", """
            Our son's first sign was his eyes: the optician noticed something about his lenses
            and referred him on.
        """),
    ),
    "is-it-hereditary": (
        _a(P, "en", """
            In my family it came from my father's side; three of us have it. Genetic testing
            found the same FBN1 variant in all of us.
        """),
        _a(P, "en", """
            Nobody else in my family has it; my geneticist said mine is a new change. We talked
            with her about what that means for my children.
        """),
        _a(P, "de", """
            Bei uns ist es vererbt: meine Mutter und ich haben es. Die genetische Beratung war
            sehr hilfreich.
        """),
    ),
}

HYPERMOBILE_EDS = {
    "symptoms": (
        _a(P, "en", """
            For me:

            - joints that partly dislocate (shoulders, kneecaps)
            - chronic pain and fatigue
            - bruising easily
            - dizziness when standing up (later diagnosed as POTS)
        """),
        _a(P, "en", """
            Being "bendy" as a kid felt like a party trick. The pain started in my teens.
        """),
        _a(P, "es", """
            Dolor en casi todas las articulaciones, cansancio y problemas digestivos. Pasaron
            años hasta que alguien lo unió todo.
        """),
        _a(C, "en", """
            My partner's worst symptom is fatigue. Some days getting dressed is the whole
            energy budget.
        """),
    ),
    "diagnosis": (
        _a(P, "en", """
            It took fifteen years. A rheumatologist finally assessed me against the 2017
            criteria (the Beighton score and other features). There was no gene test for my
            type, which surprised me.
        """),
        _a(P, "en", "I was diagnosed by a geneticist after my daughter was diagnosed first."),
        _a(P, "fr", """
            Diagnostic posé par un rhumatologue après des années d'errance. Le score de Beighton
            a été le point de départ.
        """),
    ),
    "best-treatments": (
        _a(P, "en", """
            Physio focused on strength and balance changed my life more than any medicine. It
            has to be a physio who knows hypermobility: the first one pushed me too hard.
        """),
        _a(P, "en", "Compression garments, wrist splints at night, and pacing."),
        _a(P, "pt", "Fisioterapia, hidroginástica e um psicólogo para lidar com a dor crónica."),
    ),
}

HUNTINGTON = {
    "is-it-hereditary": (
        _a(R, "en", """
            My mum has HD. After counselling sessions I decided to have the predictive test;
            my sister decided not to. Both choices are valid, and the counsellors respected
            each of them.
        """),
        _a(P, "en", """
            I found out after my father's diagnosis. The genetic counselling took months, and
            I'm glad it did: it gave me time to think.
        """),
        _a(R, "es", """
            En mi familia lo tienen mi abuelo y mi tío. Yo todavía no he decidido si hacerme
            la prueba.
        """),
        _a(R, "de", """
            Mein Vater ist betroffen. Die genetische Beratung hat uns als Familie sehr
            geholfen, auch wenn nicht alle den Test machen wollten.
        """),
    ),
    "first-symptoms": (
        _a(R, "en", """
            With my dad it was his mood first: irritability and losing his temper, years
            before any change in his movements.
        """),
        _a(C, "en", "Small fidgety movements and dropping things. We thought he was just clumsy."),
        _a(R, "fr", """
            Chez ma mère, des difficultés à s'organiser et à suivre une conversation, bien
            avant les mouvements.
        """),
    ),
    "living-with": (
        _a(C, "en", """
            Caring for my husband: routines, a speech therapist for swallowing, and respite
            care for me once a month.
        """),
        _a(R, "en", """
            Our HD clinic's social worker helped us most with practical things like benefits
            and adapting the house.
        """),
    ),
}

TYPE_2_DIABETES = {
    "best-treatments": (
        _a(P, "en", """
            Metformin plus a 30-minute walk after dinner. My HbA1c came down over a year, along
            with some weight. My doctor adjusts things at each check-up.
        """),
        _a(P, "en", """
            What helped me:

            - a diabetes education course (the most useful thing I did)
            - fewer refined carbs
            - metformin, later a second tablet
            - checking my feet every evening
        """),
        _a(P, "es", """
            Tomo metformina y sigo la dieta de mi nutricionista. Caminar todos los días me ha
            ayudado mucho.
        """),
        _a(R, "en", """
            My father started on a weekly injection his doctor suggested. He has lost weight
            and his numbers are better, but the nausea at the start was tough.
        """),
        _a(P, "pt", """
            Mudança de alimentação e exercício, com acompanhamento médico. Ainda tomo
            medicação, mas numa dose menor.
        """),
    ),
    "natural-treatments": (
        _a(P, "en", """
            Diet and exercise made the biggest difference for me, but I still needed
            medication. Be careful with supplements sold as cures: my pharmacist found that
            one I was taking interfered with my tablets.
        """),
        _a(P, "es", """
            Probé con canela y otras cosas que vi en internet y no noté nada. Lo que me
            funcionó fue la dieta con seguimiento médico.
        """),
        _a(P, "en", """
            Walking after meals. Simple and free, and my glucose meter shows the difference
            for me.
        """),
    ),
}

ANSWERS: dict[str, dict[str, tuple[DemoAnswer, ...]]] = {
    "ORPHA:31112": DFSP,  # dermatofibrosarcoma protuberans
    "ORPHA:586": CYSTIC_FIBROSIS,
    "ORPHA:558": MARFAN,
    "ORPHA:285": HYPERMOBILE_EDS,  # hypermobile Ehlers-Danlos syndrome
    "ORPHA:399": HUNTINGTON,
    "ICD10:E11": TYPE_2_DIABETES,
}

# fmt: on

ORPHANET = "https://www.orpha.net/en/disease/detail/"
MEDLINEPLUS = "https://medlineplus.gov/genetics/condition/"
DFSP_SOURCES = (
    f"[Orphanet: Dermatofibrosarcoma protuberans]({ORPHANET}31112)",
    f"[MedlinePlus Genetics: Dermatofibrosarcoma protuberans]"
    f"({MEDLINEPLUS}dermatofibrosarcoma-protuberans/)",
)
DFSP_TREATMENT_SOURCES = (
    *DFSP_SOURCES,
    "[Hao X. et al. Dermatofibrosarcoma Protuberans: Update on the Diagnosis and Treatment. "
    "J Clin Med. 2020;9(6):1752](https://pmc.ncbi.nlm.nih.gov/articles/PMC7355835/)",
    "[NCCN Guidelines: Dermatofibrosarcoma Protuberans, Version 1.2025 (JNCCN)]"
    "(https://jnccn.org/view/journals/jnccn/23/1/article-e250001.xml)",
)

OVERVIEWS: dict[tuple[str, str], tuple[DemoOverview, ...]] = {
    ("ORPHA:31112", "best-treatments"): (
        _o(
            """
            Treatment of DFSP is planned by a specialist team for each person. The public
            sources below describe surgery that removes the tumour with clear margins as the
            main treatment, done either as Mohs micrographic surgery or as a wide local
            excision. Ask your care team which option fits your situation.
            """,
            DFSP_SOURCES,
            "First version",
            days_ago=420,
        ),
        _o(
            """
            Treatment of DFSP is planned by a specialist team for each person. The public
            sources below describe:

            - **Surgery** that removes the tumour with clear margins, as the main treatment:
              Mohs micrographic surgery or a wide local excision, sometimes followed by
              reconstruction.
            - **Radiotherapy** in some situations, for example when clear margins are hard to
              reach.
            - **Targeted medicine** (imatinib) for some tumours that cannot be removed, or
              before surgery to shrink a large tumour.
            - **Follow-up visits** after treatment, because DFSP can come back where it was.

            The answers below are members' own experiences, not recommendations. Ask your care
            team which options fit your situation.
            """,
            DFSP_TREATMENT_SOURCES,
            "Radiotherapy, targeted medicine and follow-up, with two more sources",
            days_ago=60,
            reviewed=True,
        ),
    ),
    ("ORPHA:31112", "symptoms"): (
        _o(
            """
            The public sources below describe DFSP as usually starting as a firm patch or bump
            in the skin, most often on the trunk, arms or legs, that grows slowly over months
            or years. At first it can look like a scar, a bruise, a pimple or a birthmark, and
            it is often painless. Only an examination and a biopsy can tell what a lump is:
            see a doctor about any skin change that keeps growing.
            """,
            DFSP_SOURCES,
            "First version",
            days_ago=300,
        ),
    ),
    ("ORPHA:31112", "is-it-hereditary"): (
        _o(
            """
            The public sources below describe DFSP as generally not inherited: the gene change
            found in most tumours (a rearrangement that joins the COL1A1 and PDGFB genes)
            arises in the tumour cells during a person's life and is not passed on to
            children. A genetic counsellor can answer questions about your own family.
            """,
            DFSP_SOURCES,
            "First version",
            days_ago=250,
        ),
    ),
    ("ORPHA:399", "is-it-hereditary"): (
        _o(
            """
            The public sources below describe Huntington disease as inherited in an autosomal
            dominant pattern: a parent with the altered HTT gene has a 50% chance of passing
            it on to each child. Predictive testing is offered with genetic counselling before
            and after the test; deciding whether to be tested is a personal choice.
            """,
            (
                f"[Orphanet: Huntington disease]({ORPHANET}399)",
                f"[MedlinePlus Genetics: Huntington disease]({MEDLINEPLUS}huntington-disease/)",
            ),
            "First version",
            days_ago=200,
        ),
    ),
    ("ORPHA:586", "best-treatments"): (
        _o(
            """
            Cystic fibrosis care is usually given by a specialised CF centre team. The public
            sources below describe airway clearance, inhaled medicines, antibiotics for lung
            infections, pancreatic enzymes and nutrition support, and CFTR modulator medicines
            for people with certain gene variants. Ask your CF team which of these apply to
            you.
            """,
            (
                f"[Orphanet: Cystic fibrosis]({ORPHANET}586)",
                f"[MedlinePlus Genetics: Cystic fibrosis]({MEDLINEPLUS}cystic-fibrosis/)",
            ),
            "First version",
            days_ago=150,
        ),
    ),
}
