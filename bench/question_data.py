"""Data for bench/questions.py, written into the site that DJANGO_SETTINGS_MODULE and
RAREMAP_DATA_DIR point at (run by the benchmark, not by hand).

    question_data.py small 0 0      top DFSP best-treatments up to 30 answers; print a session
                                    key of a member who voted on all of them
    question_data.py large N Q      add N answers over Q questions of other diseases
"""

import random
import sys
import time

import django

django.setup()  # before the models are imported: this file runs as a script
from django.db import connection, transaction

from raremap.accounts.models import User
from raremap.accounts.sessions import session_for
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role
from raremap.communities.services import membership_join
from raremap.core.text import render_markdown
from raremap.questions import services
from raremap.questions.models import Answer, Question
from raremap.questions.standard import STANDARD_QUESTIONS

mode, answers_wanted, questions_wanted = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
dfsp = Disease.objects.get(primary_code="ORPHA:31112")
best = services.question_ensure(disease=dfsp, slug="best-treatments")
if mode == "small":
    # Top the demo up to 30 answers if it has fewer, then a member who voted on all of them.
    demo = list(User.objects.filter(is_demo=True).order_by("pk")[:200])
    i = 0
    while best.answers.filter(status="published").count() < 30:
        author = demo[i]
        i += 1
        if not Membership.objects.filter(user=author, disease=dfsp).exists():
            membership_join(user=author, disease=dfsp, role=Role.PATIENT)
        if best.answers.filter(author=author).exists():
            continue
        services.answer_create(
            user=author,
            question=best,
            body=f"Bench answer {i}: surgery, then follow-up every six months.",
        )
    voter, _ = User.objects.get_or_create(
        email="bench@bench.invalid", defaults={"display_name": "Bench Voter", "is_demo": True}
    )
    membership_join(user=voter, disease=dfsp, role=Role.RELATIVE)
    for answer in best.answers.filter(status="published").exclude(author=voter):
        services.vote_cast(user=voter, answer=answer, value=1)
    session_key = session_for(voter)
    print(session_key)
else:
    started = time.perf_counter()
    rng = random.Random(7)
    authors = list(User.objects.filter(is_demo=True).values_list("pk", flat=True)[:5000])
    diseases = list(Disease.objects.exclude(pk=dfsp.pk).order_by("pk").values_list("pk", flat=True))
    slugs = [q.slug for q in STANDARD_QUESTIONS]
    per_disease = len(slugs)
    targets = [
        (diseases[n // per_disease], slugs[n % per_disease]) for n in range(questions_wanted)
    ]
    existing = set(Question.objects.values_list("disease_id", "slug"))
    Question.objects.bulk_create(
        [Question(disease_id=d, slug=s) for d, s in targets if (d, s) not in existing],
        batch_size=5000,
    )
    question_ids = list(Question.objects.exclude(pk=best.pk).values_list("pk", flat=True))
    body = "I had surgery and then physiotherapy; it took a year to feel normal again. " * 4
    html = render_markdown(body)
    made = 0
    with transaction.atomic():
        while made < answers_wanted:
            batch = [
                Answer(
                    question_id=question_ids[(made + k) % len(question_ids)],
                    author_id=rng.choice(authors),
                    body=body,
                    body_html=html,
                    language="en",
                    score=rng.randint(-2, 30),
                    is_demo=True,
                )
                for k in range(min(20000, answers_wanted - made))
            ]
            Answer.objects.bulk_create(batch, batch_size=5000)
            made += len(batch)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE questions_question SET answer_count = (SELECT COUNT(*) FROM "
                "questions_answer a WHERE a.question_id = questions_question.id "
                "AND a.status = 'published')"
            )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    answers, questions = Answer.objects.count(), Question.objects.count()
    print(f"{answers} answers over {questions} questions in {seconds:.0f} s")
