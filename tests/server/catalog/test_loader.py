"""The loader reports every kind of catalog problem with file and entry, and applies local overrides."""

from __future__ import annotations

import pytest

from server.catalog.loader import DATA_DIR, load_catalog


@pytest.fixture
def problems_of(write_catalog, sample_catalog_files):
    """Problems of the sample catalog plus one extra file."""

    def problems(extra: str) -> list[str]:
        directory = write_catalog({**sample_catalog_files, "zz-extra.toml": extra})
        return [str(p) for p in load_catalog(shipped_dir=directory).problems]

    return problems


def test_valid_catalog_has_no_problems(sample_catalog):
    catalog = sample_catalog
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
         "[product.match]\nwindows = ['Yandex Browser( \\d+)?']\n",
         "extra.toml: product 'x1': match.windows 'Yandex Browser( \\\\d+)?' can never match: names are matched "
         "lowercased"),
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
def test_each_problem_is_reported_with_file_and_entry(problems_of, entry, expected):
    problems = problems_of(entry)
    assert any(expected in p for p in problems), problems


def test_parent_cycle_and_country_conflict(problems_of):
    problems = problems_of("""
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


def test_every_problem_is_collected_not_just_the_first(problems_of):
    problems = problems_of("""
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


def test_exact_id_claimed_by_two_products(problems_of):
    problems = problems_of("""
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


def test_duplicate_inside_local_directories_is_a_problem(write_catalog, sample_catalog_dir):
    shipped = sample_catalog_dir
    entry = '[[vendor]]\nid = "inhouse"\nname = "X"\ncountry = "RU"\nsource = "https://e.org"\n'
    local = write_catalog({"a.toml": entry, "b.toml": entry})
    problems = [str(p) for p in load_catalog([local], shipped_dir=shipped).problems]
    assert any("b.toml: vendor 'inhouse': duplicate id (also in" in p for p in problems), problems


def test_missing_local_directory_is_reported(sample_catalog_dir, tmp_path):
    shipped = sample_catalog_dir
    problems = [str(p) for p in load_catalog([tmp_path / "nope"], shipped_dir=shipped).problems]
    assert any("nope: local catalog directory does not exist" in p for p in problems)
