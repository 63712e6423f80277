"""What a "what members say" refresh costs with kept answer embeddings, against embedding every
answer again.

    .venv/bin/python bench/digest.py [--answers 200] [--rounds 3]

A question with --answers published answers (200 is MAX_ANSWERS, what a busy question's
refresh reads) in a throwaway SQLite site (bench/out/digest). Each round one member answers,
then the digest is refreshed twice: with the embeddings kept for the other answers (only the
new one is embedded), and with every kept embedding deleted first (each answer embedded again,
as before embeddings were kept). Prints the median times and their ratio. Not a test: numbers
depend on the machine.
"""

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "out" / "digest"

PHRASES = [
    "Mohs surgery removed it with clear margins",
    "imatinib shrank the tumour before the operation",
    "radiotherapy after the second excision",
    "our support group meets every month",
    "the scar took a year to settle",
    "no recurrence in five years of check-ups",
    "me operaron con márgenes amplios",
    "el imatinib me dio náuseas",
    "a dermatologist found it after three years",
    "physiotherapy helped with the shoulder",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    os.environ.setdefault("SECRET_KEY", "bench-digest-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ.update(
        RAREMAP_DATA_DIR=str(DATA),
        DJANGO_SETTINGS_MODULE="raremap.settings",
        RAREMAP_TASKS="immediate",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from raremap.accounts.models import User
    from raremap.catalog.models import Disease
    from raremap.communities.models import Role
    from raremap.communities.services import membership_join
    from raremap.questions import services
    from raremap.questions.digest import digest_refresh
    from raremap.questions.models import AnswerEmbedding

    disease = Disease.objects.create(
        slug="bench-disease", name="Bench disease", kind="rare", primary_code="BENCH:1"
    )
    question = services.question_ensure(disease=disease, slug="best-treatments")

    def answer(number: int) -> None:
        user = User.objects.create_user(
            email=f"m{number}@bench.example", password=None, display_name=f"Member {number}"
        )
        membership_join(user=user, disease=disease, role=Role.PATIENT)
        body = ", ".join(PHRASES[(number * k) % len(PHRASES)] for k in (1, 3, 7)) + f" ({number})."
        services.answer_create(user=user, question=question, body=body)

    for number in range(args.answers):
        answer(number)
    digest_refresh(question=question)  # every answer embedded and kept once

    kept_times, afresh_times = [], []
    for round_ in range(args.rounds):
        answer(args.answers + round_)
        started = time.perf_counter()
        digest_refresh(question=question)
        kept_times.append(time.perf_counter() - started)
        AnswerEmbedding.objects.all().delete()
        started = time.perf_counter()
        digest_refresh(question=question)
        afresh_times.append(time.perf_counter() - started)

    kept, afresh = statistics.median(kept_times), statistics.median(afresh_times)
    print(f"answers read by a refresh: {min(args.answers + 1, 200)}")
    print(f"refresh, embeddings kept (one new answer embedded): {kept * 1000:.0f} ms")
    print(f"refresh, every answer embedded again:               {afresh * 1000:.0f} ms")
    print(f"ratio afresh / kept: {afresh / kept:.1f}x")


if __name__ == "__main__":
    main()
