"""The people of bench/cluster.py: browsers (cookies, CSRF tokens from the forms, a loopback
source address of their own) and what they do on the site. Standard library only.

Every request is recorded (kind, when, how long, status, which node answered); every write the
site acknowledged is recorded with the created object's id or the unique marker in its text,
for the database check afterwards.
"""

import http.client
import random
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
ACTIVATION = re.compile(r"(/accounts/activate/[^/\s]+/[^/\s]+/)")
ANSWER_ID = re.compile(r"#answer-(\d+)$")
TIMEOUT = 30


@dataclass
class Sample:
    kind: str
    started: float  # time.monotonic()
    ms: float
    status: int  # 0: no answer (connection refused or reset, timeout)
    node: str
    phase: str
    error: str = ""


@dataclass
class Response:
    status: int
    body: bytes
    headers: http.client.HTTPMessage | None
    node: str

    @property
    def location(self) -> str:
        return (self.headers.get("Location", "") if self.headers else "") or ""

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


@dataclass
class Record:
    """What the run saw: every request, and the writes the site acknowledged."""

    tag: str
    samples: list[Sample] = field(default_factory=list)
    acks: dict[str, list[Any]] = field(
        default_factory=lambda: {
            name: []
            for name in (
                "answers",
                "answers_unknown",
                "votes",
                "messages",
                "reports",
                "connections",
                "map_joins",
                "signups",
                "joins",
                "sessions",
                "sessions_ended",
            )
        }
    )
    # Writes the site did not acknowledge, by kind and what came back instead.
    refused: dict[str, int] = field(default_factory=dict)
    counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def marker(self, kind: str) -> str:
        """A word found nowhere else in the database: cb<run tag>-<kind><n>."""
        with self.lock:
            self.counter += 1
            return f"cb{self.tag}-{kind}{self.counter}"

    def ack(self, kind: str, **values: Any) -> None:
        self.acks[kind].append(values)  # list.append is atomic under the GIL

    def refuse(self, kind: str, answer: "Response") -> None:
        """A write that was not acknowledged: what came back instead."""
        outcome = str(answer.status or "no answer")
        if answer.status in (301, 302, 303):
            outcome += " to " + urlsplit(answer.location).path
        with self.lock:
            key = f"{kind}: {outcome}"
            self.refused[key] = self.refused.get(key, 0) + 1


class Browser:
    """One person's browser: its cookies, a source address of its own (the site limits per
    client address), a new connection per request (nginx and granian spread them)."""

    def __init__(self, port: int, source: str, record: Record, phase: list[str]) -> None:
        self.port, self.source, self.record, self.phase = port, source, record, phase
        self.cookies: dict[str, str] = {}
        self.csrf = ""  # the form token of the last page that had a form

    def request(
        self,
        method: str,
        path: str,
        kind: str,
        form: dict[str, Any] | list[tuple[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        port: int | None = None,
    ) -> Response:
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(
            "127.0.0.1", port or self.port, timeout=TIMEOUT, source_address=(self.source, 0)
        )
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as error:
            ms = (time.monotonic() - started) * 1000
            failed = Sample(kind, started, ms, 0, "", self.phase[0], type(error).__name__)
            self.record.samples.append(failed)
            return Response(0, b"", None, "")
        finally:
            connection.close()
        ms = (time.monotonic() - started) * 1000
        node = answer.headers.get("X-Upstream", "")
        self.record.samples.append(Sample(kind, started, ms, answer.status, node, self.phase[0]))
        for header in answer.headers.get_all("Set-Cookie") or []:
            pair, _, attributes = header.partition(";")
            name, _, value = pair.partition("=")
            gone = "max-age=0" in attributes.lower().replace(" ", "")
            if gone or not value.strip('"'):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        found = CSRF_FIELD.search(data)
        if found:
            self.csrf = found[1].decode()
        return Response(answer.status, data, answer.headers, node)

    def get(self, path: str, kind: str, **options: Any) -> Response:
        return self.request("GET", path, kind, **options)

    def post(self, path: str, kind: str, form: dict[str, Any], **options: Any) -> Response:
        """A form sent with the token of the page it came from (the CSRF cookie's secret when
        the page had no form: what htmx sends)."""
        token = self.csrf or self.cookies.get("csrftoken", "")
        return self.request("POST", path, kind, {**form, "csrfmiddlewaretoken": token}, **options)

    def follow(self, response: Response, kind: str) -> Response:
        """A browser follows the redirect after a form (POST-redirect-GET)."""
        if response.status in (301, 302, 303) and response.location:
            target = urlsplit(response.location)
            return self.get(target.path + (f"?{target.query}" if target.query else ""), kind)
        return response

    def log_in(self, email: str, password: str) -> int:
        """Log in through the form: 302 when logged in, else the status of the POST (0: no
        answer, or a redirect without a session)."""
        self.get("/accounts/login/", "read-visitor")
        answer = self.post("/accounts/login/", "login", {"email": email, "password": password})
        if answer.status != 302:
            return answer.status
        if "sessionid" not in self.cookies:
            return 0
        self.record.ack("sessions", key=self.cookies["sessionid"])
        self.follow(answer, "read-member")
        return 302


@dataclass
class Site:
    """What the workload knows of the site (from cluster_data.py members)."""

    disease: str
    question: str  # the busiest question: members read it, vote there, the counts check it
    questions: list[str]  # where members answer (all of the disease's standard questions)
    password: str
    answers: list[int]  # answers others wrote, to vote on
    treatments: list[str]
    places: list[int]
    mail: Path
    notice_version: str  # the privacy notice in force (the sign-up form sends it back)

    @property
    def question_path(self) -> str:
        return f"/d/{self.disease}/q/{self.question}/"


# Per member and run: under every per-member limit of the pages (answers 10 an hour, votes
# 60, treatment reports 30, messages 60, connection requests 10 a day, map writes 20), so that
# the workload's own writes are never refused.
BUDGET = {"answer": 6, "vote": 40, "report": 8, "message": 40, "connect": 3, "map": 1}
WEIGHTS = {
    "answer": 3,
    "vote": 10,
    "report": 3,
    "message": 10,
    "connect": 1,
    "map": 1,
    "read": 40,
    "relogin": 1,
}
MEMBER_PAGES = (
    "{question}",
    "{question}?sort=newest",
    "/d/{disease}/",
    "/d/{disease}/treatments/",
    "/d/{disease}/map/",
    "/connections/",
    "/messages/",
    "/notifications/",
)
VISITOR_PAGES = (
    "/d/{disease}/",
    "{question}",
    "/d/{disease}/q/",
    "/d/{disease}/treatments/",
    "/d/{disease}/map/",
    "/search/?q=dfsp",
    "/search/?q=marfan",
    "/api/v1/diseases/{disease}/questions",
    "/d/{disease}/q/diagnosis/",
)


class Member:
    """A member of the DFSP community with a session, doing what members do."""

    def __init__(
        self,
        browser: Browser,
        me: dict[str, Any],
        site: Site,
        conversation: str,
        others: list[dict[str, Any]],
        rng: random.Random,
    ) -> None:
        self.browser, self.me, self.site, self.rng = browser, me, site, rng
        self.conversation, self.others = conversation, others
        self.budget = dict(BUDGET)
        self.my_answers: list[int] = []
        self.reported: set[str] = set()
        self.voted: dict[int, int] = {}

    def step(self, shared_answers: list[int]) -> None:
        if "sessionid" not in self.browser.cookies:  # a log-in failed (the node was down)
            self.browser.log_in(self.me["email"], self.site.password)
            return
        choices = [a for a in WEIGHTS if self.budget.get(a, 1) > 0]
        action = self.rng.choices(choices, [WEIGHTS[a] for a in choices])[0]
        if action in self.budget:
            self.budget[action] -= 1
        getattr(self, f"do_{action}")(shared_answers)

    def do_read(self, _shared: list[int]) -> None:
        page = self.rng.choice(MEMBER_PAGES).format(
            question=self.site.question_path, disease=self.site.disease
        )
        if page == "/messages/" and self.conversation:
            page = f"/messages/{self.conversation}/"
        self.browser.get(page, "read-member")

    def do_answer(self, shared: list[int]) -> None:
        b, record = self.browser, self.browser.record
        # Spread over the questions: each answer has its question's digest recomputed in the
        # background (seconds of CPU for a question with many answers).
        question = f"/d/{self.site.disease}/q/{self.rng.choice(self.site.questions)}/"
        b.get(question, "read-member")
        marker = record.marker("a")
        text = f"Cluster bench answer {marker}. Surgery first, then a check every six months."
        path = f"{question}answer/"
        answer = b.post(path, "answer", {"body": text})
        found = ANSWER_ID.search(answer.location) if answer.status == 302 else None
        if found:
            record.ack("answers", marker=marker, id=int(found[1]), text=text)
            shared.append(int(found[1]))
            self.my_answers.append(int(found[1]))
            b.follow(answer, "read-member")
        else:
            record.refuse("answer", answer)
            if answer.status == 0 or answer.status >= 500:
                record.ack("answers_unknown", marker=marker, text=text)

    def do_vote(self, shared: list[int]) -> None:
        b = self.browser
        candidates = [a for a in shared + self.site.answers if a not in self.my_answers]
        if not candidates:
            return
        answer_id = self.rng.choice(candidates)
        value = self.rng.choice((1, 1, 1, -1, 0)) if answer_id in self.voted else 1
        if not b.csrf:
            b.get(self.site.question_path, "read-member")
        answer = b.post(
            f"/answers/{answer_id}/vote/", "vote", {"value": value}, headers={"HX-Request": "true"}
        )
        if answer.status == 200 and f"/answers/{answer_id}/vote/" in answer.text:
            self.voted[answer_id] = value
            b.record.ack("votes", user=self.me["id"], answer=answer_id, value=value)
        else:
            b.record.refuse("vote", answer)

    def do_message(self, _shared: list[int]) -> None:
        if not self.conversation:
            return
        b = self.browser
        path = f"/messages/{self.conversation}/"
        if not b.csrf or self.rng.random() < 0.3:
            b.get(path, "read-member")
        marker = b.record.marker("m")
        answer = b.post(
            f"{path}send/",
            "message",
            {"body": f"Cluster bench message {marker}, how are you?"},
            headers={"HX-Request": "true"},
        )
        # htmx gets a fresh form and the "message-sent" event (the page's poll then shows
        # the message); a refusal comes back as the form with its error and no event.
        sent = answer.headers.get("HX-Trigger", "") if answer.headers else ""
        if answer.status == 200 and sent == "message-sent":
            b.record.ack("messages", marker=marker)
        else:
            b.record.refuse("message", answer)

    def do_report(self, _shared: list[int]) -> None:
        b = self.browser
        left = [t for t in self.site.treatments if t not in self.reported]
        if not left:
            return
        treatment = self.rng.choice(left)
        path = f"/d/{self.site.disease}/treatments/report/"
        b.get(path, "read-member")
        marker = b.record.marker("r")
        form = {
            "treatment": treatment,
            "effectiveness": self.rng.randint(1, 5),
            "side_effect_burden": self.rng.randint(1, 5),
            "side_effects_note": f"Cluster bench report {marker}.",
        }
        answer = b.post(path, "report", form)
        if answer.status == 302 and answer.location.endswith(
            f"/d/{self.site.disease}/treatments/mine/"
        ):
            self.reported.add(treatment)
            b.record.ack("reports", marker=marker, user=self.me["id"], treatment=treatment)
            b.follow(answer, "read-member")
        else:
            b.record.refuse("report", answer)

    def do_connect(self, _shared: list[int]) -> None:
        b = self.browser
        if not self.others:
            return
        other = self.others.pop()
        path = f"/connections/member/{other['public_id']}/ask/"
        b.get(path, "read-member")
        marker = b.record.marker("c")
        answer = b.post(path, "connect", {"note": f"Cluster bench request {marker}."})
        if answer.status == 302 and answer.location.endswith("/connections/"):
            b.record.ack("connections", marker=marker)
            b.follow(answer, "read-member")
        else:
            b.record.refuse("connect", answer)

    def do_map(self, _shared: list[int]) -> None:
        b = self.browser
        path = f"/d/{self.site.disease}/map/join/"
        b.get(path, "read-member")
        form = {"place": self.rng.choice(self.site.places), "precision": 2, "consent": "on"}
        answer = b.post(path, "map", form)
        if answer.status == 302 and answer.location.endswith(f"/d/{self.site.disease}/map/"):
            b.record.ack("map_joins", user=self.me["id"])
            b.follow(answer, "read-member")
        else:
            b.record.refuse("map", answer)

    def do_relogin(self, _shared: list[int]) -> None:
        """Log out and in again (a new session; the password is checked)."""
        b = self.browser
        if not b.csrf:
            b.get("/notifications/", "read-member")
        key = b.cookies.get("sessionid", "")
        if b.post("/accounts/logout/", "logout", {}).status == 302:
            b.record.ack("sessions_ended", key=key)
        b.cookies.pop("sessionid", None)
        b.csrf = ""
        b.log_in(self.me["email"], self.site.password)


def visitor_step(browser: Browser, site: Site, rng: random.Random) -> None:
    page = rng.choice(VISITOR_PAGES).format(question=site.question_path, disease=site.disease)
    browser.get(page, "read-visitor")


def sign_up(browser: Browser, site: Site, tag: str, n: int, deadline: float) -> None:
    """Sign up, confirm with the link from the mail, join the DFSP community."""
    b = browser
    email = f"cluster-{tag}-new{n}@bench.invalid"
    b.get("/accounts/signup/", "read-visitor")
    form = {
        "email": email,
        "display_name": f"Cluster {tag} new {n}",
        "password": site.password,
        "consent": "on",  # the privacy notice's box, unticked until the person ticks it
        "notice_version": site.notice_version,
    }
    answer = b.post("/accounts/signup/", "signup", form)
    if answer.status != 302 or not answer.location.endswith("/accounts/signup/done/"):
        b.record.refuse("signup", answer)
        return
    b.follow(answer, "read-visitor")
    link = ""
    while not link and time.monotonic() < deadline:  # the mail is written before the redirect
        for mail in site.mail.glob("*.log"):
            text = mail.read_text(errors="replace")
            if email in text:
                found = ACTIVATION.search(text.split(email, 1)[1])
                link = found[1] if found else ""
        if not link:
            time.sleep(0.2)
    if not link:
        return
    b.get(link, "read-visitor")
    answer = b.post(link, "activate", {"password": site.password})
    if answer.status != 302 or "sessionid" not in b.cookies:
        b.record.refuse("activate", answer)
        return
    b.record.ack("signups", email=email)
    b.record.ack("sessions", key=b.cookies["sessionid"])
    b.follow(answer, "read-member")
    b.get(f"/d/{site.disease}/", "read-member")
    answer = b.post(f"/d/{site.disease}/join/", "join", {"role": "patient"})
    if answer.status == 302 and answer.location.endswith(f"/d/{site.disease}/"):
        b.record.ack("joins", email=email)
        b.follow(answer, "read-member")
    else:
        b.record.refuse("join", answer)
