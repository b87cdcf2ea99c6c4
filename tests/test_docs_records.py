"""What the census guide and results pages say of the symmetric censuses is what the shipped records say."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CENSUS = ROOT / "benchmarks" / "census"


def statuses(n: int) -> Counter:
    """One status per class: a class's later record wins (census --resume --below writes a raised row again)."""
    lines = (CENSUS / f"symmetric{n}.jsonl").read_text().splitlines()
    latest = {record["hex"]: record for record in (json.loads(line) for line in lines if line.strip())}
    return Counter(record["status"] for record in latest.values())


def test_census_guide_counts_the_exact_classes_the_records_hold():
    text = " ".join((ROOT / "docs" / "guide" / "census.md").read_text().split())
    found = re.search(r"(\d+) of (\d+) and (\d+) of (\d+) classes are exact", text)
    assert found, "docs/guide/census.md no longer states the exact share of the 6- and 7-variable censuses"
    six, seven = statuses(6), statuses(7)
    assert [int(v) for v in found.groups()] == [six["exact"], sum(six.values()), seven["exact"], sum(seven.values())]


def test_census_results_count_exact_and_gaps_as_the_records_do():
    text = " ".join((ROOT / "docs" / "results" / "census.md").read_text().split())
    for n, pattern in [(6, r"36 classes \(128 functions\) in [\d,]+ s\. (\d+) are exact; (\d+) stay open"),
                       (7, r"72 classes \(256 functions\) in [\d,]+ s\. (\d+) are exact and (\d+) stay open")]:
        found = re.search(pattern, text)
        assert found, f"docs/results/census.md no longer states the {n}-variable census's exact and open counts"
        counts = statuses(n)
        assert (int(found[1]), int(found[2])) == (counts["exact"], counts["gap"]), n
