from django.core.management.base import BaseCommand

from raremap.catalog.selectors import catalog_coverage


class Command(BaseCommand):
    help = (
        "Print, per standard question, how many Orphanet diseases and ICD-10 categories of "
        "the imported catalog its data part has data for (docs/catalog.md, Facts)."
    )

    def handle(self, *args: object, **options: object) -> None:
        rows, totals = catalog_coverage()
        rare, common = totals["rare"], totals["common"]
        header = (
            "question",
            "data part",
            f"Orphanet ({rare:,})",
            f"ICD-10 ({common:,})",
            f"total ({rare + common:,})",
        )
        lines = [header]
        for row in rows:
            if row.data in ("", "treatments"):
                # No catalog data part: answered by editors and members (the ranking of
                # "treatments" comes from members' reports, not from the catalog).
                what = "none" if not row.data else "members' reports"
                lines.append((row.slug, what, "—", "—", "—"))
                continue
            lines.append(
                (
                    row.slug,
                    row.data,
                    _share(row.rare, rare),
                    _share(row.common, common),
                    _share(row.rare + row.common, rare + common),
                )
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        self.stdout.write(
            "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
        )
        self.stdout.write("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for line in lines[1:]:
            self.stdout.write(
                "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
            )


def _share(count: int, total: int) -> str:
    percent = 100 * count / total if total else 0
    return f"{count:,} ({percent:.0f}%)"
