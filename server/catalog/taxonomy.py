"""The fixed vocabularies a catalog entry may use: categories, licenses, country codes, match sources."""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "operating-system": "Operating system",
    "office-suite": "Office suite",
    "email": "Email",
    "video-conferencing": "Video conferencing",
    "messaging": "Messaging",
    "browser": "Browser",
    "security": "Security",
    "pdf-graphics": "PDF and graphics",
    "database": "Database",
    "virtualization": "Virtualization",
    "remote-access": "Remote access",
    "developer-tools": "Developer tools",
    "cloud-storage": "Cloud storage",
    "crypto-esignature": "Cryptography and e-signature",
    "erp-accounting": "ERP and accounting",
    "runtime-libraries": "Runtime and libraries",
    "drivers-hardware": "Drivers and hardware utilities",
    "browser-extension": "Browser extension",
    "ide-extension": "IDE extension",
    "other": "Other",
}

LICENSES = ("proprietary", "open-source")

# ISO 3166-1 alpha-2, officially assigned codes (ISO/TC 46 N1108, 2023-04-05).
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
    BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM
    FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN
    MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT
    PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL
    TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)

# Keys of a product's [product.match] table: exact-id sources first, then patterns.
EXACT_MATCH_KEYS = ("msix", "msi_upgrade_code", "bundle_id", "flatpak", "snap", "deb", "rpm", "homebrew",
                    "browser_extension", "ide_extension", "android", "ios")
PATTERN_MATCH_KEYS = ("windows", "names", "os", "macos")
MATCH_KEYS = EXACT_MATCH_KEYS + PATTERN_MATCH_KEYS + ("os_id",)
