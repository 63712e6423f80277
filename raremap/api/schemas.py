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
