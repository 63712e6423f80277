"""What a disease page tells search engines: its description and its schema.org
MedicalCondition, both from what the page shows (docs/seo.md)."""

from typing import Any

from django.urls import reverse

from raremap.catalog.models import Disease, DiseaseCode, DiseaseName
from raremap.core.seo import absolute

# The coding systems schema.org's MedicalCode is given, under the names search engines know.
CODING_SYSTEMS: dict[str, str] = {
    DiseaseCode.System.ORPHA: "ORPHA",
    DiseaseCode.System.ICD10: "ICD-10",
}
# How many symptoms the description names (the page lists them all).
DESCRIBED_SYMPTOMS = 5


def medical_condition(
    *, disease: Disease, names: list[DiseaseName], codes: list[DiseaseCode], symptoms: list[str]
) -> dict[str, Any]:
    """schema.org MedicalCondition of a disease page: its name, the other names, ORPHA and
    ICD-10 codes and the symptoms the page lists, and its address in the active language."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalCondition",
        "name": disease.title,
        "url": absolute(disease_path(disease)),
    }
    if names:
        data["alternateName"] = [name.name for name in names]
    medical_codes = [
        {"@type": "MedicalCode", "code": code.code, "codingSystem": CODING_SYSTEMS[code.system]}
        for code in codes
        if code.system in CODING_SYSTEMS
    ]
    if medical_codes:
        data["code"] = medical_codes
    if symptoms:
        data["signOrSymptom"] = [
            {"@type": "MedicalSignOrSymptom", "name": symptom} for symptom in symptoms
        ]
    return data


def disease_path(disease: Disease) -> str:
    return reverse("catalog:disease-detail", args=[disease.slug])
