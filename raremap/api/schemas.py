"""What the API takes and answers (ninja Schemas); these make the OpenAPI document.

Conventions: a value the source leaves blank is null, never ""; URLs are paths from the site
root ("/d/dermatofibrosarcoma-protuberans/"), so answers do not depend on the Host header.
"""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints, model_validator

from raremap.catalog.selectors import MAX_QUERY_LENGTH

SEARCH_MAX_LIMIT = 50
SEARCH_MAX_OFFSET = 10_000

# The models' choices, spelt out so that the OpenAPI document lists them inline (the models'
# enums share class names: Disease.Kind, DiseaseName.Kind). A test keeps them in step.
DiseaseKind = Literal["rare", "common"]
NameKind = Literal["preferred", "synonym", "abbreviation", "subtype"]
CodeSystem = Literal["ORPHA", "ICD10", "OMIM", "MESH"]
# DiseasePhenotype.Frequency member names, lower-cased.
FrequencyKey = Literal[
    "obligate", "very_frequent", "frequent", "occasional", "very_rare", "excluded", "unknown"
]


# --- errors ---------------------------------------------------------------------------------


class ErrorDetail(Schema):
    location: str = Field(description='Where the invalid value was: "query", "path" or "body".')
    field: str
    message: str
    type: str = Field(description='A machine-readable reason, e.g. "string_too_short".')


class ErrorBody(Schema):
    status: int
    code: str = Field(description='"not_found", "invalid", "method_not_allowed", "throttled"…')
    message: str
    details: list[ErrorDetail] | None = Field(None, description="Only for 422: each problem.")


class ErrorOut(Schema):
    error: ErrorBody


# --- catalog --------------------------------------------------------------------------------


class SearchParams(Schema):
    q: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY_LENGTH)
    ] = Field(description="A disease name, synonym, abbreviation or code (ORPHA:31112, G71.0).")
    limit: int = Field(20, ge=1, le=SEARCH_MAX_LIMIT)
    offset: int = Field(0, ge=0, le=SEARCH_MAX_OFFSET)


class DiseaseHitOut(Schema):
    slug: str
    name: str
    title: str = Field(description='The name with its abbreviation: "Name (ABBR)".')
    kind: DiseaseKind
    primary_code: str
    matched_name: str | None = Field(
        description="The synonym, abbreviation, subtype or code that matched, if not the name."
    )
    url: str = Field(description="The disease page.")


class DiseaseSearchOut(Schema):
    query: str
    corrected_query: str | None = Field(
        description="Set when nothing matched the query and the results are for this spelling."
    )
    total: int
    capped: bool = Field(description="Too many names matched: only the best are ranked.")
    limit: int
    offset: int
    next: str | None = Field(description="The next page, or null on the last one.")
    results: list[DiseaseHitOut]


class DiseaseNameOut(Schema):
    name: str
    kind: NameKind


class DiseaseCodeOut(Schema):
    system: CodeSystem
    code: str
    label: str | None
    url: str | None = Field(description="The code's page at its source.")


class PhenotypeOut(Schema):
    hpo_id: str = Field(description='"HP:0001482"')
    name: str
    frequency: FrequencyKey
    frequency_label: str


class MembersOut(Schema):
    total: int
    demo: int = Field(description="How many of them are demo accounts.")
    by_role: dict[str, int]


class DiseaseOut(Schema):
    slug: str
    name: str
    title: str
    kind: DiseaseKind
    primary_code: str
    group_label: str | None
    abbreviation: str | None
    is_obsolete: bool
    names: list[DiseaseNameOut] = Field(description="Other names: synonyms, subtypes…")
    codes: list[DiseaseCodeOut]
    phenotypes: list[PhenotypeOut] = Field(description="Most frequent first.")
    members: MembersOut
    url: str = Field(description="The disease page.")


# --- questions and answers ------------------------------------------------------------------

ANSWERS_MAX_PAGE = 500

# communities.Role and moderation.ReportReason values, spelt out for the OpenAPI document (a
# test keeps them in step).
RoleKey = Literal[
    "patient", "relative", "caregiver", "organisation", "adviser", "professional", "researcher"
]
ReportReasonKey = Literal["spam", "harmful", "abuse", "privacy", "off_topic", "other"]
AnswerSort = Literal["score", "newest"]


class QuestionSummaryOut(Schema):
    slug: str
    title: str = Field(description="The question as a sentence, in the request's language.")
    standard: bool = Field(description="Every disease has the standard questions.")
    answer_count: int


class QuestionListOut(Schema):
    disease: str = Field(description="The disease's slug.")
    results: list[QuestionSummaryOut] = Field(
        description="Standard questions in their order, then proposed ones, most answered first."
    )


class OverviewOut(Schema):
    number: int = Field(description="The version; the newest is shown.")
    body_html: str
    sources_html: str | None
    created_at: datetime
    reviewed_at: datetime | None = Field(
        description="When a healthcare professional reviewed this version; null if not yet."
    )
    is_demo: bool


class DigestItemOut(Schema):
    answer_id: int
    rank: int
    similar: int = Field(description="How many answers say much the same, this one included.")


class QuestionOut(Schema):
    id: int | None = Field(
        description="Null for a standard question nobody has written to yet (reports need one)."
    )
    disease: str
    slug: str
    title: str
    standard: bool
    answer_count: int
    overview: OverviewOut | None = Field(description="The editor section, if written.")
    digest: list[DigestItemOut] = Field(description="What members say: representative answers.")


class AuthorOut(Schema):
    display_name: str
    role: RoleKey | None = Field(description="The author's role in this disease's community.")
    reputation: int


class AnswerOut(Schema):
    id: int
    body_html: str = Field(description="Sanitised HTML, rendered from the author's Markdown.")
    author: AuthorOut
    score: int
    created_at: datetime
    edited_at: datetime | None
    is_demo: bool


class AnswerDetailOut(AnswerOut):
    disease: str = Field(description="The disease's slug.")
    question: str = Field(description="The question's slug.")


class AnswerPageParams(Schema):
    sort: AnswerSort = Field("score", description="Highest score first, or newest first.")
    page: int = Field(1, ge=1, le=ANSWERS_MAX_PAGE)


class AnswerPageOut(Schema):
    sort: AnswerSort
    page: int
    per_page: int
    total: int
    next: str | None = Field(description="The next page, or null on the last one.")
    results: list[AnswerOut]


class AnswerIn(Schema):
    body: str = Field(description="Markdown; links are limited for new members.")


class VoteIn(Schema):
    value: Literal[1, -1, 0] = Field(description="+1 or -1; 0 withdraws the vote.")


class VoteOut(Schema):
    answer_id: int
    score: int
    vote: Literal[1, -1, 0] = Field(description="Your vote now.")


class ReportIn(Schema):
    answer_id: int | None = None
    question_id: int | None = None
    reason: ReportReasonKey
    details: str = Field("", max_length=500)

    @model_validator(mode="after")
    def one_target(self) -> "ReportIn":
        if (self.answer_id is None) == (self.question_id is None):
            raise ValueError("Give either answer_id or question_id.")
        return self


class ReportOut(Schema):
    received: bool


# --- connections and messages ---------------------------------------------------------------

PUBLIC_ID_MAX_LENGTH = 16
# connections.ConnectionState values a member can see (a declined request looks "pending" to its
# requester; a test keeps them in step).
ConnectionStateKey = Literal["pending", "accepted", "declined", "withdrawn", "ended"]


class MemberRefOut(Schema):
    id: str = Field(description="The member's public id (their profile is /accounts/u/{id}/).")
    display_name: str


class ConnectionOut(Schema):
    id: str = Field(description="The request's public id.")
    state: ConnectionStateKey
    direction: Literal["sent", "received"]
    member: MemberRefOut = Field(description="The other member.")
    note: str | None = Field(description="The requester's note (plain text), if any.")
    created_at: datetime
    conversation: str | None = Field(description="The conversation's id, once accepted.")


class ConnectionListOut(Schema):
    received: list[ConnectionOut] = Field(description="Requests waiting for your answer.")
    sent: list[ConnectionOut] = Field(description="Your requests not yet accepted.")
    connected: list[ConnectionOut] = Field(description="One page of your connections.")
    page: int
    next: str | None


class ConnectionIn(Schema):
    member: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=PUBLIC_ID_MAX_LENGTH)
    ] = Field(description="The public id of the member to ask.")
    note: str = Field("", max_length=300, description="Plain text, shown to that member only.")


class ListPageParams(Schema):
    page: int = Field(1, ge=1, le=10_000)


class ConversationOut(Schema):
    id: str
    member: MemberRefOut
    last_activity: datetime
    unread: bool


class ConversationListOut(Schema):
    page: int
    next: str | None
    results: list[ConversationOut]


class MessageOut(Schema):
    id: int
    sender: MemberRefOut
    mine: bool
    body_html: str | None = Field(description="Sanitised HTML; null when a moderator hid it.")
    hidden: bool
    created_at: datetime


class MessagePageParams(Schema):
    before: int | None = Field(None, ge=1, description="Messages older than this message id.")


class MessagePageOut(Schema):
    conversation: str
    member: MemberRefOut
    results: list[MessageOut] = Field(description="Oldest first.")
    older: str | None = Field(description="The page of older messages, if any.")


class MessageIn(Schema):
    body: str = Field(min_length=1, max_length=5000, description="Markdown.")


# --- treatments -----------------------------------------------------------------------------

TREATMENTS_MAX_LIMIT = 100
TREATMENT_QUERY_MAX_LENGTH = 100
MENTION_ANSWER_IDS = 20  # answer ids listed per treatment (the newest); the count is complete

# treatments.TreatmentKind and TreatmentName.Kind values, spelt out for the OpenAPI document (a
# test keeps them in step).
TreatmentKindKey = Literal["drug", "procedure", "therapy", "supplement", "lifestyle"]
TreatmentNameKind = Literal["generic", "brand", "synonym"]


class TreatmentSearchParams(Schema):
    q: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=TREATMENT_QUERY_MAX_LENGTH)
    ] = Field("", description="The start of a name, brand name or synonym; empty lists all.")
    limit: int = Field(20, ge=1, le=SEARCH_MAX_LIMIT)
    offset: int = Field(0, ge=0, le=SEARCH_MAX_OFFSET)


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=TREATMENTS_MAX_LIMIT)
    offset: int = Field(0, ge=0, le=SEARCH_MAX_OFFSET)


class TreatmentRefOut(Schema):
    slug: str
    name: str = Field(description="The generic name for medicines.")
    kind: TreatmentKindKey


class TreatmentHitOut(TreatmentRefOut):
    matched_name: str | None = Field(
        description="The brand name or synonym that matched, if not the name."
    )


class TreatmentSearchOut(Schema):
    query: str
    total: int
    limit: int
    offset: int
    next: str | None = Field(description="The next page, or null on the last one.")
    results: list[TreatmentHitOut] = Field(description="Names that start with the query first.")


class TreatmentNameOut(Schema):
    name: str
    kind: TreatmentNameKind


class TreatmentIdsOut(Schema):
    drugbank: str | None = Field(description='DrugBank accession, "DB00619".')
    mesh: str | None = Field(description='MeSH unique id, "D000068877".')
    medlineplus: str | None = Field(description='MedlinePlus drug page id, "a606018".')


class TreatmentMentionsOut(Schema):
    answers: int = Field(
        description="Published community answers that mention it (not counting 'did not try')."
    )


class TreatmentOut(TreatmentRefOut):
    source: str = Field(description='Where the entry comes from: the drug vocabulary, "curated"…')
    ids: TreatmentIdsOut
    names: list[TreatmentNameOut] = Field(description="Every name it is known by.")
    mentions: TreatmentMentionsOut


class RankingStatisticsOut(Schema):
    reports: int
    mean: float = Field(description="Mean effectiveness, 1 (no effect) to 5 (very effective).")
    score: float = Field(description="The ordering score: never a raw mean.")
    lower: float = Field(description="The interval shown, on the 1–5 scale.")
    upper: float
    effectiveness_counts: dict[str, int] = Field(description='Reports per score, "1" to "5".')
    burden_mean: float = Field(description="Mean side-effect burden, 1 (none) to 5.")
    by_reporter: dict[str, int] = Field(
        description='Reports by who they are about: "self", "relative", "care".'
    )
    computed_at: datetime


class RankingItemOut(Schema):
    rank: int | None = Field(description="1 is the best score; null without statistics.")
    treatment: TreatmentRefOut
    statistics: RankingStatisticsOut | None = Field(
        description="Null when fewer than min_reports members reported it: nothing is shown."
    )


class RankingListOut(Schema):
    disease: str = Field(description="The disease's slug.")
    min_reports: int = Field(description="Reports needed before a treatment's numbers show.")
    notice: str = Field(description="Patient reports, not trial evidence.")
    total: int = Field(description="Treatments reported for the disease.")
    ranked: int = Field(description="Of which with enough reports to show statistics.")
    limit: int
    offset: int
    next: str | None = Field(description="The next page, or null on the last one.")
    results: list[RankingItemOut] = Field(
        description="Treatments with statistics, best score first, then the others by name."
    )


class MentionItemOut(Schema):
    treatment: TreatmentRefOut
    answers: int = Field(description="Published answers about this disease that mention it.")
    answer_ids: list[int] = Field(
        description=f"The newest of those answers, at most {MENTION_ANSWER_IDS}."
    )


class MentionListOut(Schema):
    disease: str = Field(description="The disease's slug.")
    total: int = Field(description="Treatments mentioned.")
    limit: int
    offset: int
    next: str | None = Field(description="The next page, or null on the last one.")
    results: list[MentionItemOut] = Field(description="Most mentioned first.")
