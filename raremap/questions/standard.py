"""The standard questions every disease has, as translatable templates.

A standard question exists for every disease from the moment the catalog is imported: its page
is built from this list. A database row is created only when something is written to it (an
answer, an overview edit, a follower), so 20,000 diseases cost no 280,000 empty rows.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class StandardQuestion:
    slug: str
    title: Promise  # with %(disease)s: "What are the best treatments for %(disease)s?"
    label: Promise  # short, for lists on the disease page
    top: bool  # listed among the "top questions"
    # The data part its overview shows beside the editor text: "treatments" (the ranking),
    # "symptoms", or a kind of catalog facts (raremap.catalog.facts.FACT_KINDS); none for
    # questions no source answers (celebrities, natural treatments, living with it, cure,
    # diagnosis).
    data: str = ""

    def title_for(self, disease_title: str) -> str:
        return str(self.title) % {"disease": disease_title}


STANDARD_QUESTIONS: tuple[StandardQuestion, ...] = (
    StandardQuestion(
        "best-treatments",
        _("What are the best treatments for %(disease)s?"),
        _("Best treatments"),
        top=True,
        data="treatments",
    ),
    StandardQuestion(
        "life-expectancy",
        _("What is the life expectancy of people with %(disease)s?"),
        _("Life expectancy"),
        top=True,
        data="life-expectancy",
    ),
    StandardQuestion(
        "is-it-hereditary",
        _("Is %(disease)s hereditary?"),
        _("Is it hereditary?"),
        top=True,
        data="hereditary",
    ),
    StandardQuestion(
        "is-it-contagious",
        _("Is %(disease)s contagious?"),
        _("Is it contagious?"),
        top=True,
        data="contagious",
    ),
    StandardQuestion(
        "natural-treatments",
        _("Is there any natural treatment for %(disease)s?"),
        _("Natural treatments"),
        top=True,
    ),
    StandardQuestion(
        "celebrities",
        _("Which celebrities have %(disease)s?"),
        _("Celebrities with it"),
        top=True,
    ),
    StandardQuestion(
        "symptoms",
        _("What are the symptoms of %(disease)s?"),
        _("Symptoms"),
        top=True,
        data="symptoms",
    ),
    StandardQuestion(
        "first-symptoms",
        _("What are the first symptoms of %(disease)s?"),
        _("First symptoms"),
        top=False,
        data="onset",
    ),
    StandardQuestion(
        "diagnosis",
        _("How is %(disease)s diagnosed, and how long did the diagnosis take?"),
        _("Diagnosis"),
        top=True,
    ),
    StandardQuestion(
        "specialist",
        _("Which specialist should I see for %(disease)s?"),
        _("Which specialist"),
        top=False,
        data="specialist",
    ),
    StandardQuestion(
        "living-with",
        _("What is living with %(disease)s like?"),
        _("Living with it"),
        top=False,
    ),
    StandardQuestion("cause", _("What causes %(disease)s?"), _("Cause"), top=False, data="cause"),
    StandardQuestion(
        "cure", _("Is there a cure for %(disease)s?"), _("Is there a cure?"), top=False
    ),
    StandardQuestion(
        "how-common",
        _("How common is %(disease)s?"),
        _("How common is it?"),
        top=False,
        data="prevalence",
    ),
)

BY_SLUG: dict[str, StandardQuestion] = {q.slug: q for q in STANDARD_QUESTIONS}
