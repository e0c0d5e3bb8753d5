"""Name parts for generated screening benchmarks (bench/screen_bench.py): common given names,
family names, company words and vessel words of many languages, written for Balise (common
names are facts, not works; this table is Balise's, Apache-2.0).

Parts closer than `MIN_EDITS` to a part kept before them (given and family names together)
are dropped (`marie` after `maria`,
`ming` after `min`): a clean generated name is then never a one- or two-typo variant of another,
so the false positives measured are those of different names, not of near-spellings.
"""

from rapidfuzz.distance import OSA

MIN_EDITS = 3
"""Least edits (optimal string alignment) between two parts of one table."""


_PEOPLE: list[str] = []


def _words(text: str, shared: list[str] | None = None) -> list[str]:
    """The words of `text` at least `MIN_EDITS` from those kept before (in `shared` too)."""
    kept: list[str] = [] if shared is None else shared
    start = len(kept)
    for word in text.split():
        if all(OSA.distance(word, other) >= MIN_EDITS for other in kept):
            kept.append(word)
    return kept[start:]


GIVEN = _words(
    """
james john robert michael william david richard joseph thomas charles maria anna elena olga
irina natalia svetlana tatiana ivan sergei dmitri alexei nikolai vladimir andrei pavel
mohammed ahmed ali omar hassan hussein khalid yusuf ibrahim abdullah fatima aisha zainab layla
mariam jose juan carlos luis miguel jorge pedro manuel francisco antonio rosa carmen lucia ana
sofia pierre jean michel philippe alain nicolas francois marie isabelle sophie hans klaus
jurgen wolfgang stefan andreas petra sabine ursula giovanni marco giuseppe luca paolo
francesca giulia chen wei li ming hua jun yan mei kenji hiroshi takeshi yuki akira min jin
sung hyun young kwame kofi ama chinedu emeka ngozi oluwaseun abebe tesfaye raj amit sanjay
priya anil sunil deepak mustafa emre mehmet ayse zeynep lars erik anders ingrid astrid jan
piotr tomasz katarzyna agnieszka nguyen thanh duc minh hoang farid reza parisa dariush
""",
    _PEOPLE,
)

FAMILY = _words(
    """
smith johnson williams brown jones miller davis wilson anderson taylor moore jackson martin
thompson white harris clark lewis walker hall ivanov petrov sidorov smirnov kuznetsov popov
volkov sokolov morozov novikov kozlov lebedev orlov pavlov garcia rodriguez martinez hernandez
lopez gonzalez perez sanchez ramirez torres flores rivera gomez diaz reyes morales ortiz
castillo mendoza vargas guerrero rojas medina herrera silva santos oliveira souza costa
pereira ferreira almeida carvalho dubois durand lefebvre moreau laurent simon michel garnier
faure rousseau muller schmidt schneider fischer weber meyer wagner becker schulz hoffmann
rossi russo ferrari esposito bianchi romano colombo ricci marino greco khan ahmed hussain
rahman malik qureshi siddiqui haddad nasser khalil hamdan mansour saleh abbas karimi hosseini
rahimi moradi yilmaz kaya demir sahin celik wang zhang liu yang huang zhao zhou kim park lee
choi jung kang cho tanaka suzuki takahashi watanabe nakamura okafor adeyemi mensah owusu kamau
otieno singh sharma patel gupta kumar reddy nguyen tran pham hoang vo jansen bakker visser
andersson johansson karlsson nilsson kowalski nowak wisniewski wojcik kaminski
""",
    _PEOPLE,
)

COMPANY_WORDS = _words(
    """
atlantic pacific global oceanic maritime coastal northern southern eastern western united
royal imperial golden silver star sun moon blue green red black white delta alpha omega prime
first national international continental trans euro asia africa america baltic nordic meridian
horizon harbour harbor port bay gulf cape island river mountain valley lion eagle falcon
dolphin phoenix crown liberty victory fortune summit pioneer vanguard apex zenith nova orion
titan atlas poseidon neptune triton coral pearl amber jade sapphire emerald granite iron steel
cedar oak palm olive
"""
)

COMPANY_TRADES = _words(
    """
shipping logistics trading freight marine transport import export holdings investments
commodities fruit foods seafood agro energy petroleum chemicals minerals metals textiles
electronics machinery construction engineering services ventures capital partners enterprises
industries resources supply distribution cargo lines carriers agencies
"""
)

VESSEL_WORDS = _words(
    """
ocean sea star queen king princess spirit pride glory wind wave tide voyager navigator
explorer trader carrier express fortune hope faith grace lucky mercy dawn sunrise sunset
aurora northern southern atlantic pacific baltic caribbean mediterranean arctic coral pearl
diamond emerald falcon eagle albatross dolphin whale marlin tuna leopard tiger lion phoenix
orion sirius vega polaris hercules atlas titan neptune poseidon triton mariner pioneer venture
liberty victory harmony serenity
"""
)

LEGAL_FORMS = [
    "Ltd",
    "Limited",
    "LLC",
    "Inc",
    "S.A.",
    "SA",
    "SARL",
    "GmbH",
    "BV",
    "B.V.",
    "S.A. de C.V.",
    "OOO",
    "JSC",
    "Pte Ltd",
    "Co., Ltd.",
    "FZE",
    "S.L.",
    "S.R.L.",
    "AG",
    "NV",
    "Sp. z o.o.",
    "Ltda",
]
