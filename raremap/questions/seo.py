"""What a question page tells search engines: whether it has anything to read yet (pages
without are not indexed) and its schema.org QAPage, both from what the page shows
(docs/seo.md)."""

import html
from typing import Any

from django.urls import reverse
from django.utils.html import strip_tags

from raremap.core.seo import absolute
from raremap.questions.models import Answer, OverviewRevision, Question


def question_has_content(
    *, question: Question, overview: OverviewRevision | None, catalog_data: bool
) -> bool:
    """Whether a question page has something to read: editor text, a published answer (demo
    ones too) or catalog data for its question (`catalog_data`: e.g. the disease's symptoms
    on the symptoms question). Pages without ask search engines not to index them. Extend
    here when questions gain another source of content."""
    return overview is not None or question.answer_count > 0 or catalog_data


def qa_page(*, question: Question, answers: list[Answer], answer_count: int) -> dict | None:
    """schema.org QAPage of a question page: its members' answers as the page shows them
    (`answers`: the page's answers in their order), demo answers left out, and how many
    published answers by members it has (`answer_count`). None without such an answer: a page
    with no real answer is no QAPage."""
    shown = [answer for answer in answers if not answer.is_demo]
    if not shown:
        return None
    return {
        "@context": "https://schema.org",
        "@type": "QAPage",
        "mainEntity": {
            "@type": "Question",
            "name": question.title,
            "text": question.title,
            "answerCount": answer_count,
            "suggestedAnswer": [_answer(answer) for answer in shown],
        },
    }


def _answer(answer: Answer) -> dict[str, Any]:
    return {
        "@type": "Answer",
        # The text as the page shows it: the sanitised HTML without its tags.
        "text": answer_text(answer),
        "author": {"@type": "Person", "name": answer.author.display_name},
        "dateCreated": answer.created_at.date().isoformat(),  # the date the page shows
        "upvoteCount": answer.score,
        "url": absolute(reverse("questions:answer-detail", args=[answer.pk])),
    }


def answer_text(answer: Answer) -> str:
    """An answer's text as a reader sees it: its rendered HTML without tags, entities decoded
    and white space collapsed."""
    return " ".join(html.unescape(strip_tags(answer.body_html)).split())
