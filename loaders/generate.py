"""Deterministic synthetic CRM inbox generator.

Writes one ``out/YYYY-MM-DD/`` folder per run date in the source contract declared in
``loaders.settings`` (clients.csv daily; advisors.json, territories.csv, whitelist.csv and
blacklist.csv on day 1 and on refresh days) plus ``out/truth/entities.csv``, the ground truth
of which CRM records are the same real company, so entity resolution and routing can be scored.

Everything is vectorised with numpy/polars (loops only over vocabularies, countries and other
small sets). Each concern and day draws from its own seeded stream, so the same arguments give
byte-identical files and day N does not depend on how many days are generated.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from loaders.settings import DBT_PROJECT_DIR, SOURCES

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

REGIONS = ("North America", "EMEA", "APAC", "LATAM")
REGION_CODES = ("NA", "EMEA", "APAC", "LATAM")
SEGMENTS = (
    "Pension Fund",
    "Endowment",
    "Insurance",
    "Sovereign Wealth",
    "Asset Manager",
    "Family Office",
    "Bank",
)
SEGMENT_CODES = ("PEN", "END", "INS", "SWF", "AM", "FO", "BNK")
_SEGMENT_WEIGHTS = np.array([0.12, 0.10, 0.10, 0.03, 0.40, 0.15, 0.10])
# Relative AUM scale per segment: sovereign funds and banks are bigger than family offices.
_SEGMENT_AUM_FACTOR = np.array([3.0, 0.8, 3.0, 30.0, 1.0, 0.4, 4.0])
# Share of names carrying a legal suffix: pension funds and endowments usually have none.
_SEGMENT_LEGAL_P = np.array([0.25, 0.15, 0.85, 0.30, 0.85, 0.60, 0.75])
_AM = SEGMENTS.index("Asset Manager")

# Region x segment pairs that also get tier-routed territories (top two tiers).
_TIERED = {
    "North America": SEGMENTS,
    "EMEA": ("Pension Fund", "Insurance", "Sovereign Wealth", "Asset Manager", "Bank"),
}
# Added by the first roster refresh (day 8) so routing sees a territory appear mid-run.
_LATE_TERRITORY = ("APAC", "Asset Manager")
_REFRESH_EVERY = 7


def _words(text: str) -> tuple[str, ...]:
    """A vocabulary written compactly: "Smith|Jones" -> ("Smith", "Jones")."""
    return tuple(text.split("|"))


LEGAL_FAMILIES: dict[str, tuple[str, ...]] = {
    "Inc": ("Inc", "Inc.", "Incorporated"),
    "LLC": ("LLC", "L.L.C.", "Llc"),
    "Corp": ("Corp", "Corp.", "Corporation"),
    "LP": ("LP", "L.P."),
    "Ltd": ("Ltd", "Ltd.", "Limited"),
    "PLC": ("PLC", "plc", "Public Limited Company"),
    "LLP": ("LLP", "L.L.P."),
    "GmbH": ("GmbH", "Gmbh", "G.m.b.H."),
    "AG": ("AG", "A.G.", "Aktiengesellschaft"),
    "SA": ("S.A.", "SA", "S.A"),
    "SAS": ("SAS", "S.A.S."),
    "NV": ("N.V.", "NV"),
    "BV": ("B.V.", "BV"),
    "SARL": ("S.à r.l.", "SARL", "S.a.r.l."),
    "AB": ("AB", "Aktiebolag"),
    "SpA": ("S.p.A.", "SpA", "S.P.A."),
    "Srl": ("S.r.l.", "Srl"),
    "SL": ("S.L.", "SL"),
    "PJSC": ("PJSC", "P.J.S.C."),
    "PtyLtdZA": ("(Pty) Ltd", "Pty Ltd", "(Pty) Limited"),
    "KK": ("K.K.", "KK", "Kabushiki Kaisha"),
    "CoLtd": ("Co., Ltd.", "Co. Ltd", "Company Limited"),
    "PtyLtd": ("Pty Ltd", "Pty. Ltd.", "Proprietary Limited"),
    "PteLtd": ("Pte. Ltd.", "Pte Ltd", "Private Limited"),
    "PvtLtd": ("Pvt Ltd", "Pvt. Ltd.", "Private Limited"),
    "Ltda": ("Ltda.", "Ltda", "Limitada"),
    "SAdeCV": ("S.A. de C.V.", "SA de CV"),
}


@dataclass(frozen=True)
class _Country:
    name: str
    region: str
    weight: float
    postal: str  # 9 = digit, A = letter, anything else literal; "" = no postal codes
    families: tuple[str, ...]  # legal suffix families, most common first
    langs: tuple[tuple[str, float], ...]  # surname pools and their shares
    cities: tuple[str, ...]  # biggest first
    geo: tuple[str, ...]  # words a local subsidiary appends to its parent's name


COUNTRIES: tuple[_Country, ...] = (
    _Country(
        "United States",
        "North America",
        0.3,
        "99999",
        ("Inc", "LLC", "Corp", "LP"),
        (("en", 1.0),),
        _words(
            "New York|Boston|Chicago|San Francisco|Los Angeles|Greenwich|Dallas|Houston"
            "|Philadelphia|Denver|Seattle|Atlanta|Charlotte|Minneapolis"
        ),
        _words("USA|Americas"),
    ),
    _Country(
        "Canada",
        "North America",
        0.05,
        "A9A 9A9",
        ("Inc", "Ltd", "Corp"),
        (("en", 0.7), ("fr", 0.3)),
        _words("Toronto|Montréal|Vancouver|Calgary|Ottawa|Québec"),
        _words("Canada|North America"),
    ),
    _Country(
        "United Kingdom",
        "EMEA",
        0.1,
        "AA9 9AA",
        ("Ltd", "PLC", "LLP"),
        (("en", 1.0),),
        _words("London|Edinburgh|Manchester|Birmingham|Leeds|Glasgow"),
        _words("UK|Europe"),
    ),
    _Country(
        "Germany",
        "EMEA",
        0.05,
        "99999",
        ("GmbH", "AG"),
        (("de", 1.0),),
        _words("Frankfurt am Main|München|Berlin|Hamburg|Düsseldorf|Köln|Stuttgart"),
        _words("Deutschland|Europe"),
    ),
    _Country(
        "France",
        "EMEA",
        0.04,
        "99999",
        ("SA", "SAS"),
        (("fr", 1.0),),
        _words("Paris|Lyon|Marseille|Bordeaux|Lille|Nantes"),
        _words("France|Europe"),
    ),
    _Country(
        "Switzerland",
        "EMEA",
        0.04,
        "9999",
        ("AG", "SA", "GmbH"),
        (("de", 0.65), ("fr", 0.35)),
        _words("Zürich|Genève|Basel|Lausanne|Lugano|Zug|Bern"),
        _words("Schweiz|Suisse"),
    ),
    _Country(
        "Netherlands",
        "EMEA",
        0.03,
        "9999 AA",
        ("NV", "BV"),
        (("nl", 1.0),),
        _words("Amsterdam|Rotterdam|Den Haag|Utrecht|Eindhoven"),
        _words("Nederland|Benelux"),
    ),
    _Country(
        "Luxembourg",
        "EMEA",
        0.015,
        "L-9999",
        ("SA", "SARL"),
        (("fr", 0.6), ("de", 0.4)),
        _words("Luxembourg|Esch-sur-Alzette|Differdange"),
        _words("Luxembourg|Europe"),
    ),
    _Country(
        "Sweden",
        "EMEA",
        0.015,
        "999 99",
        ("AB",),
        (("nordic", 1.0),),
        _words("Stockholm|Göteborg|Malmö|Uppsala"),
        _words("Sverige|Nordic"),
    ),
    _Country(
        "Italy",
        "EMEA",
        0.025,
        "99999",
        ("SpA", "Srl"),
        (("it", 1.0),),
        _words("Milano|Roma|Torino|Firenze|Bologna"),
        _words("Italia|Europe"),
    ),
    _Country(
        "Spain",
        "EMEA",
        0.02,
        "99999",
        ("SA", "SL"),
        (("es", 1.0),),
        _words("Madrid|Barcelona|Valencia|Bilbao|Sevilla"),
        _words("España|Iberia"),
    ),
    _Country(
        "United Arab Emirates",
        "EMEA",
        0.015,
        "",
        ("LLC", "PJSC", "Ltd"),
        (("ar", 0.8), ("en", 0.2)),
        _words("Dubai|Abu Dhabi|Sharjah"),
        _words("Middle East|Gulf"),
    ),
    _Country(
        "South Africa",
        "EMEA",
        0.01,
        "9999",
        ("PtyLtdZA", "Ltd"),
        (("en", 1.0),),
        _words("Johannesburg|Cape Town|Durban|Pretoria"),
        _words("Africa|South Africa"),
    ),
    _Country(
        "Japan",
        "APAC",
        0.06,
        "999-9999",
        ("KK", "CoLtd"),
        (("ja", 1.0),),
        _words("Tokyo|Osaka|Nagoya|Yokohama|Fukuoka"),
        _words("Japan|Asia"),
    ),
    _Country(
        "Australia",
        "APAC",
        0.04,
        "9999",
        ("PtyLtd", "Ltd"),
        (("en", 1.0),),
        _words("Sydney|Melbourne|Brisbane|Perth|Adelaide"),
        _words("Australia|Asia Pacific"),
    ),
    _Country(
        "Singapore",
        "APAC",
        0.03,
        "999999",
        ("PteLtd", "Ltd"),
        (("zh", 0.7), ("en", 0.3)),
        _words("Singapore"),
        _words("Asia|Singapore"),
    ),
    _Country(
        "Hong Kong",
        "APAC",
        0.03,
        "",
        ("Ltd", "CoLtd"),
        (("zh", 0.8), ("en", 0.2)),
        _words("Hong Kong|Kowloon"),
        _words("Asia|Hong Kong"),
    ),
    _Country(
        "India",
        "APAC",
        0.02,
        "999999",
        ("PvtLtd", "Ltd"),
        (("in", 1.0),),
        _words("Mumbai|New Delhi|Bengaluru|Chennai"),
        _words("India|Asia"),
    ),
    _Country(
        "South Korea",
        "APAC",
        0.015,
        "99999",
        ("CoLtd", "Corp"),
        (("ko", 1.0),),
        _words("Seoul|Busan|Incheon"),
        _words("Korea|Asia"),
    ),
    _Country(
        "Brazil",
        "LATAM",
        0.03,
        "99999-999",
        ("SA", "Ltda"),
        (("pt", 1.0),),
        _words("São Paulo|Rio de Janeiro|Belo Horizonte|Brasília"),
        _words("Brasil|Latin America"),
    ),
    _Country(
        "Mexico",
        "LATAM",
        0.02,
        "99999",
        ("SAdeCV", "SA"),
        (("es", 1.0),),
        _words("Ciudad de México|Monterrey|Guadalajara"),
        _words("México|Latin America"),
    ),
    _Country(
        "Chile",
        "LATAM",
        0.01,
        "9999999",
        ("SA", "SpA"),
        (("es", 1.0),),
        _words("Santiago|Valparaíso|Concepción"),
        _words("Chile|Andean"),
    ),
    _Country(
        "Colombia",
        "LATAM",
        0.01,
        "999999",
        ("SA", "SAS"),
        (("es", 1.0),),
        _words("Bogotá|Medellín|Cali"),
        _words("Colombia|Andean"),
    ),
)

SURNAMES: dict[str, tuple[str, ...]] = {
    "en": _words(
        "Smith|Johnson|Williams|Brown|Jones|Miller|Davis|Wilson|Anderson|Taylor|Thomas|Moore"
        "|Martin|Jackson|Thompson|White|Harris|Clark|Lewis|Robinson|Walker|Young|Allen|King"
        "|Wright|Scott|Hill|Green|Adams|Baker|Nelson|Carter|Mitchell|Roberts|Turner|Phillips"
        "|Campbell|Parker|Evans|Edwards|Collins|Stewart|Morris|Rogers|Reed|Cook|Morgan|Bell"
        "|Murphy|Bailey|Cooper|Richardson|Cox|Howard|Ward|Peterson|Gray|Watson|Brooks|Kelly"
        "|Sanders|Price|Bennett|Wood|Barnes|Ross|Henderson|Coleman|Jenkins|Perry|Powell"
        "|Patterson|Hughes|Butler|Simmons|Foster|Bryant|Alexander|Russell|Griffin|Hayes|Myers"
        "|Hamilton|Graham|Sullivan|Wallace|Cole|Hunt|Palmer|Holmes|Marshall|Crawford|Kennedy"
        "|Warren|Harper|Fleming|Sinclair|Ashford|Whitmore|Pemberton|Caldwell|Hartley|Langley"
        "|Prescott|Thornton|Winslow|Blackwood|Fairbanks|Kingsley|Lockwood|Radcliffe|Whitfield"
        "|Ellsworth|Hawthorne|Merriweather|Abernathy|Beaumont|Carrington|Davenport|Everett"
        "|Fitzgerald|Gallagher|Hollister|Iverson|Jameson|Kendrick|Lancaster|Montgomery|Norwood"
        "|Osborne|Prichard|Quincy|Remington|Stratford|Thackeray|Underwood|Vaughn|Wetherby"
        "|Yardley|O'Brien|McAllister|Donovan|Callahan|Brennan|Whitaker|Harrington"
    ),
    "de": _words(
        "Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|Schäfer"
        "|Koch|Bauer|Richter|Klein|Wolf|Schröder|Neumann|Schwarz|Zimmermann|Braun|Krüger"
        "|Hofmann|Hartmann|Lange|Schmitt|Werner|Krause|Meier|Lehmann|Huber|Kaiser|Fuchs|Vogel"
        "|Keller|Berger|Winkler|Roth|Baumann|Brunner|Gerber|Steiner|Moser|Lindner|Ebner|Vogt"
        "|Haas|Graf"
    ),
    "fr": _words(
        "Bernard|Dubois|Robert|Richard|Petit|Durand|Leroy|Moreau|Simon|Laurent|Lefèvre|Michel"
        "|David|Bertrand|Roux|Vincent|Fournier|Morel|Girard|André|Lefebvre|Mercier|Dupont"
        "|Lambert|Bonnet|François|Legrand|Garnier|Faure|Rousseau|Blanc|Guérin|Henry|Roussel"
        "|Nicolas|Perrin|Morin|Mathieu|Clément|Gauthier|Dumont|Fontaine|Chevalier|Robin"
        "|Desjardins|Beaulieu|Côté|Tremblay|Gagnon"
    ),
    "nl": _words(
        "de Vries|Jansen|van den Berg|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos"
        "|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|de Graaf"
        "|van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|van den Heuvel|van Dijk"
        "|Koster"
    ),
    "nordic": _words(
        "Andersson|Johansson|Karlsson|Nilsson|Eriksson|Larsson|Olsson|Persson|Svensson"
        "|Gustafsson|Pettersson|Jonsson|Lindberg|Lindqvist|Lindström|Åberg|Bergström|Sandberg"
        "|Forsberg|Sjöberg|Wallin|Engström|Holm|Lundgren|Nyström|Hedlund|Ekström|Björk"
    ),
    "it": _words(
        "Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo|Ricci|Marino|Greco|Bruno|Gallo"
        "|Conti|De Luca|Mancini|Costa|Giordano|Rizzo|Lombardi|Moretti|Barbieri|Fontana|Santoro"
        "|Mariani|Rinaldi|Caruso|Ferrara|Galli|Martini|Leone|Longo|Gentile|Martinelli|Vitale"
        "|Serra|Coppola|De Santis|Marchetti|Parisi|Villa"
    ),
    "es": _words(
        "García|Rodríguez|González|Fernández|López|Martínez|Sánchez|Pérez|Gómez|Martín|Jiménez"
        "|Ruiz|Hernández|Díaz|Moreno|Álvarez|Muñoz|Romero|Alonso|Gutiérrez|Navarro|Torres"
        "|Domínguez|Vázquez|Ramos|Gil|Ramírez|Serrano|Blanco|Molina|Morales|Suárez|Ortega"
        "|Delgado|Castro|Ortiz|Rubio|Marín|Sanz|Iglesias|Echeverría|Larraín|Valdés|Restrepo"
        "|Villegas"
    ),
    "pt": _words(
        "Silva|Santos|Oliveira|Souza|Rodrigues|Ferreira|Alves|Pereira|Lima|Gomes|Ribeiro"
        "|Martins|Carvalho|Almeida|Lopes|Soares|Fernandes|Vieira|Barbosa|Rocha|Dias|Nascimento"
        "|Andrade|Moreira|Nunes|Marques|Machado|Mendes|Freitas|Cardoso|Gonçalves|Teixeira"
        "|Araújo|Cavalcanti|Monteiro|Moura|Correia|Pinto"
    ),
    "ja": _words(
        "Sato|Suzuki|Takahashi|Tanaka|Watanabe|Ito|Yamamoto|Nakamura|Kobayashi|Kato|Yoshida"
        "|Yamada|Sasaki|Yamaguchi|Matsumoto|Inoue|Kimura|Hayashi|Shimizu|Yamazaki|Mori|Abe"
        "|Ikeda|Hashimoto|Yamashita|Ishikawa|Nakajima|Maeda|Fujita|Ogawa|Okada|Goto|Hasegawa"
        "|Murakami|Kondo|Ishii|Saito|Sakamoto|Endo|Aoki|Nishimura|Fukuda|Miura|Fujii|Okamoto"
        "|Matsuda|Nakagawa|Nakano|Harada"
    ),
    "zh": _words(
        "Wang|Zhang|Liu|Chen|Yang|Huang|Zhao|Zhou|Sun|Zhu|Guo|Lin|Luo|Gao|Cheung|Wong|Chan"
        "|Leung|Lau|Tan|Lim|Lee|Teo|Goh|Chua|Koh|Ong|Yeo|Chong|Fung|Kwok|Tsang|Lam|Tang|Poon"
        "|Cheng|Ho|Ng|Wu|Xu"
    ),
    "ko": _words(
        "Kim|Park|Choi|Jung|Kang|Cho|Yoon|Jang|Han|Seo|Shin|Kwon|Hwang|Ahn|Song|Jeon|Hong|Moon"
        "|Bae|Baek|Nam"
    ),
    "ar": _words(
        "Al-Mansouri|Al-Falasi|Al-Suwaidi|Al-Hashimi|Al-Zaabi|Al-Mazrouei|Al-Shamsi|Al-Ketbi"
        "|Al-Dhaheri|Al-Hammadi|Al-Marri|Al-Nuaimi|Al-Muhairi|Al-Rumaithi|Al-Ameri|Al-Kaabi"
        "|Al-Balushi|Al-Jaber|Haddad|Khoury|Nasser|Saleh|Farouk|Rahman|Karim|Aziz|Hamdan"
        "|Qureshi"
    ),
    "in": _words(
        "Sharma|Verma|Gupta|Mehta|Patel|Shah|Reddy|Iyer|Nair|Rao|Kapoor|Malhotra|Agarwal|Bansal"
        "|Chopra|Desai|Joshi|Kulkarni|Menon|Pillai|Banerjee|Chatterjee|Mukherjee|Bose|Ghosh"
        "|Saxena|Srinivasan|Subramanian|Venkatesan|Krishnan|Bhat|Kothari"
    ),
}

DESCRIPTORS = _words(
    "Granite|Cedar|Oak|Maple|Birch|Willow|Aspen|Redwood|Ironwood|Summit|Ridge|Peak|Harbor"
    "|Harbour|Bay|Cove|Beacon|Lighthouse|Anchor|Compass|Meridian|Horizon|Zenith|Apex|Pinnacle"
    "|Keystone|Cornerstone|Capstone|Milestone|Northstar|Polaris|Orion|Atlas|Titan|Falcon|Eagle"
    "|Hawk|Osprey|Heron|Kestrel|Sterling|Silver|Golden|Crimson|Azure|Emerald|Sapphire|Onyx"
    "|Obsidian|Crescent|Meadow|Prairie|Canyon|Mesa|Glacier|Coastal|Lakeshore|Riverbend"
    "|Stonebridge|Fairway|Westbrook|Eastwood|Northfield|Southgate|Kingsbridge|Ashgrove|Elmstead"
    "|Hollowbrook|Brightwater|Clearwater|Deepwater|Highgate|Longview|Broadview|Crestview"
    "|Sunrise|Evergreen|Alder|Hazel|Juniper|Laurel|Linden|Rowan|Sycamore|Thistle|Mariner"
    "|Voyager|Pioneer|Frontier|Sentinel|Paragon|Vertex|Nexus|Vector|Catalyst|Momentum|Tidewater"
    "|Windward|Seaboard|Bluestone|Whitestone|Blackthorn|Foxglove"
)
PLACES = _words(
    "Hudson|Potomac|Charles River|Thames|Rhine|Danube|Seine|Alpine|Baltic|Pacific|Atlantic"
    "|Iberian|Caribbean|Mediterranean|Adriatic|Aegean|Highland|Cascade|Sierra|Rocky Mountain"
    "|Appalachian|Great Lakes|Gulf Coast|Midwest|New England|Lowland|Fjord|Savannah|Bosphorus"
)
_ONSETS = _words("b|br|c|ch|cl|cr|d|dr|f|fl|g|gr|h|k|l|m|n|p|pr|r|s|sh|st|t|th|tr|v|w|z")
_VOWELS = ("a", "e", "i", "o", "u", "ae", "ai", "ea", "ia", "io", "ou")
_MIDS = _words("b|c|d|g|l|ll|m|n|nd|nt|r|rr|s|ss|st|t|v|x|z|rd|lt|nc")
_ENDINGS = _words("a|ia|on|ex|is|or|um|ant|ent|ar|en|io|ix|us|ara|eon|ica|ora|yn|ell|ane|ine|ity")
_ROMAN = ("I", "II", "III", "IV", "V", "VI")
_LOOKALIKE_EXT = (" Partners", " Management", " Group", " Holdings", " Advisors")

# (segment, prefix, suffix, weight, language or "" for any): the industry part of a name.
_TEMPLATES: tuple[tuple[str, str, str, float, str], ...] = (
    ("Asset Manager", "", " Capital", 3.0, ""),
    ("Asset Manager", "", " Partners", 2.0, ""),
    ("Asset Manager", "", " Asset Management", 2.0, ""),
    ("Asset Manager", "", " Investments", 1.5, ""),
    ("Asset Manager", "", " Advisors", 1.0, ""),
    ("Asset Manager", "", " Capital Management", 1.5, ""),
    ("Asset Manager", "", " Investment Management", 1.0, ""),
    ("Asset Manager", "", " Capital Partners", 1.0, ""),
    ("Asset Manager", "", " Associates", 0.7, ""),
    ("Asset Manager", "", " Global Investors", 0.5, ""),
    ("Asset Manager", "", " Investment Group", 0.5, ""),
    ("Asset Manager", "", " Holdings", 0.7, ""),
    ("Asset Manager", "", " International Holdings", 0.4, ""),
    ("Asset Manager", "", " Investment Company", 0.4, ""),
    ("Asset Manager", "Société Financière ", "", 2.0, "fr"),
    ("Asset Manager", "Gestion ", "", 1.5, "fr"),
    ("Asset Manager", "", " Vermögensverwaltung", 2.0, "de"),
    ("Asset Manager", "", " Kapitalanlagegesellschaft", 1.0, "de"),
    ("Asset Manager", "", " Gestão de Recursos", 2.0, "pt"),
    ("Pension Fund", "", " Pension Fund", 3.0, ""),
    ("Pension Fund", "", " Retirement System", 1.5, ""),
    ("Pension Fund", "", " Pension Plan", 1.0, ""),
    ("Pension Fund", "", " Employees Retirement Fund", 0.7, ""),
    ("Pension Fund", "", " Pension Trust", 0.7, ""),
    ("Pension Fund", "", " Superannuation Fund", 0.6, "en"),
    ("Pension Fund", "Pensionskasse ", "", 2.0, "de"),
    ("Pension Fund", "Caisse de Retraite ", "", 2.0, "fr"),
    ("Pension Fund", "Fundo de Pensão ", "", 2.0, "pt"),
    ("Pension Fund", "Fondo Pensione ", "", 2.0, "it"),
    ("Pension Fund", "", " Pensioenfonds", 2.0, "nl"),
    ("Endowment", "", " Endowment", 2.0, ""),
    ("Endowment", "", " Foundation", 3.0, ""),
    ("Endowment", "", " Endowment Fund", 1.0, ""),
    ("Endowment", "", " Charitable Trust", 1.0, ""),
    ("Endowment", "", " University Endowment", 0.8, ""),
    ("Endowment", "Fondation ", "", 2.0, "fr"),
    ("Endowment", "", " Stiftung", 2.0, "de"),
    ("Endowment", "Fundación ", "", 2.0, "es"),
    ("Insurance", "", " Insurance", 3.0, ""),
    ("Insurance", "", " Assurance", 1.0, ""),
    ("Insurance", "", " Life Insurance", 1.0, ""),
    ("Insurance", "", " Insurance Group", 1.0, ""),
    ("Insurance", "", " Reinsurance", 0.5, ""),
    ("Insurance", "", " Mutual Insurance", 0.7, ""),
    ("Insurance", "", " Insurance Company", 0.7, ""),
    ("Insurance", "", " Versicherung", 3.0, "de"),
    ("Insurance", "", " Assurances", 2.0, "fr"),
    ("Insurance", "", " Assicurazioni", 3.0, "it"),
    ("Insurance", "", " Seguros", 3.0, "es"),
    ("Insurance", "", " Seguros", 3.0, "pt"),
    ("Sovereign Wealth", "", " Investment Authority", 3.0, ""),
    ("Sovereign Wealth", "", " Sovereign Wealth Fund", 1.0, ""),
    ("Sovereign Wealth", "", " State Investment Fund", 1.0, ""),
    ("Sovereign Wealth", "", " Investment Corporation", 1.5, ""),
    ("Sovereign Wealth", "", " National Investment Fund", 1.0, ""),
    ("Sovereign Wealth", "", " Strategic Holdings", 0.7, ""),
    ("Family Office", "", " Family Office", 3.0, ""),
    ("Family Office", "", " Family Holdings", 1.0, ""),
    ("Family Office", "", " Family Trust", 1.0, ""),
    ("Family Office", "", " Private Office", 0.7, ""),
    ("Family Office", "", " Family Investments", 1.0, ""),
    ("Family Office", "", " Family Partners", 0.7, ""),
    ("Bank", "", " Bank", 3.0, ""),
    ("Bank", "", " Private Bank", 1.0, ""),
    ("Bank", "", " Savings Bank", 0.7, ""),
    ("Bank", "", " Bancorp", 0.6, ""),
    ("Bank", "", " Banking Corporation", 0.6, ""),
    ("Bank", "", " Trust Company", 0.6, ""),
    ("Bank", "", " Bank International", 0.4, ""),
    ("Bank", "", " Merchant Bank", 0.4, ""),
    ("Bank", "Banque ", "", 3.0, "fr"),
    ("Bank", "Crédit ", "", 1.0, "fr"),
    ("Bank", "Bankhaus ", "", 3.0, "de"),
    ("Bank", "Banco ", "", 3.0, "es"),
    ("Bank", "Banco ", "", 3.0, "pt"),
    ("Bank", "Banca ", "", 3.0, "it"),
)
_ABBREVIATIONS = (
    ("Management", "Mgmt"),
    ("International", "Intl"),
    ("Investments", "Invest."),
    ("Associates", "Assoc."),
    ("Company", "Co"),
    ("Corporation", "Corp."),
    ("Insurance", "Ins."),
)
# Words that never distinguish two companies; dropped from the de-duplication key.
_FILLER_WORDS = _words(
    "and|the|of|fund|de|di|da|do|du|des|la|le|del|y|et|und|mgmt|intl|invest|assoc|co|corp|ins"
)

_FIRST_NAMES = _words(
    "James|Mary|Robert|Patricia|John|Jennifer|Michael|Linda|David|Elizabeth|William|Barbara"
    "|Richard|Susan|Joseph|Jessica|Thomas|Sarah|Charles|Karen|Daniel|Nancy|Matthew|Lisa|Anthony"
    "|Sophie|Mark|Emma|Paul|Olivia|Andrew|Hannah|Lukas|Léa|Hiroshi|Yuki|Wei|Mei|Priya|Arjun"
    "|Omar|Layla|Lucas|Camila|Mateo|Valentina|Noah|Chloé|Henrik|Ingrid|Marco|Giulia|Pieter"
    "|Anouk|Min-jun|Seo-yeon"
)
_ADVISOR_DOMAIN = "advisors.example.com"
_REGION_UNKNOWN = ("Antarctica", None, "N/A", "Unknown", "-")
_SEGMENT_UNKNOWN = ("Hedge Fund", "Other", None, "Corporate", "TBD", "N/A")
_UNKNOWN_TERRITORIES = ("EMEA-PEN-SILVER", "NA-HF", "APAC-FO-GOLD", "LATAM-XX", "NA-AM-DIAMOND")
_WHITELIST_REASONS = (
    "Strategic account coverage",
    "Relationship continuity",
    "Consultant-led mandate",
    "Regional coverage exception",
    "Key person relationship",
    "Cross-border mandate",
)
_BLACKLIST_REASONS = (
    "Conflict of interest",
    "Client requested change",
    "Compliance restriction",
    "Prior relationship issue",
    "Coverage rebalancing",
)
_BAD_AUM = ("12abc", "1.2.3", "#VALUE!", "4,5O0.00", "USD?")
_BAD_TIMESTAMP = ("not a date", "32/13/2026 25:61", "yesterday", "2026-13-45T99:00:00Z")

CLIENT_HEADER = {
    "client_id": "Client ID",
    "client_name": "Client Name",
    "parent_client_id": "Parent Client ID",
    "country": "Country",
    "region": "Region",
    "segment": "Segment",
    "city": "City",
    "postal_code": "Postal Code",
    "aum_usd": "AUM (USD)",
    "annual_revenue_usd": "Annual Revenue (USD)",
    "advisor_email": "Advisor Email",
    "last_modified": "Last Modified",
}
_TS_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M")
_DEFAULT_TIERS = (
    ("Platinum", 1e9, None),
    ("Gold", 2.5e8, 1e9),
    ("Silver", 5e7, 2.5e8),
    ("Bronze", 0.0, 5e7),
)
_HORIZON_DAYS = 28  # rule dates are spread around [start, start + horizon], whatever `days` is

# Independent random streams so adding a day or a feature does not shift other output.
_S_WORLD, _S_CHURN, _S_EXPORT, _S_RULES, _S_ROSTER = 1, 2, 3, 4, 5

# --------------------------------------------------------------------------------------------
# Derived lookup tables (small, built once at import)
# --------------------------------------------------------------------------------------------

_NC = len(COUNTRIES)
_COUNTRY_NAMES = pl.Series([c.name for c in COUNTRIES], dtype=pl.String)
_COUNTRY_REGION = np.array([REGIONS.index(c.region) for c in COUNTRIES])
_COUNTRY_P = np.array([c.weight for c in COUNTRIES]) / sum(c.weight for c in COUNTRIES)
_CITY_NAMES = pl.Series([city for c in COUNTRIES for city in c.cities], dtype=pl.String)
_CITY_START = np.cumsum([0] + [len(c.cities) for c in COUNTRIES])[:-1]
_LANGS = tuple(SURNAMES)
_SURNAME_FLAT = pl.Series([s for lang in _LANGS for s in SURNAMES[lang]], dtype=pl.String)
_SURNAME_START = np.cumsum([0] + [len(SURNAMES[lang]) for lang in _LANGS])[:-1]
_SURNAME_COUNT = np.array([len(SURNAMES[lang]) for lang in _LANGS])
_FAMILY_NAMES = tuple(LEGAL_FAMILIES)
_LEGAL_FLAT = pl.Series([v for f in _FAMILY_NAMES for v in LEGAL_FAMILIES[f]], dtype=pl.String)
_FAMILY_START = np.cumsum([0] + [len(LEGAL_FAMILIES[f]) for f in _FAMILY_NAMES])[:-1]
_FAMILY_SIZE = np.array([len(LEGAL_FAMILIES[f]) for f in _FAMILY_NAMES])
_COUNTRY_FAMILIES = [np.array([_FAMILY_NAMES.index(f) for f in c.families]) for c in COUNTRIES]
_TEMPLATE_PREFIX = pl.Series([t[1] for t in _TEMPLATES], dtype=pl.String)
_TEMPLATE_SUFFIX = pl.Series([t[2] for t in _TEMPLATES], dtype=pl.String)
_GEO_FLAT = pl.Series([g for c in COUNTRIES for g in c.geo], dtype=pl.String)
_GEO_START = np.cumsum([0] + [len(c.geo) for c in COUNTRIES])[:-1]
_GEO_COUNT = np.array([len(c.geo) for c in COUNTRIES])

_PARTS_SCHEMA = {
    "prefix": pl.String,
    "stem": pl.String,
    "suffix": pl.String,
    "tag": pl.String,
    "legal_fam": pl.Int16,
    "legal_var": pl.Int16,
    "comma": pl.Boolean,
}


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def _gather(values: pl.Series, idx: np.ndarray) -> pl.Series:
    return values.gather(np.asarray(idx, dtype=np.int64))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _vocabulary() -> list[str]:
    """Every string a company name can be assembled from."""
    return [
        *(s for names in SURNAMES.values() for s in names),
        *DESCRIPTORS,
        *PLACES,
        *(city for c in COUNTRIES for city in c.cities),
        *(g for c in COUNTRIES for g in c.geo),
        *(t[1] + t[2] for t in _TEMPLATES),
        *(v for f in _FAMILY_NAMES for v in LEGAL_FAMILIES[f]),
    ]


@cache
def _fold_map() -> dict[str, str]:
    """Single-character replacements that leave only ASCII letters, digits and spaces."""
    mapping = {".": "", ",": "", "'": "", "’": "", "(": "", ")": "", "&": "and", "-": " "}
    accented = sorted({ch for text in _vocabulary() for ch in text if ord(ch) > 127})
    for ch in accented:
        for variant in sorted({ch, ch.lower(), ch.upper()}):
            if len(variant) == 1:
                mapping.setdefault(variant, _fold(variant))
    return mapping


def _normalised(e: pl.Expr) -> pl.Expr:
    """Lower-case ASCII words: accents folded, punctuation dropped, & spelled "and"."""
    mapping = _fold_map()
    return e.str.replace_many(list(mapping), list(mapping.values())).str.to_lowercase()


@cache
def _generic_regex() -> str:
    """Matches a non-distinctive word (industry, legal form, filler) and the spaces before it."""
    mapping = _fold_map()
    words = (
        [t[1] + " " + t[2] for t in _TEMPLATES]
        + [v for f in _FAMILY_NAMES for v in LEGAL_FAMILIES[f]]
        + [a for pair in _ABBREVIATIONS for a in pair]
        + list(_FILLER_WORDS)
    )
    tokens = {
        token
        for word in words
        for token in "".join(mapping.get(ch, ch) for ch in word).lower().split()
    }
    alternation = "|".join(sorted(tokens, key=lambda t: (-len(t), t)))
    return rf"(?:^| +)(?:{alternation})(?-u:\b)"


def name_key(e: pl.Expr) -> pl.Expr:
    """The distinctive words of a company name, in order, normalised.

    Legal forms, industry words, case, accents and punctuation are dropped, so two names
    with the same key in one country would be indistinguishable; the generator never gives
    two entities the same key in a country (canonical "A & B" pairs are always drawn in one
    order, so a word-swapped duplicate cannot collide with a real company either).
    """
    return _normalised(e).str.replace_all(_generic_regex(), "").str.strip_chars()


def _read_tiers() -> tuple[tuple[str, float, float | None], ...]:
    """Tier bands from the dbt seed, best tier first; built-in copy if the seed is absent."""
    path = DBT_PROJECT_DIR / "seeds" / "segmentation_tiers.csv"
    if not path.exists():
        return _DEFAULT_TIERS
    with path.open(newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["priority"]))
    return tuple(
        (r["tier"], float(r["min_aum_usd"]), float(r["max_aum_usd"]) if r["max_aum_usd"] else None)
        for r in rows
    )


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateReport:
    """What one ``generate`` call wrote."""

    out: Path
    rows: dict[str, dict[str, int]]  # run date (ISO) -> file name -> data rows written
    entities: int  # distinct real companies behind the emitted client ids
    client_ids: int  # distinct client ids emitted over all days
    truth_path: Path

    def summary(self) -> str:
        files = [SOURCES[name].file for name in SOURCES]
        width = max(len(f) for f in files)
        lines = [f"Synthetic CRM inbox in {self.out}: {len(self.rows)} day(s)"]
        for day, counts in self.rows.items():
            parts = ", ".join(f"{f}={counts[f]:,}" for f in files if f in counts)
            lines.append(f"  {day}: {parts}")
        lines.append(f"  {'client ids'.ljust(width)}  {self.client_ids:,}")
        lines.append(f"  {'entities'.ljust(width)}  {self.entities:,}")
        lines.append(f"  truth: {self.truth_path}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Entities and names
# --------------------------------------------------------------------------------------------


def _groups(values: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(value, row indices) per distinct value, values ascending, rows in order."""
    if len(values) and values.min() >= -1 and values.max() < 32_000:
        values = values.astype(np.int16)  # numpy radix-sorts 16-bit keys: linear time
    order = np.argsort(values, kind="stable")
    uniq, first = np.unique(values[order], return_index=True)
    bounds = np.append(first, len(values))
    return [(int(u), order[bounds[i] : bounds[i + 1]]) for i, u in enumerate(uniq)]


def _choice(rng: np.random.Generator, p: np.ndarray | list[float], size: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _draw_countries(rng: np.random.Generator, size: int) -> np.ndarray:
    return _choice(rng, _COUNTRY_P, size)


def _draw_langs(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    lang = np.empty(len(country), dtype=np.int64)
    for c, rows in _groups(country):
        langs = COUNTRIES[c].langs
        pick = _choice(rng, [share for _, share in langs], len(rows))
        lang[rows] = np.array([_LANGS.index(lg) for lg, _ in langs])[pick]
    return lang


def _draw_cities(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    city = np.empty(len(country), dtype=np.int64)
    for c, rows in _groups(country):
        weights = 1.0 / np.arange(1, len(COUNTRIES[c].cities) + 1) ** 0.8  # big cities dominate
        city[rows] = _CITY_START[c] + _choice(rng, weights, len(rows))
    return city


def _draw_postal(rng: np.random.Generator, country: np.ndarray) -> pl.Series:
    pieces = []
    for c, rows in _groups(country):
        fmt = COUNTRIES[c].postal
        if not fmt:  # e.g. UAE and Hong Kong have no postal codes
            pieces.append((rows, pl.Series([None] * len(rows), dtype=pl.String)))
            continue
        codes = np.empty((len(rows), len(fmt)), dtype=np.uint32)
        for j, ch in enumerate(fmt):
            if ch == "9":
                codes[:, j] = 48 + rng.integers(0, 10, len(rows))
            elif ch == "A":
                codes[:, j] = 65 + rng.integers(0, 26, len(rows))
            else:
                codes[:, j] = ord(ch)
        # Code points viewed as fixed-width numpy strings.
        pieces.append((rows, pl.Series(codes.view(f"<U{len(fmt)}")[:, 0], dtype=pl.String)))
    return _assemble_rows(len(country), pieces)


def _draw_aum(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    """AUM in cents: lognormal, median about $80M overall, tail into the hundreds of billions."""
    usd = np.exp(rng.normal(np.log(6.5e7), 1.9, len(segment))) * _SEGMENT_AUM_FACTOR[segment]
    cents = (np.clip(usd, 5e4, 9.5e11) * 100).round().astype(np.int64)
    cents[rng.random(len(segment)) < 0.015] = -1  # -1 = blank
    return cents


def _draw_revenue(rng: np.random.Generator, size: int) -> np.ndarray:
    cents = (np.clip(np.exp(rng.normal(np.log(5e6), 1.5, size)), 1e4, 5e10) * 100).round()
    cents = cents.astype(np.int64)
    cents[rng.random(size) < 0.6] = -1  # the CRM rarely has revenue
    return cents


def _draw_brands(rng: np.random.Generator, size: int, long_share: float) -> pl.Series:
    """Invented brand words from syllables ("Velorant", "Kastrovix")."""

    def pick(vocab: tuple[str, ...]) -> pl.Series:
        return _gather(pl.Series(vocab, dtype=pl.String), rng.integers(0, len(vocab), size))

    short = pick(_ONSETS) + pick(_VOWELS) + pick(_MIDS)
    extra = pick(_VOWELS) + pick(_MIDS)
    word = (short + extra).zip_with(pl.Series(rng.random(size) < long_share), short) + pick(
        _ENDINGS
    )
    return word.str.slice(0, 1).str.to_uppercase() + word.str.slice(1)


def _assemble_rows(n: int, pieces: list[tuple[np.ndarray, pl.Series]]) -> pl.Series:
    """One Series of length n from (rows, values) pieces that cover every row once."""
    if not pieces:
        return pl.Series([None] * n, dtype=pl.String)
    rows = np.concatenate([r for r, _ in pieces])
    where = np.empty(n, dtype=np.int64)
    where[rows] = np.arange(n)
    return pl.concat([v.cast(pl.String) for _, v in pieces]).gather(where)


def _pair(
    rng: np.random.Generator, start: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two different indices per row within [start, start + count), smaller first, so each
    unordered pair has one canonical spelling ("A & B", never also "B & A")."""
    n = len(start)
    a = (rng.random(n) * count).astype(np.int64)
    b = (a + 1 + (rng.random(n) * np.maximum(count - 1, 1)).astype(np.int64)) % count
    return start + np.minimum(a, b), start + np.maximum(a, b)


_DESCRIPTOR_S = pl.Series(DESCRIPTORS, dtype=pl.String)
_PLACE_S = pl.Series(PLACES, dtype=pl.String)


def _draw_stems(
    rng: np.random.Generator, lang: np.ndarray, country: np.ndarray, attempt: int
) -> pl.Series:
    """The distinctive part of a name: surnames, places, descriptors or an invented brand."""
    if attempt == 0:
        p = [0.20, 0.17, 0.13, 0.40, 0.10]
    elif attempt < 4:
        p = [0.05, 0.15, 0.05, 0.70, 0.05]
    else:
        p = [0.0, 0.0, 0.0, 1.0, 0.0]  # the brand space is huge, so this always converges
    pattern = _choice(rng, p, len(lang))
    pieces: list[tuple[np.ndarray, pl.Series]] = []
    for k, rows in _groups(pattern):
        m = len(rows)
        start, count = _SURNAME_START[lang[rows]], _SURNAME_COUNT[lang[rows]]
        surname = _gather(_SURNAME_FLAT, start + (rng.random(m) * count).astype(np.int64))
        if k == 0:  # "Harper"
            stem = surname
        elif k == 1:  # "Crawford & Cooper"
            a, b = _pair(rng, start, count)
            stem = _gather(_SURNAME_FLAT, a) + " & " + _gather(_SURNAME_FLAT, b)
        elif k == 2:  # "Granite Harbor", "Zürich", "Hudson"
            a, b = _pair(rng, np.zeros(m, dtype=np.int64), np.full(m, len(DESCRIPTORS)))
            two = _gather(_DESCRIPTOR_S, a) + " " + _gather(_DESCRIPTOR_S, b)
            city = _gather(_CITY_NAMES, _draw_cities(rng, country[rows]))
            place = _gather(_PLACE_S, rng.integers(0, len(PLACES), m))
            place = city.zip_with(pl.Series(rng.random(m) < 0.4), place)
            stem = two.zip_with(pl.Series(rng.random(m) < 0.35), place)
        elif k == 3:  # "Velorant"
            stem = _draw_brands(rng, m, 0.3 if attempt < 4 else 1.0)
        else:  # "Harper Ridge"
            stem = surname + " " + _gather(_DESCRIPTOR_S, rng.integers(0, len(DESCRIPTORS), m))
        pieces.append((rows, stem))
    return _assemble_rows(len(lang), pieces)


def _draw_templates(rng: np.random.Generator, segment: np.ndarray, lang: np.ndarray) -> np.ndarray:
    out = np.empty(len(segment), dtype=np.int64)
    for combo, rows in _groups(segment * len(_LANGS) + lang):
        seg, lg = SEGMENTS[combo // len(_LANGS)], _LANGS[combo % len(_LANGS)]
        allowed = [i for i, t in enumerate(_TEMPLATES) if t[0] == seg and t[4] in ("", lg)]
        weights = [_TEMPLATES[i][3] for i in allowed]
        out[rows] = np.array(allowed)[_choice(rng, weights, len(rows))]
    return out


def _draw_legal(
    rng: np.random.Generator, country: np.ndarray, segment: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Legal suffix family (-1 = none) and variant index, by country habits."""
    n = len(country)
    fam = np.full(n, -1, dtype=np.int64)
    u = rng.random(n) ** 1.6  # skew towards the country's most common family
    for c, rows in _groups(country):
        families = _COUNTRY_FAMILIES[c]
        fam[rows] = families[(u[rows] * len(families)).astype(np.int64)]
    fam[rng.random(n) >= _SEGMENT_LEGAL_P[segment]] = -1
    var = np.where(rng.random(n) < 0.75, 0, (rng.random(n) * _FAMILY_SIZE[fam]).astype(np.int64))
    var[fam < 0] = 0
    return fam, var


def _draw_parts(
    rng: np.random.Generator,
    country: np.ndarray,
    segment: np.ndarray,
    lang: np.ndarray,
    attempt: int,
) -> pl.DataFrame:
    n = len(country)
    template = _draw_templates(rng, segment, lang)
    fam, var = _draw_legal(rng, country, segment)
    return pl.DataFrame(
        {
            "prefix": _gather(_TEMPLATE_PREFIX, template),
            "stem": _draw_stems(rng, lang, country, attempt),
            "suffix": _gather(_TEMPLATE_SUFFIX, template),
            "tag": pl.Series([""] * n, dtype=pl.String),
            "legal_fam": fam,
            "legal_var": var,
            "comma": rng.random(n) < 0.08,
        },
        schema=_PARTS_SCHEMA,
    )


# " Inc", ", Inc", " Inc.", ... then "" for no legal suffix; see _legal_part.
_LEGAL_PARTS = pl.Series(
    [sep + v for f in _FAMILY_NAMES for v in LEGAL_FAMILIES[f] for sep in (" ", ", ")] + [""],
    dtype=pl.String,
)


def _legal_part(fam: np.ndarray, var: np.ndarray, comma: np.ndarray) -> pl.Series:
    fam = fam.astype(np.int64)
    flat = _FAMILY_START[np.maximum(fam, 0)] + var.astype(np.int64)
    return _gather(_LEGAL_PARTS, np.where(fam >= 0, 2 * flat + comma, len(_LEGAL_PARTS) - 1))


def _core_expr() -> pl.Expr:
    return pl.concat_str(["prefix", "stem", "suffix", "tag"])


def _names(parts: pl.DataFrame) -> pl.Series:
    legal = _legal_part(
        parts["legal_fam"].to_numpy(), parts["legal_var"].to_numpy(), parts["comma"].to_numpy()
    )
    return parts.select(_core_expr().alias("name"))["name"] + legal


def _with_name_and_key(parts: pl.DataFrame) -> pl.DataFrame:
    # Prefix, suffix and legal form are generic words by construction, so the key of the
    # whole name is the key of stem + tag (shorter strings, same answer).
    key = parts.select(name_key(pl.concat_str(["stem", "tag"])).alias("key"))["key"]
    return parts.with_columns(name=_names(parts), key=key)


def _ck(country: pl.Expr, key: pl.Expr) -> pl.Expr:
    """(country, key) as one 64-bit hash: membership tests on integers are cheap. A collision
    can only make a name look taken (and be redrawn), never let a clash through."""
    return pl.struct(country.cast(pl.Int64).alias("c"), key.alias("k")).hash(20260105)


def _resolve_names(
    rng: np.random.Generator,
    parts: pl.DataFrame,
    country: np.ndarray,
    segment: np.ndarray,
    lang: np.ndarray,
    priority: np.ndarray,
    taken: pl.Series,
) -> pl.DataFrame:
    """Redraw names until no two entities (nor an existing one) share a country and key."""
    pending = _with_name_and_key(parts).with_columns(
        row=pl.int_range(pl.len(), dtype=pl.Int64),
        country=pl.Series(country, dtype=pl.Int64),
        priority=pl.Series(priority, dtype=pl.Int64),
    )
    accepted: list[pl.DataFrame] = []
    for attempt in range(1, 40):
        ranked = pending.sort("priority", "row").with_columns(
            ck=_ck(pl.col("country"), pl.col("key"))
        )
        ok = (
            (pl.col("key") != "")
            & ~pl.col("ck").is_in(taken.implode())
            & pl.col("ck").is_first_distinct()
        )
        ranked = ranked.with_columns(ok=ok)
        good = ranked.filter("ok")
        accepted.append(good.drop("ck", "ok"))
        taken = pl.concat([taken, good["ck"].rename(taken.name)])
        bad = ranked.filter(~pl.col("ok")).sort("row")
        if bad.is_empty():
            break
        rows = bad["row"].to_numpy()
        fresh = _with_name_and_key(
            _draw_parts(rng, country[rows], segment[rows], lang[rows], attempt)
        )
        pending = fresh.with_columns(
            row=bad["row"], country=bad["country"], priority=pl.lit(1, dtype=pl.Int64)
        )
    else:
        raise RuntimeError("could not draw unique company names")
    return pl.concat(accepted).sort("row").drop("row", "country", "priority")


def _typo(rng: np.random.Generator, s: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """One swap/drop/replace at a pair of lower-case letters (so never a word's first
    letter); returns the edited strings and which rows had a place for it."""
    m = len(s)
    span = np.maximum(s.str.len_chars().to_numpy() - 2, 1)
    frame = pl.DataFrame(
        {
            "s": s,
            **{f"c{i}": 1 + (rng.random(m) * span).astype(np.int64) for i in range(3)},
            "kind": rng.integers(0, 3, m),
            "letter": _gather(pl.Series(list("aeiounrstlcmdhp")), rng.integers(0, 15, m)),
        }
    )
    s_ = pl.col("s")
    frame = frame.with_columns(pl.col(f"c{i}").alias(f"ok{i}") for i in range(3)).with_columns(
        s_.str.slice(pl.col(f"c{i}"), 2).str.contains(r"^\p{Ll}{2}$").alias(f"ok{i}")
        for i in range(3)
    )
    frame = frame.with_columns(
        pos=pl.when("ok0").then("c0").when("ok1").then("c1").when("ok2").then("c2")
    )
    pos = pl.col("pos")
    frame = frame.with_columns(
        head=s_.str.slice(0, pos),
        a=s_.str.slice(pos, 1),
        b=s_.str.slice(pos + 1, 1),
        tail=s_.str.slice(pos + 2),
    )
    a, b, head, tail, letter = (pl.col(c) for c in ("a", "b", "head", "tail", "letter"))
    edited = frame.select(
        pl.when(pos.is_null())
        .then(s_)
        .when((pl.col("kind") == 0) & (a != b))
        .then(pl.concat_str([head, b, a, tail]))
        .when((pl.col("kind") == 2) & (letter != a))
        .then(pl.concat_str([head, letter, b, tail]))
        .otherwise(pl.concat_str([head, b, tail]))
        .alias("s")
    )["s"]
    return edited, frame["pos"].is_not_null().to_numpy()


_SWAP_AMP = r"^(\S+) & (\S+)$"
_SWAP_WORDS = r"^(\p{Lu}\S*) (\p{Lu}\S*)$"
_ABBREVIABLE = r"\b(?:" + "|".join(a for a, _ in _ABBREVIATIONS) + r")\b"


def _abbreviate(s: pl.Series) -> pl.Series:
    for word, short in _ABBREVIATIONS:
        s = s.str.replace_all(rf"\b{word}\b", short)
    return s


def _swap_and(s: pl.Series) -> pl.Series:
    to_word = s.str.replace(" & ", " and ", literal=True)
    return to_word.zip_with(s.str.contains(" & ", literal=True), s.str.replace(" and ", " & "))


def _swap_words(stem: pl.Series) -> pl.Series:
    """ "Crawford & Cooper" -> "Cooper & Crawford", "Harper Ridge" -> "Ridge Harper"."""
    around_amp = stem.str.replace(_SWAP_AMP, "${2} & ${1}")
    swapped = stem.str.replace(_SWAP_WORDS, "${2} ${1}")
    return around_amp.zip_with(stem.str.contains(_SWAP_AMP), swapped)


def _variants(rng: np.random.Generator, parts: pl.DataFrame, taken: pl.Series) -> pl.Series:
    """Recognisable name variants for duplicate CRM records of one company.

    ``parts`` holds the entity's name parts, ``name`` and ``key`` plus the record's
    ``country``. Each variant gets one or two edits: legal-suffix variant or drop, case and
    punctuation noise, a typo, an abbreviation, "&" <-> "and", or two words swapped. A variant
    whose key would name another company in that country falls back to the canonical name,
    so ground truth stays knowable.
    """
    n = parts.height
    if n == 0:
        return pl.Series("name", [], dtype=pl.String)
    # 0 none, 1 legal suffix, 2 case/punctuation, 3 typo, 4 abbreviation, 5 &/and, 6 swap
    weights = [0.08, 0.28, 0.20, 0.20, 0.10, 0.06, 0.08]
    first = _choice(rng, weights, n)
    second = np.where(rng.random(n) < 0.4, _choice(rng, weights, n), 0)
    second[second == first] = 0
    want = [(first == t) | (second == t) for t in range(len(weights))]
    fallback = np.zeros(n, dtype=bool)  # edit had nowhere to apply: vary the suffix instead

    def edit(
        text: pl.Series, t: int, applies: str, fn: Callable[[pl.Series], pl.Series]
    ) -> pl.Series:
        rows = np.flatnonzero(want[t])
        if not len(rows):
            return text
        sub = text.gather(rows)
        ok = sub.str.contains(applies).to_numpy()
        fallback[rows[~ok]] = True
        rows, sub = rows[ok], sub.filter(pl.Series(ok))
        return text.scatter(rows, fn(sub)) if len(rows) else text

    # Word swaps stay inside the distinctive stem so the result still reads as a name.
    stem = edit(parts["stem"].clone(), 6, f"{_SWAP_AMP}|{_SWAP_WORDS}", _swap_words)
    core = parts.with_columns(stem=stem).select(_core_expr().alias("name"))["name"]
    core = edit(core, 4, _ABBREVIABLE, _abbreviate)
    core = edit(core, 5, r" (?:&|and) ", _swap_and)
    typo_rows = np.flatnonzero(want[3])
    if len(typo_rows):
        edited, ok = _typo(rng, core.gather(typo_rows))
        core = core.scatter(typo_rows, edited)
        fallback[typo_rows[~ok]] = True

    # Legal suffix: another spelling of the same family, dropped, or added when absent.
    fam = parts["legal_fam"].to_numpy().astype(np.int64)
    var = parts["legal_var"].to_numpy().astype(np.int64)
    size = _FAMILY_SIZE[np.maximum(fam, 0)]
    other = (var + 1 + (rng.random(n) * np.maximum(size - 1, 1)).astype(np.int64)) % size
    drop = (rng.random(n) < 0.4) | (size == 1)
    native = np.array([_COUNTRY_FAMILIES[c][0] for c in range(_NC)])[parts["country"].to_numpy()]
    vary = want[1] | fallback
    new_fam = np.where(fam >= 0, np.where(drop, -1, fam), native)
    new_var = np.where(fam >= 0, np.where(drop, 0, other), 0)
    fam, var = np.where(vary, new_fam, fam), np.where(vary, new_var, var)
    # Case and punctuation noise: 0 upper, 1 lower, 2 no dots/commas, 3 double space, 4 comma.
    noise = np.where(want[2], _choice(rng, [0.25, 0.15, 0.25, 0.15, 0.20], n), -1)
    noise[(noise == 4) & (fam < 0)] = 3
    comma = parts["comma"].to_numpy() ^ (noise == 4)
    name = core + _legal_part(fam, var, comma)
    for value, fn in (
        (0, lambda s: s.str.to_uppercase()),
        (1, lambda s: s.str.to_lowercase()),
        (2, lambda s: s.str.replace_all(r"[.,]", "")),
        (3, lambda s: s.str.replace(" ", "  ", literal=True)),
    ):
        rows = np.flatnonzero(noise == value)
        if len(rows):
            name = name.scatter(rows, fn(name.gather(rows)))

    check = pl.DataFrame({"name": name, "key": parts["key"], "country": parts["country"]})
    check = check.with_columns(vkey=name_key(pl.col("name")), row=pl.int_range(pl.len()))
    changed = check.filter(pl.col("vkey") != pl.col("key"))
    hit = changed.filter(_ck(pl.col("country"), pl.col("vkey")).is_in(taken.implode()))
    clash = np.zeros(n, dtype=bool)
    clash[hit["row"].to_numpy()] = True
    return parts["name"].zip_with(pl.Series(clash), name).rename("name")


# --------------------------------------------------------------------------------------------
# Territories, routing, advisors
# --------------------------------------------------------------------------------------------


@dataclass
class _Territories:
    rows: list[dict[str, str | None]]
    tiers: tuple[tuple[str, float, float | None], ...]

    def route_table(self) -> np.ndarray:
        """[region, segment, tier] -> territory row; tier index len(tiers) = unknown AUM."""
        ids = {r["territory_id"]: i for i, r in enumerate(self.rows)}
        table = np.empty((len(REGIONS), len(SEGMENTS), len(self.tiers) + 1), dtype=np.int64)
        for ri, rc in enumerate(REGION_CODES):
            for si, sc in enumerate(SEGMENT_CODES):
                default = ids[f"{rc}-{sc}"]
                table[ri, si, :] = default
                for ti, (tier, _, _) in enumerate(self.tiers):
                    table[ri, si, ti] = ids.get(f"{rc}-{sc}-{tier.upper()}", default)
        return table

    def tier_index(self, aum_cents: np.ndarray) -> np.ndarray:
        tier = np.full(len(aum_cents), len(self.tiers), dtype=np.int64)
        usd = aum_cents / 100.0
        for ti in reversed(range(len(self.tiers))):  # best tier written last wins
            _, lo, hi = self.tiers[ti]
            inside = (aum_cents >= 0) & (usd >= lo) & ((usd < hi) if hi is not None else True)
            tier[inside] = ti
        return tier

    def route(self, country: np.ndarray, segment: np.ndarray, aum: np.ndarray) -> np.ndarray:
        return self.route_table()[_COUNTRY_REGION[country], segment, self.tier_index(aum)]

    def add(self, region: str, segment: str, tier: str) -> int:
        rc, sc = REGION_CODES[REGIONS.index(region)], SEGMENT_CODES[SEGMENTS.index(segment)]
        self.rows.append(
            {
                "territory_id": f"{rc}-{sc}-{tier.upper()}",
                "territory_name": f"{region} {segment} {tier}",
                "region": region,
                "segment": segment,
                "tier": tier,
            }
        )
        return len(self.rows) - 1

    def frame(self) -> pl.DataFrame:
        schema = dict.fromkeys(SOURCES["territories"].column_names, pl.String)
        return pl.DataFrame(self.rows, schema=schema)


def _initial_territories() -> _Territories:
    tiers = _read_tiers()
    territories = _Territories(rows=[], tiers=tiers)
    for region, rc in zip(REGIONS, REGION_CODES, strict=True):
        for segment, sc in zip(SEGMENTS, SEGMENT_CODES, strict=True):
            territories.rows.append(
                {
                    "territory_id": f"{rc}-{sc}",
                    "territory_name": f"{region} {segment}",
                    "region": region,
                    "segment": segment,
                    "tier": None,
                }
            )
            if segment in _TIERED.get(region, ()):
                for tier, _, _ in tiers[:2]:
                    territories.add(region, segment, tier)
    return territories


def _advisor_people(rng: np.random.Generator, count: int, avoid: set[str]) -> list[tuple[str, str]]:
    """(email, full name) pairs with emails unique and not in ``avoid``."""
    last_names = [s for lang in ("en", "de", "fr", "it", "es", "ja", "zh") for s in SURNAMES[lang]]
    people: list[tuple[str, str]] = []
    while len(people) < count:
        first = _FIRST_NAMES[int(rng.integers(len(_FIRST_NAMES)))]
        last = last_names[int(rng.integers(len(last_names)))]
        local = _fold(f"{first}.{last}").lower().replace(" ", "").replace("'", "")
        email = f"{local}@{_ADVISOR_DOMAIN}"
        suffix = 2
        while email in avoid:
            email = f"{local}{suffix}@{_ADVISOR_DOMAIN}"
            suffix += 1
        avoid.add(email)
        people.append((email, f"{first} {last}"))
    return people


def _initial_advisors(
    rng: np.random.Generator, territories: _Territories, routed: np.ndarray, clients: int
) -> tuple[pl.DataFrame, list[str]]:
    """Roster with capacity ~1.1x clients overall but uneven, so some territories overflow."""
    n_terr = len(territories.rows)
    per_terr = _choice(rng, [0.20, 0.35, 0.30, 0.15], n_terr) + 1
    demand = np.bincount(routed, minlength=n_terr).astype(float)
    target = np.maximum(demand, 5.0) * np.exp(rng.normal(0.0, 0.3, n_terr))
    target *= 1.1 * max(clients, 1) / target.sum()
    taken: set[str] = set()
    emails: list[str] = []
    names: list[str] = []
    home: list[int] = []
    capacity: list[int] = []
    for t in range(n_terr):
        share = rng.dirichlet(np.full(per_terr[t], 2.0))
        people = _advisor_people(rng, int(per_terr[t]), taken)
        for (email, name), s in zip(people, share, strict=True):
            emails.append(email)
            names.append(name)
            home.append(t)
            capacity.append(max(1, round(float(target[t] * s))))
    active = [True] * len(emails)
    # ~5% inactive, only where the territory keeps another advisor.
    crowded = [i for i, t in enumerate(home) if per_terr[t] > 1]
    n_inactive = min(len(crowded), max(1, round(0.05 * len(emails))))
    if crowded:
        for i in rng.choice(crowded, n_inactive, replace=False).tolist():
            active[i] = False
    # One or two advisors also cover a second territory of the same region (same email twice).
    for i in sorted(rng.choice(len(emails), 1 if len(emails) < 100 else 2, replace=False).tolist()):
        region = territories.rows[home[i]]["region"]
        others = [
            j for j, r in enumerate(territories.rows) if r["region"] == region and j != home[i]
        ]
        emails.append(emails[i])
        names.append(names[i])
        home.append(others[int(rng.integers(len(others)))])
        capacity.append(max(1, capacity[i] // 3))
        active.append(True)
    departed = [email for email, _ in _advisor_people(rng, 25, set(taken))]
    frame = _advisor_frame(
        {
            "advisor_email": emails,
            "full_name": names,
            "territory_id": [territories.rows[t]["territory_id"] for t in home],
            "capacity": capacity,
            "is_active": active,
        }
    )
    return frame, departed


def _advisor_frame(columns: dict[str, list]) -> pl.DataFrame:
    schema = {
        "advisor_email": pl.String,
        "full_name": pl.String,
        "territory_id": pl.String,
        "capacity": pl.Int64,
        "is_active": pl.Boolean,
    }
    return pl.DataFrame(columns, schema=schema).sort("territory_id", "advisor_email")


def _assign_advisors(
    rng: np.random.Generator,
    territory: np.ndarray,
    territories: _Territories,
    advisors: pl.DataFrame,
    departed: list[str],
) -> pl.Series:
    """An advisor of the record's routed territory; ~15% blank, ~3% someone not on the roster."""
    n = len(territory)
    ids = [r["territory_id"] for r in territories.rows]
    pos = {tid: i for i, tid in enumerate(ids)}
    roster = (
        advisors.with_columns(
            t=pl.col("territory_id").replace_strict(pos, default=-1, return_dtype=pl.Int64)
        )
        .filter(pl.col("t") >= 0)
        .sort("t", "advisor_email")
    )
    t_of = roster["t"].to_numpy()
    count = np.bincount(t_of, minlength=len(ids))
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    idx = start[territory] + (rng.random(n) * np.maximum(count[territory], 1)).astype(np.int64)
    email = _gather(roster["advisor_email"], np.minimum(idx, max(roster.height - 1, 0)))
    u = rng.random(n)
    stale = _gather(pl.Series(departed, dtype=pl.String), rng.integers(0, len(departed), n))
    email = stale.zip_with(pl.Series(u < 0.18), email)
    blank = np.flatnonzero((u < 0.15) | (count[territory] == 0))
    return email.scatter(blank, None) if len(blank) else email


# --------------------------------------------------------------------------------------------
# Free-text noise
# --------------------------------------------------------------------------------------------


def _text_variants(canonical: str) -> list[str]:
    return [
        canonical,
        canonical.lower(),
        canonical.upper(),
        canonical.capitalize(),
        f" {canonical.lower()} ",
        f"{canonical} ",
        f" {canonical}",
    ]


_TEXT_VARIANT_P = [0.80, 0.05, 0.04, 0.04, 0.03, 0.02, 0.02]


def _free_text(
    rng: np.random.Generator,
    canon: tuple[str, ...],
    unknown: tuple[str | None, ...],
    index: np.ndarray,
) -> pl.Series:
    """CRM free text for a canonical value: case/whitespace noise, ~0.5% unknown or blank."""
    n = len(index)
    table = pl.Series([v for c in canon for v in _text_variants(c)], dtype=pl.String)
    text = _gather(table, index * len(_TEXT_VARIANT_P) + _choice(rng, _TEXT_VARIANT_P, n))
    junk = _gather(pl.Series(unknown, dtype=pl.String), rng.integers(0, len(unknown), n))
    return junk.zip_with(pl.Series(rng.random(n) < 0.005), text)


# --------------------------------------------------------------------------------------------
# The simulated CRM
# --------------------------------------------------------------------------------------------

_RECORD_SCHEMA = {
    "cid": pl.Int64,
    "entity": pl.Int64,
    "name": pl.String,
    "parent": pl.Int64,  # parent client number, -1 = top level
    "country": pl.Int64,
    "city": pl.Int64,
    "postal": pl.String,
    "region_txt": pl.String,
    "segment": pl.Int64,
    "segment_txt": pl.String,
    "aum": pl.Int64,  # cents, -1 = blank
    "revenue": pl.Int64,  # cents, -1 = blank
    "advisor": pl.String,
    "modified": pl.Int64,  # epoch seconds, whole minutes
    "amt_style": pl.Int8,  # how this record's amounts are printed
    "ts_style": pl.Int8,  # how this record's Last Modified is printed
    "ws_col": pl.Int8,  # column with stray whitespace, -1 none
}


@dataclass
class _World:
    seed: int
    start: date
    entities: pl.DataFrame
    records: pl.DataFrame
    taken: pl.Series  # hashed (country, key) of every entity ever, see _ck
    territories: _Territories
    advisors: pl.DataFrame
    departed: list[str]
    whitelist: pl.DataFrame
    blacklist: pl.DataFrame
    next_cid: int
    all_records: list[pl.DataFrame] = field(default_factory=list)  # (cid, entity) ever
    emitted: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _records_per_entity(rng: np.random.Generator, clients: int) -> np.ndarray:
    counts = _choice(rng, [0.80, 0.14, 0.05, 0.01], clients) + 1
    total = np.cumsum(counts)
    last = int(np.searchsorted(total, clients))
    counts = counts[: last + 1].copy()
    counts[-1] -= int(total[last]) - clients  # trim so records sum to exactly `clients`
    return counts


def _hierarchy(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """~10% subsidiaries, chains at most 4 levels deep (root + 3)."""
    level = _choice(rng, [0.90, 0.065, 0.025, 0.01], n)
    parent = np.full(n, -1, dtype=np.int64)
    for k in (1, 2, 3):
        kids = np.flatnonzero(level == k)
        pool = np.flatnonzero(level == k - 1)
        if not len(pool):
            level[kids] = 0
            continue
        parent[kids] = pool[rng.integers(0, len(pool), len(kids))]
    return level, parent


def _build_world(seed: int, clients: int, start: date) -> _World:
    rng = _rng(seed, _S_WORLD)
    counts = _records_per_entity(rng, clients)
    n_e = len(counts)
    country = _draw_countries(rng, n_e)
    segment = _choice(rng, _SEGMENT_WEIGHTS, n_e)
    aum = _draw_aum(rng, segment)
    revenue = _draw_revenue(rng, n_e)
    level, parent = _hierarchy(rng, n_e)

    # Look-alike non-duplicates: fund series of one manager and same-stem firms abroad.
    has_child = np.zeros(n_e, dtype=bool)
    has_child[parent[parent >= 0]] = True
    free = rng.permutation(np.flatnonzero((level == 0) & ~has_child))
    n_series = max(1, round(0.003 * n_e))
    sizes = rng.integers(2, 4, n_series)
    n_look = max(1, round(0.004 * n_e))
    if len(free) < 2 * (n_series + sizes.sum() + 2 * n_look):
        n_series, sizes, n_look = 0, sizes[:0], 0
    cut = np.cumsum([n_series, int(sizes.sum()), n_look, n_look])
    seeds, members, look_src, look = np.split(free[: cut[-1]], cut[:-1])
    member_seed = np.repeat(seeds, sizes)
    first_numeral = np.repeat(rng.integers(1, 3, n_series), sizes)  # II or III
    ordinal = np.arange(len(members)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    segment[np.concatenate([seeds, members, look_src, look])] = _AM
    country[members] = country[member_seed]
    moved = _draw_countries(rng, n_look)
    country[look] = np.where(moved == country[look_src], (moved + 1) % _NC, moved)
    fund_aum = aum[member_seed] // rng.integers(3, 20, len(members))  # funds < their manager
    aum[members] = np.where(aum[member_seed] > 0, fund_aum, -1)
    special = np.zeros(n_e, dtype=bool)
    special[np.concatenate([seeds, members, look_src, look])] = True

    # Subsidiaries often sit in the parent's country and segment.
    for k in (1, 2, 3):
        kids = np.flatnonzero(level == k)
        same = rng.random(len(kids)) < 0.5
        country[kids[same]] = country[parent[kids[same]]]
        same_seg = rng.random(len(kids)) < 0.6
        segment[kids[same_seg]] = segment[parent[kids[same_seg]]]
    lang = _draw_langs(rng, country)
    city = _draw_cities(rng, country)
    postal = _draw_postal(rng, country)
    city[members] = city[member_seed]  # funds share the manager's office
    postal = postal.scatter(members, _gather(postal, member_seed)) if len(members) else postal

    parts = _draw_parts(rng, country, segment, lang, 0)
    if len(members):
        src = parts[member_seed]
        tags = _gather(pl.Series([f" Fund {r}" for r in _ROMAN]), first_numeral + ordinal)
        parts = _scatter_parts(parts, members, src.with_columns(tag=tags))
    if len(look):
        src = parts[look_src]
        ext_idx = rng.integers(0, len(_LOOKALIKE_EXT), len(look))
        ext = _gather(pl.Series(_LOOKALIKE_EXT), ext_idx)
        alt = _gather(pl.Series(_LOOKALIKE_EXT), (ext_idx + 1) % len(_LOOKALIKE_EXT))
        ext = pl.select(
            pl.when(pl.lit(src["suffix"]).str.ends_with(pl.lit(ext)))
            .then(pl.lit(alt))
            .otherwise(pl.lit(ext))
            .alias("e")
        )["e"]
        legal = parts[look].select("legal_fam", "legal_var", "comma")
        mine = src.select("prefix", "stem", pl.col("suffix") + pl.lit(ext), "tag").hstack(legal)
        parts = _scatter_parts(parts, look, mine)
    priority = np.where(special, 0, 1)
    empty = pl.Series("ck", [], dtype=pl.UInt64)
    parts = _resolve_names(rng, parts, country, segment, lang, priority, empty)

    # Subsidiaries named after their parent plus a place ("Smith Capital Europe Ltd").
    kids = np.flatnonzero((level == 1) & ~special)
    kids = kids[~special[parent[kids]] & (rng.random(len(kids)) < 0.5)]
    if len(kids):
        src = parts[parent[kids]]
        geo_pick = (rng.random(len(kids)) * _GEO_COUNT[country[kids]]).astype(np.int64)
        geo = _gather(_GEO_FLAT, _GEO_START[country[kids]] + geo_pick)
        fam, var = _draw_legal(rng, country[kids], segment[kids])
        renamed = _with_name_and_key(
            src.select("prefix", "stem", "suffix").with_columns(
                tag=" " + geo,
                legal_fam=pl.Series(fam, dtype=pl.Int16),
                legal_var=pl.Series(var, dtype=pl.Int16),
                comma=pl.lit(False),
            )
        ).with_columns(ck=_ck(pl.lit(pl.Series(country[kids])), pl.col("key")))
        taken_ck = parts.select(_ck(pl.lit(pl.Series(country)), pl.col("key")).alias("ck"))
        taken_ck = taken_ck.to_series()
        fresh = ~renamed["ck"].is_in(taken_ck.implode()) & renamed["ck"].is_first_distinct()
        ok = fresh.to_numpy()
        parts = _scatter_parts(parts, kids[ok], renamed.filter(pl.Series(ok)).drop("ck"))
        parts = _with_name_and_key(parts.select(*_PARTS_SCHEMA))

    # A handful of 2-cycles (A's parent is B and B's is A) for cycle detection to find.
    loose = np.flatnonzero((level == 0) & ~has_child & ~special)
    n_cycles = max(1, n_e // 200_000)
    if len(loose) >= 2 * n_cycles and n_e >= 20:
        pair = rng.choice(loose, 2 * n_cycles, replace=False).reshape(-1, 2)
        parent[pair[:, 0]], parent[pair[:, 1]] = pair[:, 1], pair[:, 0]
        level[pair.ravel()] = 1

    # Records: one per entity plus its duplicates, client ids handed out in shuffled order.
    n = int(counts.sum())
    rec_e = np.repeat(np.arange(n_e), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(n) - np.repeat(starts, counts)
    span = n + n // 5 + 10
    cids = rng.choice(span, n, replace=False).astype(np.int64) + 1
    primary = cids[starts]

    entities = parts.with_columns(
        entity=pl.int_range(pl.len(), dtype=pl.Int64),
        country=pl.Series(country, dtype=pl.Int64),
        segment=pl.Series(segment, dtype=pl.Int64),
        lang=pl.Series(lang, dtype=pl.Int64),
        level=pl.Series(level, dtype=pl.Int64),
        parent=pl.Series(parent, dtype=pl.Int64),
        city=pl.Series(city, dtype=pl.Int64),
        postal=postal,
        aum=pl.Series(aum, dtype=pl.Int64),
        revenue=pl.Series(revenue, dtype=pl.Int64),
        primary_cid=pl.Series(primary, dtype=pl.Int64),
    )
    territories = _initial_territories()
    taken = entities.select(_ck(pl.col("country"), pl.col("key")).alias("ck")).to_series()
    records = _make_records(rng, entities, rec_e, rank > 0, cids, start, taken, None)
    routed = territories.route(
        records["country"].to_numpy(), records["segment"].to_numpy(), records["aum"].to_numpy()
    )
    advisors, departed = _initial_advisors(rng, territories, routed, clients)
    records = records.with_columns(
        advisor=_assign_advisors(rng, routed, territories, advisors, departed)
    )
    world = _World(
        seed=seed,
        start=start,
        entities=entities,
        records=records,
        taken=taken,
        territories=territories,
        advisors=advisors,
        departed=departed,
        whitelist=_empty_rules(),
        blacklist=_empty_rules(),
        next_cid=span + 1,
    )
    world.all_records.append(records.select("cid", "entity"))
    return world


def _scatter_parts(parts: pl.DataFrame, rows: np.ndarray, values: pl.DataFrame) -> pl.DataFrame:
    if not len(rows):
        return parts
    out = {}
    for col in _PARTS_SCHEMA:
        out[col] = parts[col].clone().scatter(rows, values[col].cast(_PARTS_SCHEMA[col]))
    extra = [c for c in parts.columns if c not in _PARTS_SCHEMA]
    return pl.DataFrame(out).hstack(parts.select(extra)) if extra else pl.DataFrame(out)


def _make_records(
    rng: np.random.Generator,
    entities: pl.DataFrame,
    rec_e: np.ndarray,
    is_dup: np.ndarray,
    cids: np.ndarray,
    now: date,
    taken: pl.Series,
    modified: np.ndarray | None,
) -> pl.DataFrame:
    """CRM records of the given entities; duplicates get variant names and drifted fields.

    ``modified`` defaults to random moments in the three years before ``now``.
    """
    n = len(rec_e)
    ent = entities.select(
        "country", "city", "postal", "segment", "aum", "revenue", "parent", "name"
    )[rec_e]
    country = ent["country"].to_numpy().copy()
    moved = is_dup & (rng.random(n) < 0.05)
    country[moved] = _draw_countries(rng, int(moved.sum()))
    # A duplicate filed abroad must not share its distinctive words with a company there.
    abroad = np.flatnonzero(moved)
    if len(abroad):
        keys = _gather(entities["key"], rec_e[abroad])
        probe = pl.DataFrame({"country": country[abroad], "key": keys})
        clash = probe.select(_ck(pl.col("country"), pl.col("key")).is_in(taken.implode()))
        home = abroad[clash.to_series().to_numpy()]
        country[home] = ent["country"].to_numpy()[home]
        moved[home] = False
    city = ent["city"].to_numpy().copy()
    new_city = moved | (is_dup & (rng.random(n) < 0.15))
    city[new_city] = _draw_cities(rng, country[new_city])
    postal = ent["postal"]
    if new_city.any():
        postal = postal.scatter(np.flatnonzero(new_city), _draw_postal(rng, country[new_city]))
    blank_postal = np.where(is_dup, rng.random(n) < 0.3, rng.random(n) < 0.04)
    postal = postal.scatter(np.flatnonzero(blank_postal), None) if blank_postal.any() else postal

    segment = ent["segment"].to_numpy().copy()
    seg_flip = is_dup & (rng.random(n) < 0.02)
    segment[seg_flip] = _choice(rng, _SEGMENT_WEIGHTS, int(seg_flip.sum()))
    aum = ent["aum"].to_numpy().copy()
    u = rng.random(n)
    drift = np.exp(rng.normal(0.0, 0.15, n))
    aum = np.where(is_dup & (u < 0.30) & (aum > 0), (aum * drift).round(), aum).astype(np.int64)
    aum[is_dup & (u >= 0.97)] = -1
    revenue = ent["revenue"].to_numpy().copy()
    revenue[is_dup & (rng.random(n) < 0.5)] = -1
    parent_e = ent["parent"].to_numpy()
    primary = entities["primary_cid"].to_numpy()
    parent = np.where(parent_e >= 0, primary[np.maximum(parent_e, 0)], -1)

    name = ent["name"]
    dup_rows = np.flatnonzero(is_dup)
    if len(dup_rows):
        parts = entities.select(*_PARTS_SCHEMA, "name", "key")[rec_e[dup_rows]].with_columns(
            country=pl.Series(country[dup_rows], dtype=pl.Int64)
        )
        name = name.scatter(dup_rows, _variants(rng, parts, taken))
    if modified is None:
        modified = _epoch(now) - rng.integers(1, 3 * 365 * 1440, n) * 60
    ws_col = np.where(rng.random(n) < 0.015, rng.integers(0, 12, n), -1)
    return pl.DataFrame(
        {
            "cid": cids,
            "entity": rec_e,
            "name": name,
            "parent": parent,
            "country": country,
            "city": city,
            "postal": postal,
            "region_txt": _free_text(rng, REGIONS, _REGION_UNKNOWN, _COUNTRY_REGION[country]),
            "segment": segment,
            "segment_txt": _free_text(rng, SEGMENTS, _SEGMENT_UNKNOWN, segment),
            "aum": aum,
            "revenue": revenue,
            "advisor": pl.Series([None] * n, dtype=pl.String),
            "modified": modified,
            "amt_style": _choice(rng, [0.55, 0.30, 0.15], n),
            "ts_style": _choice(rng, [0.50, 0.30, 0.20], n),
            "ws_col": ws_col,
        },
        schema=_RECORD_SCHEMA,
    )


# --------------------------------------------------------------------------------------------
# Sales-ops rules
# --------------------------------------------------------------------------------------------

_RULE_COLUMNS = ("client_id", "territory_id", "effective_from", "effective_to", "reason")


def _empty_rules() -> pl.DataFrame:
    return pl.DataFrame(schema={c: pl.String for c in _RULE_COLUMNS})


def _rule_dates(
    rng: np.random.Generator, anchor: date, category: np.ndarray
) -> tuple[pl.Series, pl.Series]:
    """ISO from/to dates around the run; categories: 0 expired, 1 open-ended and active,
    2 bounded and active, 3 future, 4 starting within the run."""
    n = len(category)
    h = _HORIZON_DAYS
    frm = np.zeros(n, dtype=np.int64)
    to = np.zeros(n, dtype=np.int64)
    has_to = np.zeros(n, dtype=bool)
    expired_to = -rng.integers(1, 60, n)
    frm = np.select(
        [category == 0, category == 1, category == 2, category == 3],
        [
            expired_to - rng.integers(30, 365, n),
            -rng.integers(0, 365, n),
            -rng.integers(0, 180, n),
            h + rng.integers(1, 90, n),
        ],
        default=rng.integers(1, h, n),
    )
    future_to = rng.random(n) < 0.5
    to = np.select(
        [category == 0, category == 2, category == 3],
        [expired_to, h + rng.integers(0, 365, n), frm + rng.integers(30, 365, n)],
        default=0,
    )
    has_to = (category == 0) | (category == 2) | ((category == 3) & future_to)
    base = np.datetime64(anchor.isoformat(), "D")
    frm_s = pl.Series((base + frm).astype(str), dtype=pl.String)
    to_s = pl.Series((base + to).astype(str), dtype=pl.String)
    if (~has_to).any():
        to_s = to_s.scatter(np.flatnonzero(~has_to), None)
    return frm_s, to_s


def _rules(
    rng: np.random.Generator,
    client: pl.Series,
    territory: pl.Series,
    category: np.ndarray,
    anchor: date,
    reasons: tuple[str, ...],
) -> pl.DataFrame:
    frm, to = _rule_dates(rng, anchor, category)
    pick = rng.integers(0, len(reasons), len(client))
    reason = _gather(pl.Series(reasons, dtype=pl.String), pick)
    return pl.DataFrame(
        {
            "client_id": client,
            "territory_id": territory,
            "effective_from": frm,
            "effective_to": to,
            "reason": reason,
        },
        schema={c: pl.String for c in _RULE_COLUMNS},
    )


def _add_rules(world: _World, day_no: int, day: date) -> None:
    """Day 1: ~0.5% whitelisted, ~0.3% blacklisted, with conflicts, orphans and clashes.
    Refresh days: a few more entries; the files stay cumulative."""
    rng = _rng(world.seed, _S_RULES, day_no)
    rec = world.records
    n = rec.height
    first = day_no == 1
    n_white = min(n // 2, max(2, round((0.005 if first else 0.0005) * n)))
    n_black = min(n // 4, max(2, round((0.003 if first else 0.0003) * n)))
    if n_white + n_black == 0:
        return
    terr = world.territories
    ids = pl.Series([r["territory_id"] for r in terr.rows], dtype=pl.String)
    n_terr = len(ids)
    pick = rng.choice(n, n_white + n_black, replace=False)
    w_idx, b_idx = pick[:n_white], pick[n_white:]
    country, segment, aum = (rec[c].to_numpy()[pick] for c in ("country", "segment", "aum"))
    routed = terr.route(country, segment, aum)
    w_route, b_route = routed[:n_white], routed[n_white:]
    cids = rec["cid"].to_numpy()

    # Whitelist: pinned to some territory other than the natural one.
    w_terr = (w_route + 1 + rng.integers(0, n_terr - 1, n_white)) % n_terr
    w_cat = _choice(rng, [0.20, 0.30, 0.25, 0.15, 0.10], n_white)
    b_cat = _choice(rng, [0.10, 0.60, 0.15, 0.10, 0.05], n_black)
    n_conflict = max(1, n_white // 20) if first else 0
    n_clash = min(n_black, max(1, n_black // 10)) if first else 0
    w_cat[:n_conflict] = 1  # conflicts and clashes need active entries
    b_cat[:n_clash] = 1
    frames = [
        _rules(
            rng,
            _client_id_strings(cids[w_idx]),
            _gather(ids, w_terr),
            w_cat,
            day,
            _WHITELIST_REASONS,
        )
    ]
    if n_conflict:
        # Same client, a second active pin to yet another territory.
        c_terr = (w_terr[:n_conflict] + 1 + rng.integers(0, n_terr - 2, n_conflict)) % n_terr
        c_terr = np.where(c_terr == w_route[:n_conflict], (c_terr + 1) % n_terr, c_terr)
        c_terr = np.where(c_terr == w_terr[:n_conflict], (c_terr + 1) % n_terr, c_terr)
        frames.append(
            _rules(
                rng,
                _client_id_strings(cids[w_idx[:n_conflict]]),
                _gather(ids, c_terr),
                np.ones(n_conflict, dtype=np.int64),
                day,
                _WHITELIST_REASONS,
            )
        )
    blacklist = _rules(
        rng, _client_id_strings(cids[b_idx]), _gather(ids, b_route), b_cat, day, _BLACKLIST_REASONS
    )
    if n_clash:
        # The same (client, territory) both whitelisted and blacklisted.
        frames.append(
            blacklist.head(n_clash).with_columns(
                effective_to=pl.lit(None, dtype=pl.String),
                reason=pl.lit(_WHITELIST_REASONS[0]),
            )
        )
    if first:
        n_orphan = max(1, n_white // 50)
        unknown_terr = _gather(
            pl.Series(_UNKNOWN_TERRITORIES), rng.integers(0, len(_UNKNOWN_TERRITORIES), n_orphan)
        )
        frames.append(
            _rules(
                rng,
                _client_id_strings(cids[rng.integers(0, n, n_orphan)]),
                unknown_terr,
                np.ones(n_orphan, dtype=np.int64),
                day,
                _WHITELIST_REASONS,
            )
        )
        # Client numbers from 90,000,000 up are never issued by the simulated CRM.
        ghosts = 90_000_000 + rng.choice(9_999_999, n_orphan, replace=False)
        frames.append(
            _rules(
                rng,
                _client_id_strings(ghosts),
                _gather(ids, rng.integers(0, n_terr, n_orphan)),
                np.ones(n_orphan, dtype=np.int64),
                day,
                _WHITELIST_REASONS,
            )
        )
    key = ["client_id", "territory_id", "effective_from"]
    world.whitelist = (
        pl.concat([world.whitelist, *frames])
        .unique(subset=key, keep="first", maintain_order=True)
        .sort(key)
    )
    world.blacklist = (
        pl.concat([world.blacklist, blacklist])
        .unique(subset=key, keep="first", maintain_order=True)
        .sort(key)
    )


# --------------------------------------------------------------------------------------------
# Day-to-day churn
# --------------------------------------------------------------------------------------------


def _churn(world: _World, day_no: int, day: date) -> None:
    """~0.3% removed, ~2% updated, ~0.5% new (80% new companies, 20% new duplicates)."""
    rng = _rng(world.seed, _S_CHURN, day_no)
    rec = world.records
    n0 = rec.height
    keep = np.ones(n0, dtype=bool)
    keep[rng.choice(n0, round(0.003 * n0), replace=False)] = False
    rec = rec.filter(pl.Series(keep))

    # Updates: AUM drift, sometimes a segment change; last_modified moves to today.
    n = rec.height
    up = np.sort(rng.choice(n, round(0.02 * n), replace=False))
    k = len(up)
    now = _epoch(day)
    aum = rec["aum"].to_numpy().copy()
    old = aum[up]
    drifted = np.maximum((old * np.exp(rng.normal(0.005, 0.08, k))).round(), 100)
    fresh = _draw_aum(rng, rec["segment"].to_numpy()[up])
    aum[up] = np.where(old > 0, drifted, np.where(rng.random(k) < 0.3, fresh, -1)).astype(np.int64)
    modified = rec["modified"].to_numpy().copy()
    modified[up] = now + rng.integers(0, 18 * 60, k) * 60
    segment = rec["segment"].to_numpy().copy()
    moved = up[rng.random(k) < 0.1]
    segment[moved] = (segment[moved] + 1 + rng.integers(0, len(SEGMENTS) - 1, len(moved))) % len(
        SEGMENTS
    )
    seg_txt = rec["segment_txt"].clone()
    if len(moved):
        new_txt = _free_text(rng, SEGMENTS, _SEGMENT_UNKNOWN, segment[moved])
        seg_txt = seg_txt.scatter(moved, new_txt)
    rec = rec.with_columns(
        aum=pl.Series(aum, dtype=pl.Int64),
        modified=pl.Series(modified, dtype=pl.Int64),
        segment=pl.Series(segment, dtype=pl.Int64),
        segment_txt=seg_txt,
    )
    reassign = np.union1d(moved[rng.random(len(moved)) < 0.7], up[rng.random(k) < 0.05])
    if len(reassign):
        routed = world.territories.route(
            rec["country"].to_numpy()[reassign], segment[reassign], aum[reassign]
        )
        emails = _assign_advisors(rng, routed, world.territories, world.advisors, world.departed)
        rec = rec.with_columns(advisor=rec["advisor"].clone().scatter(reassign, emails))

    # New records: brand-new companies plus new duplicates of known ones.
    k_new = round(0.005 * n0)
    k_dup = round(0.2 * k_new)
    k_ent = k_new - k_dup
    cids = world.next_cid + rng.permutation(k_new).astype(np.int64)
    world.next_cid += k_new
    entities = world.entities
    n_e = entities.height
    live = rec["cid"].to_numpy()
    if k_ent:
        entities = _new_entities(rng, world, entities, live, cids[:k_ent])
    new_frames = []
    stamps = now + rng.integers(0, 18 * 60, k_new) * 60
    if k_ent:
        new_frames.append(
            _make_records(
                rng,
                entities,
                np.arange(n_e, n_e + k_ent),
                np.zeros(k_ent, dtype=bool),
                cids[:k_ent],
                day,
                world.taken,
                stamps[:k_ent],
            )
        )
    if k_dup:
        of = rec["entity"].to_numpy()[rng.integers(0, n, k_dup)]
        new_frames.append(
            _make_records(
                rng,
                entities,
                of,
                np.ones(k_dup, dtype=bool),
                cids[k_ent:],
                day,
                world.taken,
                stamps[k_ent:],
            )
        )
    if new_frames:
        added = pl.concat(new_frames)
        routed = world.territories.route(
            added["country"].to_numpy(), added["segment"].to_numpy(), added["aum"].to_numpy()
        )
        added = added.with_columns(
            advisor=_assign_advisors(rng, routed, world.territories, world.advisors, world.departed)
        )
        rec = pl.concat([rec, added])
        world.all_records.append(added.select("cid", "entity"))
    world.entities = entities
    world.records = rec


def _new_entities(
    rng: np.random.Generator,
    world: _World,
    entities: pl.DataFrame,
    live: np.ndarray,
    primary: np.ndarray,
) -> pl.DataFrame:
    k = len(primary)
    country = _draw_countries(rng, k)
    segment = _choice(rng, _SEGMENT_WEIGHTS, k)
    parent = np.full(k, -1, dtype=np.int64)
    level = np.zeros(k, dtype=np.int64)
    # ~10% are subsidiaries of a live top-level company (parent = its primary record).
    pool = np.flatnonzero(
        (entities["level"].to_numpy() == 0) & np.isin(entities["primary_cid"].to_numpy(), live)
    )
    sub = np.flatnonzero(rng.random(k) < 0.1) if len(pool) else np.empty(0, dtype=np.int64)
    parent[sub] = pool[rng.integers(0, len(pool), len(sub))] if len(sub) else parent[sub]
    level[sub] = 1
    same = sub[rng.random(len(sub)) < 0.5]
    country[same] = entities["country"].to_numpy()[parent[same]]
    lang = _draw_langs(rng, country)
    parts = _draw_parts(rng, country, segment, lang, 0)
    priority = np.ones(k, dtype=np.int64)
    parts = _resolve_names(rng, parts, country, segment, lang, priority, world.taken)
    new = parts.with_columns(
        entity=pl.int_range(entities.height, entities.height + k, dtype=pl.Int64),
        country=pl.Series(country, dtype=pl.Int64),
        segment=pl.Series(segment, dtype=pl.Int64),
        lang=pl.Series(lang, dtype=pl.Int64),
        level=pl.Series(level, dtype=pl.Int64),
        parent=pl.Series(parent, dtype=pl.Int64),
        city=pl.Series(_draw_cities(rng, country), dtype=pl.Int64),
        postal=_draw_postal(rng, country),
        aum=pl.Series(_draw_aum(rng, segment), dtype=pl.Int64),
        revenue=pl.Series(_draw_revenue(rng, k), dtype=pl.Int64),
        primary_cid=pl.Series(primary, dtype=pl.Int64),
    ).select(entities.columns)
    world.taken = pl.concat(
        [world.taken, new.select(_ck(pl.col("country"), pl.col("key")).alias("ck")).to_series()]
    )
    return pl.concat([entities, new])


def _refresh_roster(world: _World, day_no: int) -> None:
    """Small roster changes: one advisor deactivated, one added (the first refresh also adds
    a territory and staffs it)."""
    rng = _rng(world.seed, _S_ROSTER, day_no)
    terr = world.territories
    new_terr = None
    if day_no == 1 + _REFRESH_EVERY:
        region, segment = _LATE_TERRITORY
        new_terr = terr.add(region, segment, terr.tiers[0][0])
    adv = world.advisors.with_row_index("i")
    active = adv.filter("is_active")
    crowded = active.group_by("territory_id").len().filter(pl.col("len") > 1)["territory_id"]
    candidates = active.filter(pl.col("territory_id").is_in(crowded.implode()))["i"].sort()
    if len(candidates):
        off = int(candidates[int(rng.integers(len(candidates)))])
        adv = adv.with_columns(is_active=pl.col("is_active") & (pl.col("i") != off))
    t = new_terr if new_terr is not None else int(rng.integers(len(terr.rows)))
    [(email, name)] = _advisor_people(rng, 1, set(adv["advisor_email"].to_list()))
    capacity = int(active["capacity"].median() or 100)
    world.advisors = _advisor_frame(
        {
            "advisor_email": [*adv["advisor_email"], email],
            "full_name": [*adv["full_name"], name],
            "territory_id": [*adv["territory_id"], terr.rows[t]["territory_id"]],
            "capacity": [*adv["capacity"], capacity],
            "is_active": [*adv["is_active"], True],
        }
    )


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def _thousands(whole: pl.Series) -> pl.Series:
    """1234567 -> "1,234,567" (groups inserted on the reversed digits)."""
    reversed_digits = whole.cast(pl.String).str.reverse()
    grouped = reversed_digits.str.replace_all(r"(\d{3})", "${1},").str.strip_chars_end(",")
    return grouped.str.reverse()


def _fmt_amounts(cents: np.ndarray, style: np.ndarray) -> pl.Series:
    """Plain "1234567.89" (style 0), "1,234,567.89" (1) or rounded "1234568" (2); -1 = blank.

    Each style is formatted only on its own rows.
    """
    pieces = []
    for value, rows in _groups(np.where(cents < 0, -1, style)):
        if value < 0:
            pieces.append((rows, pl.Series([None] * len(rows), dtype=pl.String)))
            continue
        c = pl.Series(cents[rows], dtype=pl.Int64)
        whole, frac = c // 100, (c % 100).cast(pl.String).str.zfill(2)
        if value == 0:
            text = whole.cast(pl.String) + "." + frac
        elif value == 1:
            text = _thousands(whole) + "." + frac
        else:
            text = ((c + 50) // 100).cast(pl.String)
        pieces.append((rows, text))
    return _assemble_rows(len(cents), pieces)


def _fmt_timestamps(seconds: np.ndarray, style: np.ndarray) -> pl.Series:
    pieces = []
    for value, rows in _groups(style):
        moments = pl.Series(seconds[rows], dtype=pl.Int64)
        text = pl.select(
            pl.from_epoch(pl.lit(moments), time_unit="s").dt.strftime(_TS_FORMATS[value])
        ).to_series()
        pieces.append((rows, text))
    return _assemble_rows(len(seconds), pieces)


def _header(rng: np.random.Generator) -> list[str]:
    """The day's header spelling: canonical, or per-column case and spacing variants."""
    canonical = list(CLIENT_HEADER.values())
    if rng.random() < 0.4:
        return canonical
    variants = []
    for h in canonical:
        v = int(_choice(rng, [0.45, 0.20, 0.10, 0.10, 0.10, 0.05], 1)[0])
        variants.append(
            (h, h.lower(), h.upper(), h[0] + h[1:].lower(), f" {h} ", f"{h.lower()} ")[v]
        )
    return variants


def _client_id_strings(cids: np.ndarray) -> pl.Series:
    return "C" + pl.Series(cids, dtype=pl.Int64).cast(pl.String).str.zfill(8)


def _export(world: _World, day_no: int, bad_rate: float) -> tuple[pl.DataFrame, np.ndarray]:
    """The day's clients.csv frame (canonical column names) and the client numbers it names."""
    rng = _rng(world.seed, _S_EXPORT, day_no)
    rec = world.records
    n = rec.height
    # ~0.3% of ids also appear as an older version (earlier last_modified, other AUM).
    old_idx = np.sort(rng.choice(n, round(0.003 * n), replace=False))
    k_old = len(old_idx)
    old_aum = rec["aum"].to_numpy()[old_idx]
    old_aum = np.where(
        old_aum > 0,
        (old_aum * rng.uniform(0.85, 0.99, k_old)).round(),
        _draw_aum(rng, rec["segment"].to_numpy()[old_idx]),
    ).astype(np.int64)
    older = rec[old_idx].with_columns(
        modified=pl.col("modified") - pl.Series(rng.integers(60, 60 * 24 * 60, k_old) * 60),
        aum=pl.Series(np.where(old_aum < 0, 100_000_000, old_aum), dtype=pl.Int64),
        pos=pl.Series(rng.integers(0, 2, k_old) * 2, dtype=pl.Int64),  # before or after
    )
    frame = (
        pl.concat([rec.with_columns(pos=pl.lit(1, dtype=pl.Int64)), older])
        .with_columns(order=pl.col("cid") * 4 + pl.col("pos"))
        .sort("order")
    )
    total = frame.height
    cid = frame["cid"].to_numpy()
    parent = frame["parent"].to_numpy()
    amt_style = frame["amt_style"].to_numpy()
    parent_ids = _client_id_strings(np.maximum(parent, 0))
    if (parent < 0).any():
        parent_ids = parent_ids.scatter(np.flatnonzero(parent < 0), None)
    columns = {
        "client_id": _client_id_strings(cid),
        "client_name": frame["name"],
        "parent_client_id": parent_ids,
        "country": _gather(_COUNTRY_NAMES, frame["country"].to_numpy()),
        "region": frame["region_txt"],
        "segment": frame["segment_txt"],
        "city": _gather(_CITY_NAMES, frame["city"].to_numpy()),
        "postal_code": frame["postal"],
        "aum_usd": _fmt_amounts(frame["aum"].to_numpy(), amt_style),
        "annual_revenue_usd": _fmt_amounts(frame["revenue"].to_numpy(), amt_style),
        "advisor_email": frame["advisor"],
        "last_modified": _fmt_timestamps(
            frame["modified"].to_numpy(), frame["ts_style"].to_numpy()
        ),
    }
    # Stray whitespace on one column of ~1.5% of records, side picked by id parity.
    ws_col = frame["ws_col"].to_numpy()
    for j, name in enumerate(columns):
        rows = np.flatnonzero(ws_col == j)
        if not len(rows):
            continue
        values = columns[name].gather(rows)
        padded = (" " + values).zip_with(pl.Series(cid[rows] % 2 == 0), values + "  ")
        keep = values.is_null() | (values == "")
        columns[name] = columns[name].scatter(rows, values.zip_with(keep, padded))

    # Malformed rows the loader must quarantine: bad AUM, bad timestamp, no id, no name.
    k_bad = min(total, round(bad_rate * total))
    bad_rows = rng.choice(total, k_bad, replace=False)
    kind = rng.integers(0, 4, k_bad)
    pick = rng.integers(0, 1000, k_bad)
    for value, name, junk in (
        (0, "aum_usd", _BAD_AUM),
        (1, "last_modified", _BAD_TIMESTAMP),
        (2, "client_id", (None,)),
        (3, "client_name", (None, "   ")),
    ):
        rows = bad_rows[kind == value]
        if len(rows):
            junk_s = pl.Series(junk, dtype=pl.String)
            values = _gather(junk_s, pick[kind == value] % len(junk))
            columns[name] = columns[name].scatter(rows, values)
    named = np.ones(total, dtype=bool)
    named[bad_rows[kind == 2]] = False
    return pl.DataFrame(columns), np.unique(cid[named])


def _write_json_columns(path: Path, frame: pl.DataFrame) -> None:
    """What pandas ``DataFrame.to_json(orient="columns")`` writes."""
    data = {
        col: {str(i): value for i, value in enumerate(frame[col].to_list())}
        for col in frame.columns
    }
    path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


def _check_registry() -> None:
    """Fail loudly if the source registry drifted from what this generator writes."""
    expected = {
        "clients": list(CLIENT_HEADER),
        "advisors": ["advisor_email", "full_name", "territory_id", "capacity", "is_active"],
        "territories": ["territory_id", "territory_name", "region", "segment", "tier"],
        "whitelist": list(_RULE_COLUMNS),
        "blacklist": list(_RULE_COLUMNS),
    }
    for name, columns in expected.items():
        if SOURCES[name].column_names != columns:
            raise RuntimeError(f"loaders.settings {name!r} columns changed; update generate.py")


def generate(
    out: Path,
    clients: int,
    days: int,
    seed: int,
    start_date: date = date(2026, 1, 5),
    bad_rows_rate: float = 0.002,
) -> GenerateReport:
    """Write ``days`` inbox folders of a synthetic CRM with ``clients`` records on day 1.

    Same arguments give byte-identical files; day N's files do not depend on ``days``.
    """
    if clients < 1 or days < 1:
        raise ValueError("clients and days must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if not 0.0 <= bad_rows_rate < 1.0:
        raise ValueError("bad_rows_rate must be in [0, 1)")
    _check_registry()
    out = Path(out)
    world = _build_world(seed, clients, start_date)
    files = {name: SOURCES[name].file for name in SOURCES}
    rows: dict[str, dict[str, int]] = {}
    emitted: list[np.ndarray] = []
    for day_no in range(1, days + 1):
        day = start_date + timedelta(days=day_no - 1)
        refresh = day_no == 1 or (day_no - 1) % _REFRESH_EVERY == 0
        if day_no > 1:
            _churn(world, day_no, day)
            if refresh:
                _refresh_roster(world, day_no)
        if refresh:
            _add_rules(world, day_no, day)
        folder = out / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        frame, ids = _export(world, day_no, bad_rows_rate)
        emitted.append(ids)
        frame.columns = _header(_rng(seed, _S_EXPORT, day_no, 1))
        frame.write_csv(folder / files["clients"])
        counts = {files["clients"]: frame.height}
        written = {files["clients"]}
        if refresh:
            _write_json_columns(folder / files["advisors"], world.advisors)
            world.territories.frame().write_csv(folder / files["territories"])
            world.whitelist.write_csv(folder / files["whitelist"])
            world.blacklist.write_csv(folder / files["blacklist"])
            counts[files["advisors"]] = world.advisors.height
            counts[files["territories"]] = len(world.territories.rows)
            counts[files["whitelist"]] = world.whitelist.height
            counts[files["blacklist"]] = world.blacklist.height
            written |= set(counts)
        for stale in sorted(set(files.values()) - written):
            (folder / stale).unlink(missing_ok=True)  # a static file is absent, not left over
        rows[day.isoformat()] = counts

    # Ground truth: every client id that appeared in some clients.csv, with its company.
    ids = np.unique(np.concatenate(emitted))
    known = pl.concat(world.all_records).filter(pl.col("cid").is_in(pl.Series(ids).implode()))
    known = known.sort("cid")
    truth = pl.DataFrame(
        {
            "client_id": _client_id_strings(known["cid"].to_numpy()),
            "entity_id": "E" + (known["entity"] + 1).cast(pl.String).str.zfill(8),
        }
    )
    truth_path = out / "truth" / "entities.csv"
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    truth.write_csv(truth_path)
    return GenerateReport(
        out=out,
        rows=rows,
        entities=truth["entity_id"].n_unique(),
        client_ids=truth.height,
        truth_path=truth_path,
    )
