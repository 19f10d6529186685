"""Candidate pairs: records grouped by their blocking keys, names compared within each group with
rapidfuzz's `process.cdist`, and every pair found scored once.

Keys are grouped as 64-bit hashes sorted by numpy (a collision only makes a group larger; the score
decides), so 1M companies fit in memory. A group larger than MAX_BLOCK (a chain's shared phone, a
common word in a busy postal area) is compared within a sliding window of its names sorted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from crm.dedupe import scoring
from crm.dedupe.blocking import (
    Company,
    Contact,
    company_keys,
    contact_keys,
    prepare_company,
    prepare_contact,
)
from crm.domain.problems import Message

MAX_BLOCK = 200
WINDOW = 20
# Names in a group of exact keys (name, words, website, phone, e-mail) are scored whatever they are;
# in a group of a word's start in a postal area they must be this alike to be scored at all.
FUZZY_CUTOFF = 80
EXACT_KINDS = frozenset("twfemlc")


@dataclass(slots=True)
class Candidate:
    ids: tuple[int, int]
    names: tuple[str, str]
    business_ids: tuple[str | None, str | None]
    score: float
    reasons: list[Message] = field(default_factory=list)

    def as_dict(self, translate: Callable[[Message], str] = str) -> dict:
        return {"ids": list(self.ids), "names": list(self.names), "business_ids": list(self.business_ids),
                "score": self.score, "reasons": [translate(reason) for reason in self.reasons]}


def _pairs(records: Sequence, keys_of: Callable, text_of: Callable, scorer, compact: bool = False) -> set[int]:
    """Index pairs (encoded i * n + j, i < j) that share a key and, in fuzzy groups, have alike names."""
    n = len(records)
    hashes: list[int] = []
    owners: list[int] = []
    kinds: list[int] = []
    for index, record in enumerate(records):
        for key in keys_of(record):
            hashes.append(hash(key))
            owners.append(index)
            kinds.append(ord(key[0]))
    if not hashes:
        return set()
    hash_array = np.array(hashes, dtype=np.int64)
    owner_array = np.array(owners, dtype=np.int64)
    kind_array = np.array(kinds, dtype=np.uint8)
    del hashes, owners, kinds
    order = np.argsort(hash_array, kind="stable")
    hash_array, owner_array, kind_array = hash_array[order], owner_array[order], kind_array[order]
    starts = np.flatnonzero(np.r_[True, hash_array[1:] != hash_array[:-1]])
    sizes = np.diff(np.r_[starts, len(hash_array)])
    found: set[int] = set()
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist()):
        members = sorted(set(owner_array[start:start + size].tolist()))
        if len(members) < 2:
            continue
        exact = chr(kind_array[start]) in EXACT_KINDS
        if len(members) > MAX_BLOCK:
            members.sort(key=lambda index: text_of(records[index]))
            for offset, first in enumerate(members):
                for second in members[offset + 1:offset + 1 + WINDOW]:
                    found.add(min(first, second) * n + max(first, second))
            continue
        if exact:
            for offset, first in enumerate(members):
                found.update(first * n + second for second in members[offset + 1:])
            continue
        texts = [text_of(records[index]) for index in members]
        if len(members) == 2:
            if (scorer(texts[0], texts[1], score_cutoff=FUZZY_CUTOFF)
                    or compact and fuzz.ratio(texts[0].replace(" ", ""), texts[1].replace(" ", ""),
                                              score_cutoff=FUZZY_CUTOFF)):
                found.add(members[0] * n + members[1])
            continue
        matrix = process.cdist(texts, texts, scorer=scorer, score_cutoff=FUZZY_CUTOFF, dtype=np.uint8)
        if compact:  # words run together by a typo
            joined = [text.replace(" ", "") for text in texts]
            matrix = np.maximum(matrix, process.cdist(joined, joined, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF,
                                                      dtype=np.uint8))
        rows, columns = np.nonzero(np.triu(matrix, 1))
        found.update(members[row] * n + members[column] for row, column in zip(rows.tolist(), columns.tolist()))
    return found


def company_candidates(companies: Iterable[Company], *, threshold: float = scoring.THRESHOLD,
                       scorer=None) -> list[Candidate]:
    """Pairs of companies that may be one, most likely first; never two legal entities (SPEC §5)."""
    scorer = scorer or scoring.SCORER
    records = [prepare_company(company) for company in companies]
    frequency = Counter(word for record in records for word in set(record.stem.split()))
    n = len(records)
    result = []
    for code in _pairs(records, lambda record: company_keys(record, frequency), lambda record: record.stem, scorer,
                       compact=True):
        first, second = records[code // n], records[code % n]
        similarity = scoring.likeness(first.stem, second.stem, scorer)
        scored = scoring.score_companies(first, second, similarity, explain=False)
        if scored and scored[0] >= threshold:
            a, b = (first, second) if first.id < second.id else (second, first)
            result.append(Candidate((a.id, b.id), (a.name, b.name), (a.business_id, b.business_id),
                                    *scoring.score_companies(a, b, similarity)))
    result.sort(key=lambda candidate: (-candidate.score, candidate.ids))
    return result


def contact_candidates(contacts: Iterable[Contact], *, threshold: float = scoring.CONTACT_THRESHOLD,
                       scorer=None) -> list[Candidate]:
    """Pairs of contacts that may be one person, most likely first."""
    scorer = scorer or scoring.SCORER
    records = [prepare_contact(contact) for contact in contacts]
    n = len(records)
    result = []
    for code in _pairs(records, contact_keys, lambda record: record.person, scorer):
        first, second = records[code // n], records[code % n]
        similarity = scorer(first.person, second.person) / 100 if first.person and second.person else None
        score, reasons = scoring.score_contacts(first, second, similarity)
        if score >= threshold:
            a, b = (first, second) if first.id < second.id else (second, first)
            names = tuple(" ".join(part for part in (c.first_name, c.last_name) if part) or c.email for c in (a, b))
            result.append(Candidate((a.id, b.id), names, (None, None), score, reasons))
    result.sort(key=lambda candidate: (-candidate.score, candidate.ids))
    return result
