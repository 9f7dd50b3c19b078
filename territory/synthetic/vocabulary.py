"""The vocabulary the synthetic CRM draws from: regions, segments, countries (cities,
postcodes, surnames, legal forms), name parts, noise values and the random-stream ids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
_FO = SEGMENTS.index("Family Office")

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
_HORIZON_DAYS = 28  # rule dates are spread around [start, start + horizon], whatever `days` is

# Independent random streams so adding a day or a feature does not shift other output.
_S_WORLD, _S_CHURN, _S_EXPORT, _S_RULES, _S_ROSTER = 1, 2, 3, 4, 5
_S_PROFILE = 6  # the family_offices profile's names and record noise

# --------------------------------------------------------------------------------------------
# The family_offices profile: person-named family offices and trusts
# --------------------------------------------------------------------------------------------

PROFILES = ("default", "family_offices")

# Given names per surname pool: the person behind a family office ("Johann Müller ...").
GIVEN_NAMES: dict[str, tuple[str, ...]] = {
    "en": _words(
        "James|John|Robert|Michael|William|David|Richard|Thomas|Charles|Edward|George|Henry"
        "|Peter|Andrew|Christopher|Jonathan|Mary|Elizabeth|Catherine|Margaret|Susan|Sarah"
        "|Emily|Victoria|Charlotte|Alexandra|Caroline|Eleanor|Frederick|Philip"
    ),
    "de": _words(
        "Johann|Hans|Klaus|Wolfgang|Jürgen|Dieter|Stefan|Andreas|Matthias|Friedrich|Heinrich"
        "|Karl|Maximilian|Felix|Lukas|Sebastian|Anna|Ursula|Monika|Sabine|Claudia|Katharina"
        "|Brigitte|Gisela|Renate|Helga|Jörg|Günther"
    ),
    "fr": _words(
        "Jean|Pierre|Michel|Philippe|Alain|François|Jacques|Bernard|Henri|Louis|Antoine"
        "|Olivier|Étienne|Frédéric|Marie|Isabelle|Catherine|Hélène|Sophie|Claire|Béatrice"
        "|Geneviève|Céline|Amélie|Thierry|Benoît"
    ),
    "nl": _words(
        "Jan|Pieter|Willem|Hendrik|Cornelis|Johannes|Maarten|Joost|Bram|Sander|Thijs|Daan"
        "|Anouk|Femke|Marieke|Sanne|Ingrid|Annelies|Willemijn|Lotte|Gerrit|Jeroen"
    ),
    "nordic": _words(
        "Erik|Lars|Anders|Johan|Magnus|Nils|Per|Karl|Olof|Gustav|Henrik|Fredrik|Ingrid|Karin"
        "|Astrid|Birgitta|Sofia|Annika|Maja|Linnéa|Björn|Göran"
    ),
    "it": _words(
        "Giovanni|Giuseppe|Antonio|Francesco|Marco|Luca|Alessandro|Paolo|Roberto|Stefano"
        "|Lorenzo|Matteo|Giulia|Francesca|Chiara|Elena|Valentina|Alessandra|Federica|Silvia"
        "|Niccolò|Tommaso"
    ),
    "es": _words(
        "José|Juan|Antonio|Manuel|Francisco|Javier|Carlos|Miguel|Alejandro|Fernando|Rafael"
        "|Pablo|Jorge|Andrés|María|Carmen|Isabel|Lucía|Elena|Sofía|Valentina|Camila|Inés"
        "|Beatriz|Ramón|Álvaro"
    ),
    "pt": _words(
        "João|José|António|Pedro|Paulo|Carlos|Luís|Ricardo|Rafael|Gustavo|Eduardo|Fernando"
        "|Maria|Ana|Beatriz|Juliana|Fernanda|Camila|Gabriela|Luíza|Marcelo|Sérgio"
    ),
    "ja": _words(
        "Hiroshi|Takashi|Kenji|Akira|Satoshi|Kazuo|Makoto|Yoshio|Haruki|Kenta|Daisuke|Shota"
        "|Yuki|Keiko|Yoko|Naoko|Akiko|Emi|Haruka|Sakura|Masako|Ichiro"
    ),
    "zh": _words(
        "Wei|Ming|Jun|Hui|Lei|Jing|Kai|Yan|Hao|Xin|Mei|Ling|Jian|Tao|Bo|Ying|Kwan|Siu|Wing"
        "|Hock|Boon|Seng|Kok|Swee"
    ),
    "ko": _words(
        "Min-jun|Seo-yeon|Ji-hoon|Hyun-woo|Dong-hyun|Sung-min|Jae-won|Young-ho|Ji-yeon"
        "|Soo-jin|Eun-ji|Hye-jin|Kyung-soo|Sang-woo|Tae-yang|Mi-kyung"
    ),
    "ar": _words(
        "Mohammed|Ahmed|Khalid|Omar|Hamad|Saeed|Sultan|Rashid|Abdullah|Faisal|Majid|Yousef"
        "|Fatima|Aisha|Mariam|Layla|Noura|Hessa|Salem|Tariq"
    ),
    "in": _words(
        "Rajesh|Suresh|Anil|Vijay|Sanjay|Arjun|Rahul|Amit|Vikram|Rohan|Ravi|Ashok|Priya"
        "|Anjali|Kavita|Sunita|Deepa|Meera|Lakshmi|Nisha|Kiran|Mukesh"
    ),
}
# (canonical form, weight, takes "The ", variants a duplicate may be filed under).
_FO_FORMS: tuple[tuple[str, float, bool, tuple[str, ...]], ...] = (
    ("Family Office", 5.0, False, ("FO", "Fam. Office", "Family Offices", "Family Office Group")),
    ("Family Trust", 2.0, True, ("Trust", "Family Tr.", "Fam. Trust", "Family Trust Co")),
    ("Family Foundation", 1.0, True, ("Foundation", "Family Fdn", "Fam. Foundation")),
    ("Private Office", 1.0, False, ("Privat Office", "Private Office Group", "PO")),
    ("Family Holdings", 1.0, False, ("Holdings", "Family Holding", "Fam. Holdings")),
    ("Family Investments", 0.8, False, ("Investments", "Family Investment", "Family Invest.")),
    ("Trust", 0.6, True, ("Family Trust", "Tr.", "Trust Co")),
)
