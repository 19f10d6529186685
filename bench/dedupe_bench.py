"""Duplicate candidates for many generated companies, in memory (no database): how long the finder
takes, how many pairs it proposes, how many of the planted duplicates it finds, and peak memory.

    python bench/dedupe_bench.py [--companies 1000000] [--duplicates 0.03] [--seed 1] [--scorers]

Names are Finnish-like (a place, a trade, a surname or a made-up word, a legal form), spread over
3,000 postal codes weighted like a city; a share of the companies get a planted duplicate: the legal
form dropped or changed to its Swedish word, a letter wrong, words swapped, '&' for 'ja', a postal
code typo, a website written another way. --scorers prints precision and recall of each rapidfuzz
scorer on the tests' hand-built look-alikes (tests/dedupe_lookalikes.py) instead.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm.dedupe.blocking import Company  # noqa: E402
from crm.dedupe.candidates import company_candidates, contact_candidates  # noqa: E402

PLACES = "Espoon Tapiolan Leppävaaran Matinkylän Otaniemen Kauniaisten Helsingin Vantaan Suomen Nordic Länsi Etelä".split()
TRADES = ("Rakennus Kahvila Consulting Kiinteistö Sähkö Putki Tilitoimisto Auto Kuljetus Siivous Ravintola Design "
          "Media Software Kauneus Hammas Kone Metalli Puu Maalaus Lvi Parturi Kukka Leipomo Optiikka Studio "
          "Logistiikka Energia Solutions Systems Games Tekniikka Palvelu Huolto Remontti Sijoitus Terveys").split()
SURNAMES = ("Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen Lehtonen "
            "Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen Salo Laitinen Tuominen "
            "Rantanen Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen").split()
SYLLABLES = "ka ko ki ta to ti la lo li sa so si ma mo mi na no ni va vo vi pa po pi ra ro ri ha ho hi ju ky ly sy".split()
FORMS = ["Oy", "Oy", "Oy", "Oy", "Ky", "Tmi", "Ay", "Oyj", "", ""]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def _name(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.3:
        words = [_word(rng), rng.choice(TRADES)]
    elif shape < 0.55:
        words = [rng.choice(SURNAMES), rng.choice(TRADES), _word(rng)]
    elif shape < 0.7:
        words = [rng.choice(PLACES), rng.choice(TRADES), _word(rng)]
    elif shape < 0.85:
        words = [_word(rng), _word(rng)]
    else:
        words = [rng.choice(SURNAMES), "&", rng.choice(SURNAMES), rng.choice(TRADES)]
        if rng.random() < 0.8:
            words.append(_word(rng))
    form = rng.choice(FORMS)
    return " ".join(words + ([form] if form else []))


def _variant(rng: random.Random, company: dict) -> dict:
    copy = dict(company)
    name = copy["name"]
    change = rng.randrange(6)
    if change == 0:  # legal form dropped or in Swedish
        name = name.removesuffix(" Oy").removesuffix(" Ky") if rng.random() < 0.7 else name.replace(" Oy", " Ab")
    elif change == 1 and len(name) > 6:  # a letter wrong
        at = rng.randrange(1, len(name) - 1)
        name = name[:at] + rng.choice("aeiounst") + name[at + 1:]
    elif change == 2:  # words swapped
        words = name.split()
        if len(words) > 2:
            words[0], words[1] = words[1], words[0]
        name = " ".join(words)
    elif change == 3:
        name = name.replace("&", "ja").upper()
    elif change == 4 and copy["postal_code"]:  # a postal code typo
        code = copy["postal_code"]
        copy["postal_code"] = code[:4] + str((int(code[4]) + 1) % 10)
    elif change == 5:
        site = company["website"] or "".join(name.lower().split()[:-1] or name.lower().split()) + ".fi"
        company["website"] = site
        copy["website"] = f"https://www.{site}/yhteystiedot"
    copy["name"] = name
    copy["business_id"] = None
    return copy


def generate(count: int, duplicate_share: float, seed: int) -> tuple[list[Company], set[tuple[int, int]]]:
    rng = random.Random(seed)
    codes = [f"{rng.randrange(0, 100):02d}{rng.randrange(0, 10)}{rng.randrange(0, 10)}0" for _ in range(3000)]
    weights = [1 / (rank + 30) for rank in range(len(codes))]  # the busiest code ~1.5 % of all
    planted_count = int(count * duplicate_share)
    originals = count - planted_count
    postal = rng.choices(codes, weights, k=originals)
    rows = []
    for index in range(originals):
        rows.append({"name": _name(rng), "postal_code": postal[index] if rng.random() < 0.9 else "",
                     "website": "", "business_id": None})
    planted = set()
    for _ in range(planted_count):
        original = rng.randrange(originals)
        rows.append(_variant(rng, rows[original]))
        planted.add((original + 1, len(rows)))
    companies = [Company(id=index, name=row["name"], postal_code=row["postal_code"], website=row["website"])
                 for index, row in enumerate(rows, 1)]
    return companies, planted


def scorer_table() -> None:
    from dedupe_lookalikes import companies, contacts, precision_recall, truth
    from rapidfuzz import fuzz

    print(f"{'scorer':26} {'companies P':>12} {'R':>6} {'contacts P':>11} {'R':>6}")
    for name in ("ratio", "token_sort_ratio", "token_set_ratio", "WRatio", "QRatio", "partial_token_sort_ratio"):
        scorer = getattr(fuzz, name)
        figures = []
        for data, find in ((companies, company_candidates), (contacts, contact_candidates)):
            labelled = data()
            found = {tuple(c.ids) for c in find([record for _, record in labelled], scorer=scorer)}
            figures += precision_recall(found, truth(labelled))
        print(f"{name:26} {figures[0]:12.3f} {figures[1]:6.3f} {figures[2]:11.3f} {figures[3]:6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--duplicates", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scorers", action="store_true")
    options = parser.parse_args()
    if options.scorers:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        scorer_table()
        return
    started = time.perf_counter()
    companies, planted = generate(options.companies, options.duplicates, options.seed)
    generated = time.perf_counter()
    print(f"generated {len(companies):,} companies ({len(planted):,} planted duplicates) "
          f"in {generated - started:.1f} s", flush=True)
    cpu = time.process_time()
    candidates = company_candidates(companies)
    finished = time.perf_counter()
    cpu = time.process_time() - cpu
    found = {tuple(candidate.ids) for candidate in candidates}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"candidates: {finished - generated:.1f} s ({cpu:.1f} s of CPU; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores), {len(candidates):,} pairs, "
          f"{len(found & planted):,} of {len(planted):,} planted found "
          f"({len(found & planted) / max(1, len(planted)):.1%}), peak RSS {peak:,.0f} MB (all in memory)")


if __name__ == "__main__":
    main()
