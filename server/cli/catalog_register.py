"""`footprint catalog register import|list|unmatched`: the Russian software register's entries on catalog products."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from server.cli.catalog import load_catalog_or_exit
from server.cli.options import CatalogDirOption
from server.render import OutputFormat, render

register_app = typer.Typer(help="Unified Register of Russian Software entries on catalog products (import, review).",
                           no_args_is_help=True)

IntoOption = typer.Option(
    None, "--into", help="Organisation-local catalog directory to write register.toml into "
    "(default: the first FOOTPRINT_CATALOG_DIR directory)."
)
MATCH_COLUMNS = ["product", "number", "register_name", "owner", "included", "excluded", "matched"]


def _directory(into: Optional[Path]) -> Path:
    """Where the register data lives: --into, else the first organisation-local catalog directory."""
    from server.catalog.loader import local_dirs_from_env

    if into is not None:
        return into
    local = local_dirs_from_env()
    if not local:
        typer.echo("no organisation-local catalog directory: pass --into DIR or set FOOTPRINT_CATALOG_DIR "
                   "(the collector must read the same directory)", err=True)
        raise typer.Exit(2)
    return local[0]


def _catalog(catalog_dir: Optional[List[Path]], directory: Path):
    """The catalog including the register directory, so the entries recorded there are applied."""
    dirs = list(catalog_dir or [])
    return load_catalog_or_exit(dirs + ([directory] if directory.is_dir() and directory not in dirs else []))


@register_app.command("import")
def import_register(
    file: Path = typer.Argument(..., metavar="FILE", help="The register's XML export (reestr.digital.gov.ru, "
                                "/reestr/?export=registry)."),
    into: Optional[Path] = IntoOption,
    catalog_dir: Optional[List[Path]] = CatalogDirOption,
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o"),
) -> None:
    """Match the export's entries to the catalog's Russian products and record number and dates on each match.

    A product gets an entry only when both the entry's name and its rights holder match the product and its
    vendor; each match is printed with the evidence. Entries of catalog vendors that matched no product, and
    name matches held by another rights holder, go to `footprint catalog register unmatched`.
    """
    from server.catalog.register import RegisterFormatError, match_entries, read_export, save

    directory = _directory(into)
    catalog = _catalog(catalog_dir, directory)
    try:
        generated, entries = read_export(file)
    except RegisterFormatError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    result = match_entries(catalog, entries, generated)
    try:
        data_path, review_path = save(result, directory, str(file))
    except OSError as exc:
        typer.echo(f"cannot write into {directory}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    rows = [{"product": m.product, "number": m.entry.number, "register_name": m.entry.name,
             "owner": m.entry.owner or m.entry.owner_short, "included": m.entry.included,
             "excluded": m.entry.excluded_on or ("yes" if m.entry.excluded else ""),
             "matched": f"{m.name_rule}; {m.owner_rule}"} for m in result.matches]
    summary = {"entries": result.entries, "generated": generated, "matched_products": len(result.matches),
               "owner_only": len(result.owner_only), "other_owner": len(result.other_owner),
               "written": [str(data_path), str(review_path)], "matches": rows}
    typer.echo(render(summary, rows, MATCH_COLUMNS, output))
    if output == OutputFormat.table:
        typer.echo(f"{result.entries} entries read (export of {generated or 'unstated date'}); "
                   f"{len(result.matches)} products matched; {len(result.owner_only)} entries of catalog vendors "
                   f"and {len(result.other_owner)} name matches of other rights holders to review with "
                   f"`footprint catalog register unmatched`; written {data_path}", err=True)


@register_app.command("list")
def list_entries(
    into: Optional[Path] = IntoOption,
    catalog_dir: Optional[List[Path]] = CatalogDirOption,
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o"),
) -> None:
    """Products with a register entry: number, the register's name and rights holder, dates, and the evidence."""
    directory = _directory(into)
    catalog = _catalog(catalog_dir, directory)
    rows = []
    for product in sorted(catalog.products.values(), key=lambda p: p.id):
        entry = product.register_entry
        if product.register or entry:
            rows.append({"product": product.id, "number": entry.get("number", product.register),
                         "register_name": entry.get("name", ""), "owner": entry.get("owner", ""),
                         "included": entry.get("included", ""), "excluded": entry.get("excluded", ""),
                         "matched": entry.get("matched", "") or f"catalog ({product.register_source})"})
    typer.echo(render(rows, rows, MATCH_COLUMNS, output))


@register_app.command("unmatched")
def unmatched(
    into: Optional[Path] = IntoOption,
    catalog_dir: Optional[List[Path]] = CatalogDirOption,
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o"),
) -> None:
    """What to review: Russian products without an entry, entries of catalog vendors no product matched, and
    name matches held by another rights holder (from the last import)."""
    from server.catalog.register import RegisterFormatError, iter_unregistered, load_review

    directory = _directory(into)
    catalog = _catalog(catalog_dir, directory)
    try:
        review = load_review(directory) or {}
    except RegisterFormatError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    rows = [{"kind": "product without entry", "product": p.id, "vendor": p.vendor, "number": "",
             "register_name": p.name, "owner": catalog.vendors[p.vendor].name} for p in iter_unregistered(catalog)]
    rows += [{"kind": "entry of a catalog vendor, no product", "product": "", "vendor": r["vendor"],
              "number": r["entry"]["number"], "register_name": r["entry"]["name"], "owner": r["entry"]["owner"]}
             for r in review.get("owner_only", [])]
    rows += [{"kind": "name matched, other rights holder", "product": r["product"], "vendor": r["owner_vendor"],
              "number": r["entry"]["number"], "register_name": r["entry"]["name"], "owner": r["entry"]["owner"]}
             for r in review.get("other_owner", [])]
    data = {"imported_from": review.get("imported_from", ""), "generated": review.get("generated", ""), "rows": rows}
    typer.echo(render(data, rows, ["kind", "product", "vendor", "number", "register_name", "owner"], output))
    if not review and output == OutputFormat.table:
        typer.echo(f"no register import in {directory} yet: run `footprint catalog register import FILE`", err=True)


def register(catalog_app: typer.Typer) -> None:
    """Attach `register` to the `catalog` group."""
    catalog_app.add_typer(register_app, name="register")
