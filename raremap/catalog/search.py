"""Database-specific search primitives: SQLite FTS5, PostgreSQL full-text and trigram.

The selector `disease_search` (selectors.py) owns the logic; this module only answers two
questions fast, each with the best tool of the database in use:

- `fulltext_name_ids(words)`: which disease names contain every word (the last one as prefix)?
- `similar_words(word)`: which vocabulary words look like a misspelt word?

Queries are parameterised; the FTS5 match expression is built only from [a-z0-9] tokens.
"""

from django.db import connection

from raremap.catalog.normalize import normalize

# A guard against very common words ("syndrome"): rank at most this many candidate names.
MAX_CANDIDATES = 500

SQLITE_SETUP = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS catalog_name_fts USING fts5(
        normalized, content='catalog_diseasename', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS catalog_word_fts USING fts5(
        word, content='catalog_searchword', content_rowid='id', tokenize='trigram')""",
]
SQLITE_TEARDOWN = ["DROP TABLE IF EXISTS catalog_name_fts", "DROP TABLE IF EXISTS catalog_word_fts"]
POSTGRES_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Serves fulltext_name_ids: prefix full-text match over all disease names.
    """CREATE INDEX IF NOT EXISTS catalog_diseasename_fts
        ON catalog_diseasename USING gin (to_tsvector('simple', normalized))""",
    # Serves similar_words: trigram similarity over the search vocabulary.
    """CREATE INDEX IF NOT EXISTS catalog_searchword_trgm
        ON catalog_searchword USING gin (word gin_trgm_ops)""",
]
POSTGRES_TEARDOWN = [
    "DROP INDEX IF EXISTS catalog_diseasename_fts",
    "DROP INDEX IF EXISTS catalog_searchword_trgm",
]


def setup_statements(vendor: str, *, teardown: bool = False) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_TEARDOWN if teardown else SQLITE_SETUP
    if vendor == "postgresql":
        return POSTGRES_TEARDOWN if teardown else POSTGRES_SETUP
    return []


def rebuild() -> None:
    """Bring the search structures up to date after names or words changed."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO catalog_name_fts(catalog_name_fts) VALUES('rebuild')")
            cursor.execute("INSERT INTO catalog_word_fts(catalog_word_fts) VALUES('rebuild')")
    # PostgreSQL's GIN indexes follow the tables by themselves.


def _prefix(token: str, operator: str) -> str:
    """The last word is matched as a prefix (typing), unless it is one letter: "a*" matches
    nearly every name and costs a scan of the whole index."""
    return operator if len(token) > 1 else ""


def fulltext_name_ids(words: list[str]) -> list[int]:
    """Ids of DiseaseName rows matching all words (the last as a prefix), best first."""
    tokens = [normalize(w) for w in words]
    tokens = [t for t in tokens if t and " " not in t]
    if not tokens:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            expression = " ".join(f'"{t}"' for t in tokens[:-1])
            expression = f'{expression} "{tokens[-1]}"{_prefix(tokens[-1], "*")}'.strip()
            cursor.execute(
                "SELECT rowid FROM catalog_name_fts WHERE catalog_name_fts MATCH %s "
                "ORDER BY rank LIMIT %s",
                [expression, MAX_CANDIDATES],
            )
        else:
            expression = " & ".join([*tokens[:-1], f"{tokens[-1]}{_prefix(tokens[-1], ':*')}"])
            cursor.execute(
                "SELECT id FROM catalog_diseasename "
                "WHERE to_tsvector('simple', normalized) @@ to_tsquery('simple', %s) "
                "ORDER BY ts_rank(to_tsvector('simple', normalized), "
                "to_tsquery('simple', %s)) DESC, length(normalized) LIMIT %s",
                [expression, expression, MAX_CANDIDATES],
            )
        return [row[0] for row in cursor.fetchall()]


def similar_words(word: str, limit: int = 30) -> list[str]:
    """Vocabulary words sharing the most trigrams with `word` (candidates, not yet ranked)."""
    token = normalize(word)
    if len(token) < 4 or " " in token:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            trigrams = sorted({token[i : i + 3] for i in range(len(token) - 2)})
            expression = " OR ".join(f'"{t}"' for t in trigrams)
            cursor.execute(
                "SELECT w.word FROM catalog_word_fts f JOIN catalog_searchword w "
                "ON w.id = f.rowid WHERE catalog_word_fts MATCH %s "
                "ORDER BY f.rank LIMIT %s",
                [expression, limit],
            )
        else:
            cursor.execute(
                "SELECT word FROM catalog_searchword WHERE word %% %s "
                "ORDER BY similarity(word, %s) DESC LIMIT %s",
                [token, token, limit],
            )
        return [row[0] for row in cursor.fetchall()]
