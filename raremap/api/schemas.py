"""What the API takes and answers (ninja Schemas); these make the OpenAPI document.

Conventions: a value the source leaves blank is null, never ""; URLs are paths from the site
root ("/d/dermatofibrosarcoma-protuberans/"), so answers do not depend on the Host header.
"""

from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

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
