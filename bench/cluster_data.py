"""Data for bench/cluster.py, in the site that DJANGO_SETTINGS_MODULE, DATABASE_URL and
RAREMAP_DATA_DIR point at (run by the benchmark, not by hand). Prints one JSON line.

    cluster_data.py members TAG N   N members of the DFSP community for one run (active, past
                                    the new-member sandbox, connected in pairs), two more
                                    connected for the message limit, and what the workload
                                    needs: answers to vote on, treatment names, places
    cluster_data.py check FILE      the database against the writes the run saw acknowledged
                                    (FILE: JSON), the background tasks since the run started,
                                    and the counts the nodes should show
"""

import json
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import django

django.setup()  # before the models are imported: this file runs as a script
from django.contrib.auth.hashers import make_password
from django.db.models import Count, Sum
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from raremap.accounts import views as accounts
from raremap.accounts.models import Session, User
from raremap.accounts.notice import PRIVACY_NOTICE_VERSION
from raremap.accounts.services import consent_give
from raremap.atlas.models import MapEntry, Place, Precision
from raremap.catalog.models import Disease
from raremap.communities.models import Membership, Role, RoleCount
from raremap.communities.services import membership_join
from raremap.connections import limits
from raremap.connections import services as connections
from raremap.connections.models import Connection, Message
from raremap.questions import reputation
from raremap.questions.models import Answer, Question, Status, Vote
from raremap.questions.standard import STANDARD_QUESTIONS
from raremap.treatments.models import Treatment, TreatmentReport, TreatmentStatus

PASSWORD = "cluster bench passphrase, not a secret"  # noqa: S105 (bench members only)
QUESTION = "best-treatments"
# Curated treatments the vocabulary knows by these exact names (the report form resolves
# names; a generic name of a medicine can match several entries).
TREATMENT_KINDS = ("procedure", "therapy", "supplement", "lifestyle")


def dfsp() -> Disease:
    return Disease.objects.get(primary_code="ORPHA:31112")


def _member(tag: str, name: str, password: str, disease: Disease) -> User:
    user = User.objects.create_user(
        f"cluster-{tag}-{name}@bench.invalid", None, display_name=f"Cluster {tag} {name}"
    )
    User.objects.filter(pk=user.pk).update(
        password=password, reputation=reputation.TRUSTED_REPUTATION
    )
    user.refresh_from_db()
    consent_give(user=user, version=PRIVACY_NOTICE_VERSION)  # as signing up through the form
    membership_join(user=user, disease=disease, role=Role.PATIENT)
    return user


def _connect(a: User, b: User) -> str:
    connection = connections.connection_request(requester=a, recipient=b, note="")
    connections.connection_accept(user=b, connection=connection)
    connection.refresh_from_db()
    return connection.conversation.public_id


def _out(user: User) -> dict[str, Any]:
    return {"id": user.pk, "email": user.email, "public_id": user.public_id}


def members(tag: str, count: int) -> dict[str, Any]:
    disease = dfsp()
    password = make_password(PASSWORD)  # hashed once: every bench member has this password
    people = [_member(tag, str(n), password, disease) for n in range(count)]
    conversations = {}
    for a, b in zip(people[::2], people[1::2], strict=False):
        conversations[f"{a.pk}-{b.pk}"] = _connect(a, b)
    # Two connected members for the message limit, a third whose log-in is hammered.
    hammer = [_member(tag, f"limit-{n}", password, disease) for n in range(3)]
    question = Question.objects.get(disease=disease, slug=QUESTION)
    answers = list(
        Answer.objects.filter(question=question, status=Status.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)[:30]
    )
    treatments = list(
        Treatment.objects.filter(status=TreatmentStatus.APPROVED, kind__in=TREATMENT_KINDS)
        .order_by("pk")
        .values_list("name", flat=True)[:60]
    )
    places = list(
        Place.objects.filter(kind=Precision.CITY, population__gte=1_000_000)
        .order_by("pk")
        .values_list("pk", flat=True)[:40]
    )
    return {
        "password": PASSWORD,
        "disease": disease.slug,
        "question": QUESTION,
        "questions": [standard.slug for standard in STANDARD_QUESTIONS],
        "members": [_out(user) for user in people],
        "conversations": conversations,
        "hammer": {
            "members": [_out(user) for user in hammer],
            "conversation": _connect(*hammer[:2]),
        },
        "answers": answers,
        "treatments": treatments,
        "places": places,
        "notice_version": PRIVACY_NOTICE_VERSION,
        # The stated limits the bench hammers (the views and connections.limits hold them).
        "limits": {
            "login_account": accounts.LOGIN_PER_ACCOUNT.count,
            "login_ip": accounts.LOGIN_PER_IP.count,
            "signup_ip": accounts.SIGNUP_PER_IP.count,
            "messages": limits.MESSAGES.count,
        },
    }


def _lost_and_duplicated(expected: list[str], found: Counter) -> dict[str, Any]:
    lost = [marker for marker in expected if found[marker] == 0]
    duplicated = [marker for marker in expected if found[marker] > 1]
    return {
        "acknowledged": len(expected),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "examples": (lost + duplicated)[:5],
    }


def _markers(texts: list[str], prefix: str) -> Counter:
    """How often each bench marker (`prefix`, a letter and a number) occurs in `texts`."""
    marker = re.compile(rf"{re.escape(prefix)}[a-z]\d+")
    found: Counter = Counter()
    for text in texts:
        found.update(marker.findall(text))
    return found


def _tasks(started: datetime, killed: datetime | None, drain: int) -> dict[str, Any]:
    """The background tasks enqueued since the run started, once none is queued or running
    (at most `drain` seconds): the killed worker's task is queued again by `raremap worker`
    after TASK_STUCK_SECONDS; one still running then was left behind."""
    tasks = DBTaskResult.objects.filter(enqueued_at__gte=started)
    deadline = time.monotonic() + drain
    busy = (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    while time.monotonic() < deadline and tasks.filter(status__in=busy).exists():
        time.sleep(0.5)
    counts = dict(tasks.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    # A task claimed twice was taken back from a worker that died (raremap worker's recovery).
    counts["claimed more than once"] = sum(
        1 for ids in tasks.values_list("worker_ids", flat=True) if len(ids) > 1
    )
    if killed is not None:
        orphans = tasks.filter(status=TaskResultStatus.RUNNING, started_at__lt=killed)
        counts["RUNNING since before the kill"] = orphans.count()
        counts["orphaned"] = sorted(orphans.values_list("task_path", flat=True))
    return counts


def check(acks: dict[str, Any]) -> dict[str, Any]:
    tag, disease = acks["tag"], dfsp()
    prefix = f"cb{tag}-"
    results: dict[str, Any] = {}

    answers = Answer.objects.filter(body__contains=prefix)
    bodies = dict(answers.values_list("pk", "body"))
    results["answers"] = _lost_and_duplicated(
        [a["marker"] for a in acks["answers"]], _markers(list(bodies.values()), prefix)
    )
    # The id in the redirect is the answer with the marker.
    results["answers"]["wrong_id"] = sum(
        1 for a in acks["answers"] if a["marker"] not in _markers([bodies.get(a["id"], "")], prefix)
    )
    # Writes whose answer the bench never saw (a 502 or a reset while a node died): did they
    # land? Not an error either way: the person did not see it and may look or try again.
    found = _markers(list(bodies.values()), prefix)
    unknown = [a["marker"] for a in acks["answers_unknown"]]
    results["answers"]["unacknowledged_attempts"] = len(unknown)
    results["answers"]["unacknowledged_committed"] = sum(1 for m in unknown if found[m])

    # Votes: the last acknowledged value of each (member, answer) is the stored one, and every
    # touched answer's score is the sum of its votes.
    last: dict[tuple[int, int], int] = {}
    for vote in acks["votes"]:
        last[(vote["user"], vote["answer"])] = vote["value"]
    stored = defaultdict(list)
    voters = {user for user, _answer in last}
    for user, answer, value in Vote.objects.filter(user__in=voters).values_list(
        "user_id", "answer_id", "value"
    ):
        stored[(user, answer)].append(value)
    lost = sum(1 for key, value in last.items() if value and key not in stored)
    wrong = sum(
        1 for key, value in last.items() if key in stored and stored[key] != [value] and value
    )
    wrong += sum(1 for key, value in last.items() if key in stored and not value)
    touched = {answer for _user, answer in last}
    sums = dict(
        Vote.objects.filter(answer__in=touched)
        .values("answer")
        .annotate(total=Sum("value"))
        .values_list("answer", "total")
    )
    scores = dict(Answer.objects.filter(pk__in=touched).values_list("pk", "score"))
    off = {pk: (scores[pk], sums.get(pk, 0)) for pk in touched if scores[pk] != sums.get(pk, 0)}
    results["votes"] = {
        "acknowledged": len(acks["votes"]),
        "pairs": len(last),
        "lost": lost,
        "duplicated": sum(1 for values in stored.values() if len(values) > 1),
        "wrong_value": wrong,
        "answers_touched": len(touched),
        "scores_off": len(off),
        "examples": [f"answer {pk}: score {a}, votes sum {b}" for pk, (a, b) in off.items()][:5],
    }

    bodies = list(Message.objects.filter(body__contains=prefix).values_list("body", flat=True))
    results["messages"] = _lost_and_duplicated(
        [m["marker"] for m in acks["messages"]], _markers(bodies, prefix)
    )

    notes = TreatmentReport.objects.filter(side_effects_note__contains=prefix)
    results["reports"] = _lost_and_duplicated(
        [r["marker"] for r in acks["reports"]],
        _markers(list(notes.values_list("side_effects_note", flat=True)), prefix),
    )

    requests = Connection.objects.filter(note__contains=prefix).values_list("note", flat=True)
    results["connection_requests"] = _lost_and_duplicated(
        [c["marker"] for c in acks["connections"]], _markers(list(requests), prefix)
    )

    joined = Counter(
        str(user)
        for user in MapEntry.objects.filter(
            disease=disease, membership__user__in=[j["user"] for j in acks["map_joins"]]
        ).values_list("membership__user", flat=True)
    )
    results["map_joins"] = _lost_and_duplicated([str(j["user"]) for j in acks["map_joins"]], joined)

    emails = [s["email"] for s in acks["signups"]]
    active = Counter(
        User.objects.filter(email__in=emails, is_active=True).values_list("email", flat=True)
    )
    results["signups"] = _lost_and_duplicated(emails, active)
    memberships = Counter(
        Membership.objects.filter(disease=disease, user__email__in=emails).values_list(
            "user__email", flat=True
        )
    )
    results["community_joins"] = _lost_and_duplicated(
        [j["email"] for j in acks["joins"]], memberships
    )
    keys = Counter(
        Session.objects.filter(session_key__in=acks["sessions"]).values_list(
            "session_key", flat=True
        )
    )
    results["log_in_sessions"] = _lost_and_duplicated(acks["sessions"], keys)

    killed = datetime.fromisoformat(acks["killed"]) if acks.get("killed") else None
    started = datetime.fromisoformat(acks["started"])
    results["tasks"] = _tasks(started, killed, acks["drain_seconds"])

    question = Question.objects.get(disease=disease, slug=QUESTION)
    answer_scores = dict(
        Answer.objects.filter(pk__in=acks["read_answers"]).values_list("pk", "score")
    )
    results["truth"] = {
        "answer_count": question.answer_count,
        "answer_count_counted": question.answers.filter(status=Status.PUBLISHED).count(),
        # The kept counts the pages show (RoleCount), and the memberships they count.
        "members_total": RoleCount.objects.filter(disease=disease).aggregate(n=Sum("count"))["n"],
        "members_counted": Membership.objects.filter(disease=disease, user__is_active=True).count(),
        "scores": {str(pk): score for pk, score in answer_scores.items()},
    }
    return results


if __name__ == "__main__":
    if sys.argv[1] == "members":
        print(json.dumps(members(sys.argv[2], int(sys.argv[3]))))
    else:
        with open(sys.argv[2]) as file:
            print(json.dumps(check(json.load(file)), default=str))
