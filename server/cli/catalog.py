"""`footprint classify` and `footprint catalog show|check|stats`: the catalog and classifier, offline."""

from __future__ import annotations

import json
import sys
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from server.catalog.describe import describe
from server.cli.options import CatalogDirOption
from server.render import OutputFormat, render

catalog_app = typer.Typer(help="Inspect and validate the software catalog (shipped plus local files).",
                          no_args_is_help=True)



def load_catalog_or_exit(catalog_dirs: Optional[List[Path]], require_valid: bool = True):
    """The catalog with local directories from the environment and the command line; exit 2 when invalid."""
    from server.catalog.loader import load_catalog, local_dirs_from_env

    catalog = load_catalog(local_dirs_from_env() + list(catalog_dirs or []))
    if require_valid:
        _require_valid(catalog)
    return catalog


def _require_valid(catalog) -> None:
    """Refuse to answer from an invalid catalog."""
    if catalog.problems:
        _report_problems(catalog.problems)


def _report_problems(problems) -> None:
    """Print the catalog's problems and exit 2."""
    from server.catalog.loader import describe_problems

    typer.echo(describe_problems(problems), err=True)
    typer.echo(f"catalog is invalid: {len(problems)} problem(s); run `footprint catalog check`", err=True)
    raise typer.Exit(2)


@catalog_app.command("check")
def check(catalog_dir: Optional[List[Path]] = CatalogDirOption) -> None:
    """Validate shipped and local catalog files; print every problem with file and entry."""
    from server.catalog.loader import describe_problems

    catalog = load_catalog_or_exit(catalog_dir, require_valid=False)
    if catalog.problems:
        typer.echo(describe_problems(catalog.problems))
        typer.echo(f"{len(catalog.problems)} problem(s) in {len(catalog.files)} file(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"catalog OK: {len(catalog.vendors)} vendors, {len(catalog.products)} products "
               f"in {len(catalog.files)} file(s)")


@catalog_app.command("stats")
def stats(
    catalog_dir: Optional[List[Path]] = CatalogDirOption,
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o"),
) -> None:
    """Products by category and by vendor country."""
    catalog = load_catalog_or_exit(catalog_dir)
    by_category = Counter(p.category for p in catalog.products.values())
    by_country = Counter(catalog.country_of(p.vendor) for p in catalog.products.values())
    vendors_by_country = Counter(catalog.country_of(v) for v in catalog.vendors)
    rows = [{"group": "category", "value": k, "products": n} for k, n in sorted(by_category.items())]
    rows += [{"group": "country", "value": k, "products": n, "vendors": vendors_by_country.get(k, 0)}
             for k, n in sorted(by_country.items())]
    data = {"vendors": len(catalog.vendors), "products": len(catalog.products),
            "by_category": dict(sorted(by_category.items())), "by_country": dict(sorted(by_country.items())),
            "vendors_by_country": dict(sorted(vendors_by_country.items()))}
    typer.echo(render(data, rows, ["group", "value", "products", "vendors"], output))


@catalog_app.command("show")
def show(
    entry_id: str = typer.Argument(..., metavar="VENDOR|PRODUCT", help="A vendor or product id."),
    catalog_dir: Optional[List[Path]] = CatalogDirOption,
) -> None:
    """Everything the catalog says about one vendor (with its products) or one product."""
    import json
    from dataclasses import asdict

    catalog = load_catalog_or_exit(catalog_dir)
    found = {}
    if entry_id in catalog.vendors:
        vendor = asdict(catalog.vendors[entry_id])
        vendor["effective_country"] = catalog.country_of(entry_id)
        vendor["products"] = sorted(p.id for p in catalog.products.values() if p.vendor == entry_id)
        found["vendor"] = vendor
    if entry_id in catalog.products:
        product = catalog.products[entry_id]
        found["product"] = {**asdict(product), "vendor_name": catalog.vendors[product.vendor].name,
                            "country": catalog.country_of(product.vendor),
                            "replaces": sorted(p.id for p in catalog.products.values() if entry_id in p.alternatives)}
    if not found:
        typer.echo(f"no vendor or product with id {entry_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(found, ensure_ascii=False, indent=2))


class ClassifyOutput(str, Enum):
    """`footprint classify --file` output: one JSON object per line, a JSON array, a table or CSV."""

    jsonl = "jsonl"
    json = "json"
    table = "table"
    csv = "csv"


RESULT_COLUMNS = ["line", "name", "vendor", "product", "category", "country", "status", "license", "register", "rule"]
TABLE_COLUMNS = ["line", "name", "product", "country", "status", "rule"]


def classify(
    name: Optional[str] = typer.Option(None, "--name", help="Software title as the inventory shows it."),
    publisher: str = typer.Option("", "--publisher", help="Publisher / maintainer / vendor string."),
    source: str = typer.Option("", "--source",
                               help="deb, rpm, snap, flatpak, windows, msix, macos-app, homebrew, os, android, ios"),
    item_id: str = typer.Option("", "--id", help="Package id, bundle id, MSIX family name, os-release ID."),
    home: Optional[str] = typer.Option(None, "--home", help="Home countries, comma list (default RU)."),
    file: Optional[Path] = typer.Option(
        None, "--file", help="JSONL input, one object per line with name [publisher source id version]; - is stdin."
    ),
    output: Optional[ClassifyOutput] = typer.Option(None, "--output", "-o", help="Default: text / jsonl with --file."),
    catalog_dir: Optional[List[Path]] = CatalogDirOption,
) -> None:
    """Classify one title (--name) or a JSONL file (--file): vendor, country, status, license, rule, alternatives.

    With --file every input line gives one result, in order, each carrying its line number; a bad line gives an
    `error` result naming the line, the rest are still classified, and the exit code is 1.
    """
    if (name is None) == (file is None):
        typer.echo("give exactly one of --name or --file", err=True)
        raise typer.Exit(2)
    classifier = _classifier(catalog_dir, home)
    if name is not None:
        item = {"name": name, "publisher": publisher, "source": source, "id": item_id}
        result = classifier.classify(item).as_dict()
        if output in (ClassifyOutput.json, ClassifyOutput.jsonl):
            typer.echo(json.dumps(result, ensure_ascii=False, indent=2 if output == ClassifyOutput.json else None))
        else:
            typer.echo(describe(name, result))
        return
    results, bad = _classify_file(classifier, file)
    typer.echo(_render_results(results, output or ClassifyOutput.jsonl))
    if bad:
        typer.echo(f"{bad} bad input line(s) in {file}", err=True)
        raise typer.Exit(1)


def _classifier(catalog_dirs: Optional[List[Path]], home: Optional[str]):
    """The classifier over the cached index (the catalog is re-validated only when a file changed)."""
    from server.catalog.cache import InvalidCatalog, load_classifier

    try:
        return load_classifier(home, list(catalog_dirs or []))
    except ValueError as exc:
        typer.echo(f"--home / FOOTPRINT_HOME_COUNTRIES: {exc}", err=True)
        raise typer.Exit(2) from None
    except InvalidCatalog as exc:
        _report_problems(exc.problems)


def _classify_file(classifier, path: Path) -> tuple[list[dict], int]:
    """Results in input order; a line that is not a JSON object with a string `name` yields an error result."""
    try:
        handle = sys.stdin if str(path) == "-" else open(path, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"cannot read {path}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    results, bad = [], 0
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                problem = "" if isinstance(data, dict) else "not a JSON object"
            except json.JSONDecodeError as exc:
                data, problem = {}, f"invalid JSON ({exc.msg} at column {exc.colno})"
            if not problem and (not isinstance(data.get("name"), str) or not data["name"].strip()):
                problem = "missing or empty string 'name'"
            if not problem:
                problem = next((f"{k!r} must be a string" for k in ("publisher", "source", "id", "version")
                                if data.get(k) is not None and not isinstance(data[k], str)), "")
            if problem:
                bad += 1
                typer.echo(f"{path}:{number}: {problem}", err=True)
                results.append({"line": number, "error": problem})
                continue
            result = {"line": number, **{k: data.get(k, "") for k in ("name", "publisher", "source", "id", "version")}}
            results.append({**result, **classifier.classify(data).as_dict()})
    return results, bad


def _render_results(results: list[dict], fmt: ClassifyOutput) -> str:
    if fmt == ClassifyOutput.jsonl:
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in results)
    rows = [{**r, "status": r.get("group", "")} if "error" not in r else {"line": r["line"], "rule": r["error"]}
            for r in results]
    columns = TABLE_COLUMNS if fmt == ClassifyOutput.table else RESULT_COLUMNS
    return render(results, rows, columns, OutputFormat(fmt.value))


def register(app: typer.Typer) -> None:
    """Attach `classify` and the `catalog` group to the root `footprint` app."""
    app.command("classify")(classify)
    app.add_typer(catalog_app, name="catalog")
