"""The loader reports every kind of catalog problem with file and entry, and applies local overrides."""

from __future__ import annotations

import pytest

from server.catalog.loader import DATA_DIR, load_catalog

VALID = """
[[vendor]]
id = "microsoft"
name = "Microsoft"
country = "US"
aliases = ["Microsoft Corporation", "Корпорация Майкрософт"]
source = "https://www.wikidata.org/wiki/Q2283"

[[vendor]]
id = "yandex"
name = "Yandex"
country = "RU"
aliases = ["ООО «ЯНДЕКС»"]
source = "https://www.wikidata.org/wiki/Q4420"

[[product]]
id = "microsoft-teams"
vendor = "microsoft"
name = "Microsoft Teams"
category = "video-conferencing"
license = "proprietary"
alternatives = ["yandex-telemost"]
[product.match]
windows = ['microsoft teams( classic)?']

[[product]]
id = "yandex-telemost"
vendor = "yandex"
name = "Yandex Telemost"
category = "video-conferencing"
license = "proprietary"
"""


def problems_of(write_catalog, extra: str, name: str = "extra.toml") -> list[str]:
    directory = write_catalog({"base.toml": VALID, name: extra})
    return [str(p) for p in load_catalog(shipped_dir=directory).problems]


def test_valid_catalog_has_no_problems(write_catalog):
    catalog = load_catalog(shipped_dir=write_catalog({"base.toml": VALID}))
    assert catalog.problems == []
    assert catalog.products["microsoft-teams"].alternatives == ["yandex-telemost"]
    assert catalog.country_of("microsoft") == "US"


def test_shipped_catalog_is_valid():
    catalog = load_catalog(shipped_dir=DATA_DIR)
    assert [str(p) for p in catalog.problems] == []
    assert catalog.vendors and catalog.products


@pytest.mark.parametrize(
    "entry, expected",
    [
        ('[[vendor]]\nid = "acme"\nname = "Acme"\ncountry = "US"\nsource = "https://e.org"\nhomepage = "x"\n',
         "extra.toml: vendor 'acme': unknown key 'homepage'"),
        ('[[vendor]]\nid = "acme"\nname = "Acme"\ncountry = "UK"\nsource = "https://e.org"\n',
         "extra.toml: vendor 'acme': country 'UK' is not an ISO 3166-1 alpha-2 code"),
        ('[[vendor]]\nid = "acme"\nname = "Acme"\ncountry = "US"\n',
         "extra.toml: vendor 'acme': missing 'source' URL"),
        ('[[vendor]]\nid = "acme"\nname = "Acme"\ncountry = "US"\nsource = "wikipedia"\n',
         "extra.toml: vendor 'acme': 'source' must be an http(s) URL"),
        ('[[vendor]]\nid = "acme"\nname = "Acme"\nparent = "nobody"\nsource = "https://e.org"\n',
         "extra.toml: vendor 'acme': parent 'nobody' is not a known vendor"),
        ('[[vendor]]\nid = "Acme Inc"\nname = "Acme"\ncountry = "US"\nsource = "https://e.org"\n',
         "extra.toml: vendor 'Acme Inc': id must be a lowercase slug"),
        ('[[vendor]]\nid = "acme"\nname = "Acme"\ncountry = "US"\nsource = "https://e.org"\n'
         'aliases = ["Microsoft Corp."]\n',
         "extra.toml: vendor 'acme': alias 'microsoft' is also claimed by vendor 'microsoft'"),
        ('[[vendor]]\nid = "acme"\nname = "Acme"\ncountry = "US"\nsource = "https://e.org"\n'
         "publisher_patterns = ['.*']\n",
         "extra.toml: vendor 'acme': publisher_patterns '.*' is too broad: it matches the empty string"),
        ('[[vendor]]\nid = "acme"\nname = "Acme"\ncountry = "US"\nsource = "https://e.org"\n'
         "distribution_maintainers = ['@acme\\\\.org>']\n",
         "extra.toml: vendor 'acme': 'distribution_maintainers' needs 'distribution'"),
        ('[[product]]\nid = "x1"\nvendor = "microsoft"\nname = "X"\ncategory = "office"\nlicense = "proprietary"\n',
         "extra.toml: product 'x1': category 'office' is not one of"),
        ('[[product]]\nid = "x1"\nvendor = "microsoft"\nname = "X"\ncategory = "other"\nlicense = "freeware"\n',
         "extra.toml: product 'x1': license 'freeware' must be one of"),
        ('[[product]]\nid = "x1"\nvendor = "acme"\nname = "X"\ncategory = "other"\nlicense = "proprietary"\n',
         "extra.toml: product 'x1': vendor 'acme' is not a known vendor"),
        ('[[product]]\nid = "x1"\nvendor = "yandex"\nname = "X"\ncategory = "other"\nlicense = "proprietary"\n'
         'alternatives = ["libreoffice"]\n',
         "extra.toml: product 'x1': alternative 'libreoffice' is not a known product"),
        ('[[product]]\nid = "x1"\nvendor = "yandex"\nname = "X"\ncategory = "other"\nlicense = "proprietary"\n'
         'register = "1234"\n',
         "extra.toml: product 'x1': 'register' is set without 'register_source'"),
        ('[[product]]\nid = "x1"\nvendor = "yandex"\nname = "X"\ncategory = "other"\nlicense = "proprietary"\n'
         "[product.match]\nwindows = ['x(']\n",
         "extra.toml: product 'x1': match.windows 'x(' is not a valid regex"),
        ('[[product]]\nid = "x1"\nvendor = "yandex"\nname = "X"\ncategory = "other"\nlicense = "proprietary"\n'
         "[product.match]\nwindows = ['.*zoom.*']\n",
         "extra.toml: product 'x1': match.windows '.*zoom.*' is too broad"),
        ('[[product]]\nid = "x1"\nvendor = "yandex"\nname = "X"\ncategory = "other"\nlicense = "proprietary"\n'
         "[product.match]\nnames = ['(yandex )?browser']\n",
         "extra.toml: product 'x1': match.names '(yandex )?browser' is too broad: it matches the common word "
         "'browser'"),
        ('[[product]]\nid = "x1"\nvendor = "yandex"\nname = "X"\ncategory = "other"\nlicense = "proprietary"\n'
         '[product.match]\ndebs = ["x"]\n',
         "extra.toml: product 'x1': unknown match key 'debs'"),
        ('[[product]]\nid = "x1"\nvendor = "yandex"\nname = "X"\ncategory = "other"\nlicense = "proprietary"\n'
         '[product.match]\nmsi_upgrade_code = ["{1234}"]\n',
         "extra.toml: product 'x1': match.msi_upgrade_code '{1234}' is not an uppercase {GUID}"),
        ('[[product]]\nid = "yandex-telemost"\nvendor = "yandex"\nname = "T"\ncategory = "other"\n'
         'license = "proprietary"\n',
         "extra.toml: product 'yandex-telemost': duplicate id (also in "),
        ('[[product]]\nid = "x1"\nvendor = "yandex"\nname = "X"\n',
         "extra.toml: product 'x1': missing required key 'category'"),
        ('vendors = []\n', "extra.toml: unknown top-level key 'vendors'"),
        ('[[vendor]\nid = "x"\n', "extra.toml: cannot be read as TOML"),
    ],
)
def test_each_problem_is_reported_with_file_and_entry(write_catalog, entry, expected):
    problems = problems_of(write_catalog, entry)
    assert any(expected in p for p in problems), problems


def test_parent_cycle_and_country_conflict(write_catalog):
    problems = problems_of(write_catalog, """
        [[vendor]]
        id = "a"
        name = "A"
        parent = "b"
        source = "https://e.org/a"
        [[vendor]]
        id = "b"
        name = "B"
        parent = "a"
        source = "https://e.org/b"
        [[vendor]]
        id = "skype"
        name = "Skype"
        country = "LU"
        parent = "microsoft"
        source = "https://e.org/s"
    """)
    assert any("vendor 'a': parent chain through 'b' is a cycle" in p for p in problems)
    assert any("vendor 'b': parent chain through 'a' is a cycle" in p for p in problems)
    assert any("vendor 'skype': country 'LU' differs from parent 'microsoft' ('US')" in p for p in problems)


def test_every_problem_is_collected_not_just_the_first(write_catalog):
    problems = problems_of(write_catalog, """
        [[vendor]]
        id = "acme"
        name = "Acme"
        country = "XX"
        [[product]]
        id = "acme-app"
        vendor = "acme"
        name = "Acme App"
        category = "nonsense"
        license = "proprietary"
        alternatives = ["missing-product"]
    """)
    assert len([p for p in problems if "acme" in p]) == 4, problems


def test_exact_id_claimed_by_two_products(write_catalog):
    problems = problems_of(write_catalog, """
        [[product]]
        id = "vscode"
        vendor = "microsoft"
        name = "VS Code"
        category = "developer-tools"
        license = "proprietary"
        [product.match]
        deb = ["code"]
        [[product]]
        id = "other-code"
        vendor = "yandex"
        name = "Other"
        category = "other"
        license = "proprietary"
        [product.match]
        deb = ["code"]
    """)
    assert any("product 'other-code': match.deb 'code' is also claimed by product 'vscode'" in p for p in problems)


def test_local_directory_overrides_and_extends(write_catalog):
    shipped = write_catalog({"base.toml": VALID})
    local = write_catalog({"ours.toml": """
        [[vendor]]
        id = "yandex"
        name = "Yandex (as we treat it)"
        country = "NL"
        source = "https://www.wikidata.org/wiki/Q4420"
        [[vendor]]
        id = "inhouse"
        name = "In-house development"
        country = "RU"
        source = "https://intranet.example/it"
        [[product]]
        id = "payroll"
        vendor = "inhouse"
        name = "Payroll"
        category = "erp-accounting"
        license = "proprietary"
    """})
    catalog = load_catalog([local], shipped_dir=shipped)
    assert catalog.problems == []
    assert catalog.vendors["yandex"].name == "Yandex (as we treat it)"
    assert catalog.country_of("yandex") == "NL"
    assert "payroll" in catalog.products and "microsoft-teams" in catalog.products


def test_duplicate_inside_local_directories_is_a_problem(write_catalog):
    shipped = write_catalog({"base.toml": VALID})
    entry = '[[vendor]]\nid = "inhouse"\nname = "X"\ncountry = "RU"\nsource = "https://e.org"\n'
    local = write_catalog({"a.toml": entry, "b.toml": entry})
    problems = [str(p) for p in load_catalog([local], shipped_dir=shipped).problems]
    assert any("b.toml: vendor 'inhouse': duplicate id (also in" in p for p in problems), problems


def test_missing_local_directory_is_reported(write_catalog, tmp_path):
    shipped = write_catalog({"base.toml": VALID})
    problems = [str(p) for p in load_catalog([tmp_path / "nope"], shipped_dir=shipped).problems]
    assert any("nope: local catalog directory does not exist" in p for p in problems)
