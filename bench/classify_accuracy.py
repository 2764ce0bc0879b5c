"""Classifier accuracy on the hand-labelled evaluation set (tests/server/catalog/eval), next to the issue's targets.

Run: .venv/bin/python bench/classify_accuracy.py [--verbose]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.catalog.loader import load_catalog  # noqa: E402
from server.catalog.policy import Classifier  # noqa: E402
from tests.support.catalog_eval import load_eval, score  # noqa: E402

EVAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "server" / "catalog" / "eval"
OFFICE_MACHINE = "windows-office-ru"


def main() -> int:
    catalog = load_catalog()
    if catalog.problems:
        print(f"catalog has {len(catalog.problems)} problem(s); run `footprint catalog check`")
        return 2
    result = score(Classifier(catalog, ("RU",)), load_eval(EVAL_DIR))
    print(f"evaluation set: {len(result.outcomes)} labelled items; catalog {len(catalog.vendors)} vendors, "
          f"{len(catalog.products)} products; home RU")
    print("\nunknown: share the classifier left unknown (coverage gap); wrong: share given a wrong answer")
    print(f"{'group':<40}{'items':>6}{'country':>9}{'status':>9}{'both':>9}{'unknown':>9}{'wrong':>8}")
    for title, key in (("source", lambda o: f"{o.file}"), ("category", lambda o: o.category)):
        for name, outcomes in result.by(key).items():
            figures = "".join(f"{result.accuracy(outcomes, fact):>9.1%}" for fact in ("country", "status", "both"))
            gaps = f"{result.unknown_share(outcomes):>9.1%}{result.misclassified_share(outcomes):>8.1%}"
            print(f"{title + ': ' + name:<40}{len(outcomes):>6}{figures}{gaps}")
    office = result.classified_share(OFFICE_MACHINE)
    print(f"\n{'measure':<46}{'ours':>8}{'target':>10}")
    print(f"{'correct country and status (all items)':<46}{result.accuracy():>8.1%}{'>= 97%':>10}")
    print(f"{'left unknown (all items)':<46}{result.unknown_share():>8.1%}{'':>10}")
    print(f"{'given a wrong country or status (all items)':<46}{result.misclassified_share():>8.1%}{'':>10}")
    print(f"{'office Windows machine: installs classified':<46}{office:>8.1%}{'>= 95%':>10}")
    print(f"{'false domestic':<46}{len(result.false_domestic):>8}{'0':>10}")
    if "--verbose" in sys.argv or result.false_domestic:
        for o in result.wrong:
            marker = "FALSE DOMESTIC " if o.false_domestic else ""
            print(f"  {marker}{o.file}:{o.line} {o.item.get('name')!r} -> {o.country or '-'} {o.status} "
                  f"(expected {o.expected['country'] or '-'} {o.expected['status']}) rule={o.rule or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
