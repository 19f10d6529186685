"""Everything the reports page shows, and the same figures as tables for downloads and the CLI.

Table headers are English gettext source text (N_): the page and the downloads translate them,
the CLI prints them as they are. Department names come in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from crm.domain import labels
from crm.domain.industry import CLASSIFICATIONS
from crm.domain.problems import N_
from crm.reports import activity, companies, coverage, programmes
from crm.reports.scope import Scope, counting, departments
from crm.reports.study import company_count, mask_counts, overlap, served_by, sources
from crm.tables import Company

TABLES = ("summary", "coverage", "overlap", "served_by", "sources", "activity", "programmes", "industries",
          "municipalities")


@dataclass
class ReportTable:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Headline:
    scope: Scope
    companies: int
    with_business_id: int
    served_by: dict[str, int]

    @property
    def held(self) -> int:
        """Companies at least one department holds."""
        return self.companies - self.served_by["0"]


@dataclass
class Overview:
    headline: Headline
    departments: list[dict]
    overlap: dict[str, dict[str, int]]
    sources: list[dict]
    activity: list[dict]
    programmes: list[dict]
    industries: list[dict]
    municipalities: dict[str, int]
    coverage: dict | None = None  # once a register load added a municipality (crm/reports/coverage.py)

    @property
    def months(self) -> list[str]:
        return sorted({row["month"] for row in self.activity})

    def activity_by_department(self) -> dict[int, dict[str, int]]:
        table: dict[int, dict[str, int]] = {row["id"]: {} for row in self.departments}
        for row in self.activity:
            table.setdefault(row["department"], {})[row["month"]] = row["interactions"]
        return table


async def headline(scope: Scope = Scope()) -> Headline:
    """The headline figures alone (a manager's front page)."""
    counted = await counting(scope)
    counts = await mask_counts(counted)
    total = await company_count(counted, counts)
    return Headline(scope, total, await _with_business_id(counted), served_by(total, counts))


async def overview(scope: Scope) -> Overview:
    rows = await departments()
    counted = await counting(scope)
    counts = await mask_counts(counted)
    total = await company_count(counted, counts)
    return Overview(
        headline=Headline(scope, total, await _with_business_id(counted), served_by(total, counts)),
        departments=rows,
        overlap=overlap(rows, counts),
        sources=await sources(counted),
        activity=await activity.per_month(counted),
        programmes=await programmes.reach(counted),
        industries=await companies.industry_mix(counted),
        municipalities=await companies.municipalities(counted),
        coverage=await coverage.coverage(counted),
    )


async def _with_business_id(scope: Scope) -> int:
    """Companies in scope that have a Business ID."""
    if not scope.department_id:
        return await Company.count().where(Company.business_id.is_not_null())
    if not scope.dated:  # read from the index of held companies with a Business ID, one row per mask
        rows = await Company.raw(
            "SELECT study_mask AS mask, COUNT(*) AS companies FROM company WHERE business_id IS NOT NULL "
            "AND study_mask <> 0 GROUP BY study_mask")
        return sum(int(row["companies"]) for row in rows if int(row["mask"]) & scope.bit)
    if not scope.counted:
        return await _with_business_id(await counting(scope))
    return sum(companies for mask, _, _, with_business_id, companies in scope.profile
               if with_business_id and mask & scope.bit)


def tables(report: Overview, language: str = "en", section_name: Callable[[str | None], str] = str,
           translate: Callable[[str], str] = str) -> dict[str, ReportTable]:
    """Every table of the page, as rows of cells (header texts through `translate`)."""
    names = {row["code"]: labels.name_in(row, language) for row in report.departments}
    codes = [row["code"] for row in report.departments]
    served = report.headline.served_by
    t = translate
    result = {
        "summary": ReportTable("summary", t(N_("Headline figures")), [t(N_("Figure")), t(N_("Companies"))], [
            [t(N_("Companies in the record")), report.headline.companies],
            [t(N_("Held by at least one department")), report.headline.held],
            [t(N_("Held by one department")), served["1"]],
            [t(N_("Held by two departments")), served["2"]],
            [t(N_("Held by three or more departments")), served["3+"]],
            [t(N_("With a Business ID")), report.headline.with_business_id],
        ]),
        "overlap": ReportTable("overlap", t(N_("Companies both departments hold")),
                               [t(N_("Department")), *[names[code] for code in codes]],
                               [[names[a], *[report.overlap[a][b] for b in codes]] for a in codes]),
        "served_by": ReportTable("served_by", t(N_("Companies by the number of departments holding them")),
                                 [t(N_("Departments")), t(N_("Companies"))],
                                 [[key, served[key]] for key in ("0", "1", "2", "3+")]),
        "sources": ReportTable("sources", t(N_("Source files")), [
            t(N_("Batch")), t(N_("File")), t(N_("Department")), t(N_("Kind")), t(N_("Date")), t(N_("Rows")),
            t(N_("Created")), t(N_("Matched existing")), t(N_("Duplicates in the file")), t(N_("Errors")),
            t(N_("Invalid Business IDs")), t(N_("Companies")), t(N_("Shared with other departments")),
        ], [[source["batch_id"], source["file"], names.get(source["department"], ""), t(labels.entity(source["kind"])),
             source["date"], source["rows"], source["created"], source["updated"] + source["unchanged"],
             source["duplicates_in_file"], source["errors"], source["invalid_business_ids"], source["companies"],
             source["shared"]] for source in report.sources]),
        "activity": ReportTable("activity", t(N_("Interactions per month")),
                                [t(N_("Month")), *[names[code] for code in codes], t(N_("Total"))]),
        "programmes": ReportTable("programmes", t(N_("Programme reach")), [
            t(N_("Programme")), t(N_("Theme")), t(N_("Companies")), t(N_("Interactions")),
            t(N_("Companies, with the theme's projects")), t(N_("Interactions, with the theme's projects")),
        ]),
        "industries": ReportTable("industries", t(N_("Industries")),
                                  [t(N_("Classification")), t(N_("Section")), t(N_("Companies"))],
                                  [[row["classification"].replace("TOL", "TOL ") if row["classification"] in
                                    CLASSIFICATIONS else "", section_name(row["section"]), row["companies"]]
                                   for row in report.industries]),
        "municipalities": ReportTable("municipalities", t(N_("Espoo and other municipalities")),
                                      [t(N_("Municipality")), t(N_("Companies"))], [
            [t(N_("Espoo")), report.municipalities["espoo"]],
            [t(N_("Other municipalities")), report.municipalities["other"]],
            [t(N_("Municipality not known")), report.municipalities["unknown"]],
        ]),
    }
    if report.coverage:
        cover = report.coverage
        rows = [[t(N_("Registered companies")), cover["registered"]],
                [t(N_("Held by at least one department")), cover["held"]]]
        if "held_by_department" in cover:
            department = next(row for row in report.departments if row["id"] == report.headline.scope.department_id)
            rows.append([t(N_("Held by %(department)s")) % {"department": names[department["code"]]},
                         cover["held_by_department"]])
        rows.append([t(N_("Share held by the city")), f"{cover['share'] * 100:.1f} %"])
        result["coverage"] = ReportTable("coverage", t(N_("Coverage of the company register")),
                                         [t(N_("Figure")), t(N_("Companies"))], rows)
    by_department = report.activity_by_department()
    ids = [row["id"] for row in report.departments]
    for month in report.months:
        cells = [by_department[department_id].get(month, 0) for department_id in ids]
        result["activity"].rows.append([month, *cells, sum(cells)])
    by_id = {row["id"]: row for row in report.programmes}
    for row in report.programmes:
        theme = by_id.get(row["theme"])
        result["programmes"].rows.append([
            labels.name_in(row, language), labels.name_in(theme, language) if theme else "",
            row["companies"], row["interactions"],
            row["theme_companies"] if row["is_theme"] else "", row["theme_interactions"] if row["is_theme"] else "",
        ])
    return result
