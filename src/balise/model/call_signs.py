"""Which country a ship's call sign belongs to: the ITU international call sign series.

What: the series of call signs each administration may assign (ITU Radio Regulations, Appendix 42,
"Table of allocation of international call sign series"), keyed by the ISO 3166-1 alpha-2 codes of
`balise.model.mid`, and the test of a call sign against the flag of an MMSI.

Why: AIS carries no flag field. A ship's flag shows twice in what it broadcasts: in the MID of its
MMSI and in the series of its call sign, both assigned by the flag administration. When the two
disagree, one of them was not assigned to this ship (a reflag half done, a borrowed MMSI, an
invented call sign), which analysts check first.

Choices:
- A series is written as a prefix ("F", "9H", "3DA") or a range of prefixes that differ in their
  last character only ("DA-DR", "Y2-Y9", "3DN-3DZ"), as Appendix 42 writes them.
- Territories with their own MID and ISO code take the series of the administration that assigns
  their call signs (`=FR`: Martinique ships carry F call signs; Faroe and Greenland ships the
  Danish O series; Bermuda and Cayman ships the British Z series).
- Countries whose allocation this table does not hold (Macao) are not checked.
"""

from __future__ import annotations

import re
from typing import Final

_SERIES_TABLE: Final = """
AD C3
AE A6
AF T6 YA
AG V2
AL ZA
AM EK
AO D2-D3
AR AY-AZ L2-L9 LO-LW
AT OE
AU AX VH-VN VZ
AW P4
AZ 4J-4K
BA E7
BB 8P
BD S2-S3
BE ON-OT
BF XT
BG LZ
BH A9
BI 9U
BJ TY
BN V8
BO CP
BR PP-PY ZV-ZZ
BS C6
BT A5
BW A2 8O
BY EU-EW
BZ V3
CA CF-CK CY-CZ VA-VG VO VX-VY XJ-XO
CD 9O-9T
CF TL
CG TN
CH HB HE
CI TU
CK E5
CL 3G CA-CE XQ-XR
CM TJ
CN B 3H-3U XS
CO 5J-5K HJ-HK
CR TE TI
CU CL-CM CO T4
CV D4
CW PJ
CY 5B C4 H2 P3
CZ OK-OL
DE DA-DR Y2-Y9
DJ J2
DK OU-OZ XP 5P-5Q
DM J7
DO HI
DZ 7R 7T-7Y
EC HC-HD
EE ES
EG SSA-SSM SU 6A-6B
ER E3
ES AM-AO EA-EH
ET ET 9E-9F
FI OF-OJ
FJ 3DN-3DZ
FM V6
FR F HW-HY TH TK TM TO-TQ TV-TX
GA TR
GB 2 G M VP-VQ VS ZB-ZJ ZN-ZO ZQ
GD J3
GE 4L
GH 9G
GM C5
GN 3X
GQ 3C
GR J4 SV-SZ
GT TD TG
GW J5
GY 8R
HK VR
HN HQ-HR
HR 9A
HT 4V HH
HU HA HG
ID JZ PK-PO YB-YH 7A-7I 8A-8I
IE EI-EJ
IL 4X 4Z
IN AT-AW VT-VW 8T-8Y
IQ HN YI
IR EP-EQ 9B-9D
IS TF
IT I
JM 6Y
JO JY
JP JA-JS 7J-7N 8J-8N
KE 5Y-5Z
KG EX
KH XU
KI T3
KM D6
KN V4
KP HM P5-P9
KR DS-DT D7-D9 HL 6K-6N
KW 9K
KZ UN-UQ
LA XW
LB OD
LC J6
LI HB
LK 4P-4S
LR A8 D5 EL 5L-5M 6Z
LS 7P
LT LY
LU LX
LV YL
LY 5A
MA CN 5C-5G
MC 3A
MD ER
ME 4O
MG 5R-5S 6X
MH V7
MK Z3
ML TZ
MM XY-XZ
MN JT-JV
MR 5T
MT 9H
MU 3B
MV 8Q
MW 7Q
MX 4A-4C 6D-6J XA-XI
MY 9M 9W
MZ C8-C9
NA V5
NE 5U
NG 5N-5O
NI H6-H7 YN
NL PA-PI
NO JW-JX LA-LN 3Y
NP 9N
NR C2
NU E6
NZ ZK-ZM
OM A4
PA 3E-3F H3 H8-H9 HO-HP
PE 4T OA-OC
PG P2
PH DU-DZ 4D-4I
PK AP-AS 6P-6S
PL 3Z HF SN-SR
PS E4
PT CQ-CU
PW T8
PY ZP
QA A7
RO YO-YR
RS YT-YU
RU R UA-UI
RW 9X
SA HZ 7Z 8Z
SB H4
SC S7
SD SSN-SSZ ST 6T-6U
SE 7S 8S SA-SM
SG 9V S6
SI S5
SK OM
SL 9L
SM T7
SN 6V-6W
SO 6O T5
SR PZ
SS Z8
ST S9
SV HU YS
SY YK 6C
SZ 3DA-3DM
TD TT
TG 5V
TH E2 HS
TJ EY
TL 4W
TM EZ
TN TS 3V
TO A3
TR TA-TC YM
TT 9Y-9Z
TV T2
TW B
TZ 5H-5I
UA EM-EO UR-UZ
UG 5X
US AA-AL K N W
UY CV-CX
UZ UJ-UM
VA HV
VC J8
VE 4M YV-YY
VN XV 3W
VU YJ
WS 5W
YE 7O
ZA S8 ZR-ZU
ZM 9I-9J
ZW Z2
AI =GB
BM =GB
FK =GB
GI =GB
KY =GB
MS =GB
PN =GB
SH =GB
TC =GB
VG =GB
CC =AU
CX =AU
AS =US
MP =US
PR =US
VI =US
FO =DK
GL =DK
GF =FR
GP =FR
MQ =FR
NC =FR
PF =FR
PM =FR
RE =FR
TF =FR
WF =FR
"""
"""One administration per line: ISO alpha-2 code, then its series, or `=XX` for a territory whose
call signs are assigned from the series of XX (ITU Radio Regulations Appendix 42, 2020 edition)."""

_ALPHABETS: Final = ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789")
_PLACEHOLDERS: Final = frozenset({"NONE", "NULL", "NIL", "UNKNOWN", "TEST", "NOCALL", "XXXX"})
"""Texts transponders are configured with when the call sign is not known: not a call sign."""
_CALL_SIGN: Final = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{3,7}$")
"""A call sign has 3 to 7 letters and digits, at least one a letter (Appendix 42 section II)."""


def _expand(series: str) -> tuple[str, ...]:
    """The prefixes of one series: "DA-DR" -> DA, DB, ..., DR; "9H" -> 9H."""
    if "-" not in series:
        return (series,)
    first, last = series.split("-")
    alphabet = next(a for a in _ALPHABETS if first[-1] in a)
    span = alphabet[alphabet.index(first[-1]) : alphabet.index(last[-1]) + 1]
    return tuple(first[:-1] + char for char in span)


def _parse(text: str) -> dict[str, tuple[str, ...]]:
    """`_SERIES_TABLE` as alpha-2 -> prefixes, territories resolved to their administration."""
    lines = [line.split() for line in text.strip().splitlines()]
    own = {code: rest for code, *rest in lines if not rest[0].startswith("=")}
    table: dict[str, tuple[str, ...]] = {}
    for code, *rest in lines:
        series = own[rest[0][1:]] if rest[0].startswith("=") else rest
        table[code] = tuple(prefix for item in series for prefix in _expand(item))
    return table


CALL_SIGN_SERIES: Final[dict[str, tuple[str, ...]]] = _parse(_SERIES_TABLE)
"""ISO alpha-2 code -> the call sign prefixes its ships may carry."""


def _administrations() -> dict[str, str]:
    """Prefix -> the administration holding it; a series two codes share (B: China and Taiwan,
    HB: Switzerland and Liechtenstein) goes to the first listed, the ITU allocation holder."""
    owners: dict[str, str] = {}
    for line in _SERIES_TABLE.strip().splitlines():
        code, first = line.split()[:2]
        if not first.startswith("="):
            for prefix in CALL_SIGN_SERIES[code]:
                owners.setdefault(prefix, code)
    return owners


_ADMINISTRATIONS: Final[dict[str, str]] = _administrations()


def clean_call_sign(text: str | None) -> str | None:
    """`text` as a call sign (upper case, spaces and AIS "@" padding removed), or None when it
    cannot be one: too short or long, no letter, punctuation, or a placeholder such as "NONE"."""
    if text is None:
        return None
    call_sign = re.sub(r"[\s@]", "", text).upper()
    if call_sign in _PLACEHOLDERS or len(set(call_sign)) == 1:
        return None
    return call_sign if _CALL_SIGN.match(call_sign) else None


SHIP_CALL_SIGN_LENGTHS: Final = (4, 7)
"""A ship station's call sign has 4 to 7 characters (ITU Radio Regulations Article 19, Nos.
19.50-19.54): two characters of the nationality series followed by two letters, by two letters and
a digit, by four digits, or by a letter and four digits."""
_ALL_LETTERS_LENGTH: Final = 4
"""The one form without a digit is the two characters of the series and two letters (RR 19.51):
a longer text of letters only is a word or a name, not a ship's call sign."""


def call_sign_plausible(text: str | None) -> bool:
    """Whether `text`, a call-sign field as AIS sends it (ITU-R M.1371 message 5 and 24 part B:
    7 six-bit characters, "@" padded), can be a ship station's call sign at all.

    Not plausible: nothing or a placeholder ("0", "NONE"); free text (inner spaces, punctuation);
    fewer than 4 or more than 7 characters; 5 to 7 letters without a digit, which no form of
    RR 19.50-19.54 allows (TIGERL, ENCORE and JESTER are boat names typed into the field).
    A 4-letter word (DAWN) has the form of a call sign and passes: the caller compares the field
    with the vessel's name and its kind of station (`balise.maritime.identity`).
    """
    if text is None:
        return False
    trimmed = text.replace("@", " ").strip().upper()
    if not trimmed.isalnum() or not trimmed.isascii():
        return False
    cleaned = clean_call_sign(trimmed)
    low, high = SHIP_CALL_SIGN_LENGTHS
    if cleaned is None or not low <= len(cleaned) <= high:
        return False
    return any(c.isdigit() for c in cleaned) or len(cleaned) == _ALL_LETTERS_LENGTH


def call_sign_administration(call_sign: str) -> str | None:
    """The alpha-2 code of the administration whose series `call_sign` is in (longest prefix),
    or None when the table holds none (the call sign is cleaned first)."""
    cleaned = clean_call_sign(call_sign)
    if cleaned is None:
        return None
    for length in (3, 2, 1):
        code = _ADMINISTRATIONS.get(cleaned[:length])
        if code is not None:
            return code
    return None


def call_sign_fits_flag(call_sign: str | None, alpha2: str | None) -> bool | None:
    """Whether `call_sign` is in the series of flag `alpha2`: None when either is unknown (no
    usable call sign, a flag the table does not hold), so that only real disagreements count."""
    cleaned = clean_call_sign(call_sign)
    series = CALL_SIGN_SERIES.get(alpha2 or "")
    if cleaned is None or series is None:
        return None
    return cleaned.startswith(series)
