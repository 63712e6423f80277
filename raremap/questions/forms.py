from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from raremap.core.languages import named_in_themselves
from raremap.questions.selectors import SORTS


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=settings.ANSWER_MAX_LENGTH,
        help_text=_(
            "Share what you experienced. Markdown works: *italic*, **bold**, lists, links. "
            "Please do not share anyone's private details."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of your answer"),
        choices=named_in_themselves,
        required=False,  # a form sent without it (an older page) is in the page's language
        help_text=_("Readers of other languages see it, and can list answers in theirs first."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page's language unless the form says otherwise (an edit keeps the answer's).
        self.fields["language"].initial = self.initial.get("language") or get_language()


class ProposeQuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        min_length=10,
        max_length=200,
        help_text=_("A question many members would ask. A moderator reviews it first."),
    )


class OverviewForm(forms.Form):
    body = forms.CharField(
        label=_("Overview text"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=settings.ANSWER_MAX_LENGTH,
        help_text=_("Markdown. Careful, general and sourced: this is what most visitors read."),
    )
    sources = forms.CharField(
        label=_("Sources"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text=_("One source per line, e.g. [Orphanet](https://www.orpha.net/…)."),
    )
    summary = forms.CharField(label=_("What changed"), max_length=200, required=False)


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(choices=[(1, "+1"), (-1, "-1"), (0, "0")], coerce=int)


class FollowForm(forms.Form):
    follow = forms.BooleanField(required=False)


MAX_PAGE = 10_000


def answer_list_params(query: Mapping[str, str]) -> tuple[str, int]:
    """The question page's query string: sort order and page number, each falling back to its
    default when missing or wrong. Read by hand, not with a Form: building a Form costs more
    than the rest of the busiest page's request."""
    sort = query.get("sort") or "score"
    if sort not in SORTS:
        sort = "score"
    try:
        number = int(query.get("page") or 1)
    except ValueError:
        number = 1
    return sort, number if 1 <= number <= MAX_PAGE else 1
