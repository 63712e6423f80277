"""The reputation rule, in one place: the services apply it and the help page shows it."""

UPVOTE_RECEIVED = 10
DOWNVOTE_RECEIVED = -2
QUESTION_APPROVED = 5

# A member with fewer published answers than this and less reputation than TRUSTED_REPUTATION
# is "new" (links limited, see settings.NEW_MEMBER_LINKS).
TRUSTED_REPUTATION = 10


def points_for_vote(value: int) -> int:
    return {1: UPVOTE_RECEIVED, -1: DOWNVOTE_RECEIVED}.get(value, 0)
