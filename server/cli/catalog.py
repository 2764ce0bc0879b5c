"""`footprint classify` and `footprint catalog show|check|stats`: the catalog and classifier, offline."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import List, Optional

import typer

from server.cli.output import OutputFormat, render

catalog_app = typer.Typer(help="Inspect and validate the software catalog (shipped plus local files).",
                          no_args_is_help=True)

CatalogDirOption = typer.Option(
    None, "--catalog-dir", help="Organisation-local catalog directory (repeatable; adds to FOOTPRINT_CATALOG_DIR)."
)


def _load(catalog_dirs: Optional[List[Path]], require_valid: bool = True):
    """The catalog with local directories from the environment and the command line; exit 2 when invalid."""
    from server.catalog.loader import describe_problems, load_catalog, local_dirs_from_env

    catalog = load_catalog(local_dirs_from_env() + list(catalog_dirs or []))
    if require_valid and catalog.problems:
        typer.echo(describe_problems(catalog.problems), err=True)
        typer.echo(f"catalog is invalid: {len(catalog.problems)} problem(s); run `footprint catalog check`",
                   err=True)
        raise typer.Exit(2)
    return catalog


@catalog_app.command("check")
def check(catalog_dir: Optional[List[Path]] = CatalogDirOption) -> None:
    """Validate shipped and local catalog files; print every problem with file and entry."""
    from server.catalog.loader import describe_problems

    catalog = _load(catalog_dir, require_valid=False)
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
    catalog = _load(catalog_dir)
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

    catalog = _load(catalog_dir)
    found = {}
    if entry_id in catalog.vendors:
        vendor = asdict(catalog.vendors[entry_id])
        vendor["effective_country"] = catalog.country_of(entry_id)
        vendor["products"] = sorted(p.id for p in catalog.products.values() if p.vendor == entry_id)
        found["vendor"] = vendor
    if entry_id in catalog.products:
        found["product"] = asdict(catalog.products[entry_id])
    if not found:
        typer.echo(f"no vendor or product with id {entry_id!r}", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(found, ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    """Attach `classify` and the `catalog` group to the root `footprint` app."""
    app.add_typer(catalog_app, name="catalog")
