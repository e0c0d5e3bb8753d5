"""Flag state from an MMSI: the ITU Maritime Identification Digits (MID) table.

What: the three-digit MID inside a Maritime Mobile Service Identity names the administration
(country or territory) that assigned it, which for a ship station is its flag state. This module
finds the MID in each MMSI format of Recommendation ITU-R M.585-9 (05/2022), Annex 1, and maps it
to an ISO 3166-1 alpha-2 code and an English name.

Why: the flag is the first fact an analyst asks of a vessel (flags of convenience, French overseas
departments and the Caribbean/South American coast matter for drug-trafficking routes), and it must
be joinable in Polars or SQL without calling Python per row.

Source: ITU "Table of Maritime Identification Digits", the MID list kept by the ITU
Radiocommunication Bureau (itu.int/en/ITU-R/terrestrial/fmd/Pages/mid.aspx), in its 2023 state
(the page carries no edition number; this table was checked against copies of it from 2023):
292 MIDs, 201 to 775, the latest allocations being 374 (Panama), 638 (South Sudan) and 550
(Timor-Leste, allocated 4 March 2019). No later allocation or withdrawal is known to this table;
check the ITU page when updating it.

Choices made where the ITU list does not map one-to-one on ISO 3166-1:
- `country` is the ITU designation shortened to its common English name: the formal style
  ("(Republic of)", "(Kingdom of)") and the "Parent - " prefix of a territory are dropped
  ("France - Guiana (French Department of)" -> "French Guiana", "Portugal - Azores" -> "Azores").
- `alpha2` is the territory's own ISO code where it has one (GP, MQ, GF, RE, PF, NC, GI, ...).
  Sub-national areas without one take the parent's code: Azores and Madeira PT, Alaska US.
- 306 is listed by the ITU three times (Netherlands - Curaçao, Sint Maarten (Dutch part),
  Bonaire, Sint Eustatius and Saba); it is one MID here, coded CW (Curaçao) and named for all three.
- The French southern lands (501 Adélie Land, 607 Saint Paul and Amsterdam, 618 Crozet, 635
  Kerguelen) are coded TF, the code of the TAAF collectivity that administers all four (ISO files
  Adélie Land itself under AQ, being south of 60° S). 608 Ascension and 665 Saint Helena are SH.
- 271 is named "Türkiye", the name the ITU has used for that Member State since 2022.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

import polars as pl

# One allocation per line: MID, ISO 3166-1 alpha-2, short name (see the module docstring).
_MID_TABLE: Final = """
201 AL Albania
202 AD Andorra
203 AT Austria
204 PT Azores
205 BE Belgium
206 BY Belarus
207 BG Bulgaria
208 VA Vatican City State
209 CY Cyprus
210 CY Cyprus
211 DE Germany
212 CY Cyprus
213 GE Georgia
214 MD Moldova
215 MT Malta
216 AM Armenia
218 DE Germany
219 DK Denmark
220 DK Denmark
224 ES Spain
225 ES Spain
226 FR France
227 FR France
228 FR France
229 MT Malta
230 FI Finland
231 FO Faroe Islands
232 GB United Kingdom
233 GB United Kingdom
234 GB United Kingdom
235 GB United Kingdom
236 GI Gibraltar
237 GR Greece
238 HR Croatia
239 GR Greece
240 GR Greece
241 GR Greece
242 MA Morocco
243 HU Hungary
244 NL Netherlands
245 NL Netherlands
246 NL Netherlands
247 IT Italy
248 MT Malta
249 MT Malta
250 IE Ireland
251 IS Iceland
252 LI Liechtenstein
253 LU Luxembourg
254 MC Monaco
255 PT Madeira
256 MT Malta
257 NO Norway
258 NO Norway
259 NO Norway
261 PL Poland
262 ME Montenegro
263 PT Portugal
264 RO Romania
265 SE Sweden
266 SE Sweden
267 SK Slovakia
268 SM San Marino
269 CH Switzerland
270 CZ Czech Republic
271 TR Türkiye
272 UA Ukraine
273 RU Russian Federation
274 MK North Macedonia
275 LV Latvia
276 EE Estonia
277 LT Lithuania
278 SI Slovenia
279 RS Serbia
301 AI Anguilla
303 US Alaska
304 AG Antigua and Barbuda
305 AG Antigua and Barbuda
306 CW Curaçao, Sint Maarten, Bonaire, Sint Eustatius and Saba
307 AW Aruba
308 BS Bahamas
309 BS Bahamas
310 BM Bermuda
311 BS Bahamas
312 BZ Belize
314 BB Barbados
316 CA Canada
319 KY Cayman Islands
321 CR Costa Rica
323 CU Cuba
325 DM Dominica
327 DO Dominican Republic
329 GP Guadeloupe
330 GD Grenada
331 GL Greenland
332 GT Guatemala
334 HN Honduras
336 HT Haiti
338 US United States
339 JM Jamaica
341 KN Saint Kitts and Nevis
343 LC Saint Lucia
345 MX Mexico
347 MQ Martinique
348 MS Montserrat
350 NI Nicaragua
351 PA Panama
352 PA Panama
353 PA Panama
354 PA Panama
355 PA Panama
356 PA Panama
357 PA Panama
358 PR Puerto Rico
359 SV El Salvador
361 PM Saint Pierre and Miquelon
362 TT Trinidad and Tobago
364 TC Turks and Caicos Islands
366 US United States
367 US United States
368 US United States
369 US United States
370 PA Panama
371 PA Panama
372 PA Panama
373 PA Panama
374 PA Panama
375 VC Saint Vincent and the Grenadines
376 VC Saint Vincent and the Grenadines
377 VC Saint Vincent and the Grenadines
378 VG British Virgin Islands
379 VI United States Virgin Islands
401 AF Afghanistan
403 SA Saudi Arabia
405 BD Bangladesh
408 BH Bahrain
410 BT Bhutan
412 CN China
413 CN China
414 CN China
416 TW Taiwan (Province of China)
417 LK Sri Lanka
419 IN India
422 IR Iran
423 AZ Azerbaijan
425 IQ Iraq
428 IL Israel
431 JP Japan
432 JP Japan
434 TM Turkmenistan
436 KZ Kazakhstan
437 UZ Uzbekistan
438 JO Jordan
440 KR Korea (Republic of)
441 KR Korea (Republic of)
443 PS State of Palestine
445 KP Democratic People's Republic of Korea
447 KW Kuwait
450 LB Lebanon
451 KG Kyrgyz Republic
453 MO Macao
455 MV Maldives
457 MN Mongolia
459 NP Nepal
461 OM Oman
463 PK Pakistan
466 QA Qatar
468 SY Syrian Arab Republic
470 AE United Arab Emirates
471 AE United Arab Emirates
472 TJ Tajikistan
473 YE Yemen
475 YE Yemen
477 HK Hong Kong
478 BA Bosnia and Herzegovina
501 TF Adélie Land
503 AU Australia
506 MM Myanmar
508 BN Brunei Darussalam
510 FM Micronesia (Federated States of)
511 PW Palau
512 NZ New Zealand
514 KH Cambodia
515 KH Cambodia
516 CX Christmas Island (Indian Ocean)
518 CK Cook Islands
520 FJ Fiji
523 CC Cocos (Keeling) Islands
525 ID Indonesia
529 KI Kiribati
531 LA Lao People's Democratic Republic
533 MY Malaysia
536 MP Northern Mariana Islands
538 MH Marshall Islands
540 NC New Caledonia
542 NU Niue
544 NR Nauru
546 PF French Polynesia
548 PH Philippines
550 TL Timor-Leste
553 PG Papua New Guinea
555 PN Pitcairn Island
557 SB Solomon Islands
559 AS American Samoa
561 WS Samoa
563 SG Singapore
564 SG Singapore
565 SG Singapore
566 SG Singapore
567 TH Thailand
570 TO Tonga
572 TV Tuvalu
574 VN Viet Nam
576 VU Vanuatu
577 VU Vanuatu
578 WF Wallis and Futuna Islands
601 ZA South Africa
603 AO Angola
605 DZ Algeria
607 TF Saint Paul and Amsterdam Islands
608 SH Ascension Island
609 BI Burundi
610 BJ Benin
611 BW Botswana
612 CF Central African Republic
613 CM Cameroon
615 CG Congo
616 KM Comoros
617 CV Cabo Verde
618 TF Crozet Archipelago
619 CI Côte d'Ivoire
620 KM Comoros
621 DJ Djibouti
622 EG Egypt
624 ET Ethiopia
625 ER Eritrea
626 GA Gabon
627 GH Ghana
629 GM Gambia
630 GW Guinea-Bissau
631 GQ Equatorial Guinea
632 GN Guinea
633 BF Burkina Faso
634 KE Kenya
635 TF Kerguelen Islands
636 LR Liberia
637 LR Liberia
638 SS South Sudan
642 LY Libya
644 LS Lesotho
645 MU Mauritius
647 MG Madagascar
649 ML Mali
650 MZ Mozambique
654 MR Mauritania
655 MW Malawi
656 NE Niger
657 NG Nigeria
659 NA Namibia
660 RE Réunion
661 RW Rwanda
662 SD Sudan
663 SN Senegal
664 SC Seychelles
665 SH Saint Helena
666 SO Somalia
667 SL Sierra Leone
668 ST Sao Tome and Principe
669 SZ Eswatini
670 TD Chad
671 TG Togo
672 TN Tunisia
674 TZ Tanzania
675 UG Uganda
676 CD Democratic Republic of the Congo
677 TZ Tanzania
678 ZM Zambia
679 ZW Zimbabwe
701 AR Argentina
710 BR Brazil
720 BO Bolivia
725 CL Chile
730 CO Colombia
735 EC Ecuador
740 FK Falkland Islands (Malvinas)
745 GF French Guiana
750 GY Guyana
755 PY Paraguay
760 PE Peru
765 SR Suriname
770 UY Uruguay
775 VE Venezuela
"""

# MMSI prefixes of ITU-R M.585 Annex 1 that are followed by a MID (checked longest first).
_SAR_AIRCRAFT_PREFIX: Final = 111  # 111MIDXXX
_ATON_PREFIX: Final = 99  # 99MIDXXXX
_CRAFT_OF_PARENT_SHIP_PREFIX: Final = 98  # 98MIDXXXX
_HANDHELD_VHF_DIGIT: Final = 8  # 8MIDXXXXX

# A MID's first digit is 2 to 7 (the ITU region of the allocation), M.585 Annex 1 section 2.
_MID_MIN: Final = 200
_MID_MAX: Final = 799


@dataclass(frozen=True)
class Flag:
    """One MID allocation: the MID, the ISO 3166-1 alpha-2 code and the country/territory name."""

    mid: int
    alpha2: str
    country: str


def _parse_table(text: str) -> dict[int, Flag]:
    flags: dict[int, Flag] = {}
    for line in text.strip().splitlines():
        mid_text, alpha2, country = line.split(" ", 2)
        mid = int(mid_text)
        if mid in flags:
            raise ValueError(f"MID {mid} listed twice")
        flags[mid] = Flag(mid=mid, alpha2=alpha2, country=country)
    return flags


FLAGS: Final[dict[int, Flag]] = _parse_table(_MID_TABLE)
"""Every allocated MID -> its `Flag`, in MID order."""


def _plausible_mid(mid: int) -> int | None:
    return mid if _MID_MIN <= mid <= _MID_MAX else None


def mid_of_mmsi(mmsi: int) -> int | None:
    """The MID carried by `mmsi`, or None when the number carries none.

    Formats (ITU-R M.585-9 Annex 1; the MMSI read as nine digits, leading zeros included):
    ship station MIDXXXXXX, group ship station 0MIDXXXXX, coast station 00MIDXXXX, SAR
    aircraft 111MIDXXX, AIS aid to navigation 99MIDXXXX, craft associated with a parent ship
    98MIDXXXX, handheld VHF transceiver with DSC and GNSS 8MIDXXXXX. AIS-SART (970), MOB-AIS
    (972), EPIRB-AIS (974) and the other 97x devices carry no MID, nor do numbers outside
    1..999,999,999 or whose MID field does not start with 2-7. The MID returned may still be
    unallocated (e.g. 217): `flag_of_mmsi` tells.
    """
    if not 1 <= mmsi <= 999_999_999:
        return None
    first = mmsi // 100_000_000
    first_two = mmsi // 10_000_000
    if mmsi // 1_000_000 == _SAR_AIRCRAFT_PREFIX:
        return _plausible_mid(mmsi // 1_000 % 1_000)
    if first_two in (_ATON_PREFIX, _CRAFT_OF_PARENT_SHIP_PREFIX):
        return _plausible_mid(mmsi // 10_000 % 1_000)
    if first == _HANDHELD_VHF_DIGIT:
        return _plausible_mid(mmsi // 100_000 % 1_000)
    if 2 <= first <= 7:
        return mmsi // 1_000_000
    if first_two == 0:  # coast station 00MIDXXXX
        return _plausible_mid(mmsi // 10_000 % 1_000)
    if first == 0:  # group ship station 0MIDXXXXX
        return _plausible_mid(mmsi // 100_000 % 1_000)
    return None  # 1xx other than 111, 97x devices, other 9x


def flag_of_mmsi(mmsi: int) -> Flag | None:
    """The allocation of the MID in `mmsi`; None when there is no MID or it is unallocated."""
    mid = mid_of_mmsi(mmsi)
    return None if mid is None else FLAGS.get(mid)


def flag_frame() -> pl.DataFrame:
    """The MID table as a frame (mid Int32, flag String alpha-2, flag_country String) for joins."""
    return pl.DataFrame(
        {
            "mid": [flag.mid for flag in FLAGS.values()],
            "flag": [flag.alpha2 for flag in FLAGS.values()],
            "flag_country": [flag.country for flag in FLAGS.values()],
        },
        schema={"mid": pl.Int32, "flag": pl.String, "flag_country": pl.String},
    )


@functools.cache
def mid_expr(column: str) -> pl.Expr:
    """A vectorised `mid_of_mmsi` over an integer column: Int32, null where there is no MID
    (built once per column: expressions do not change, and building it costs a detector on a
    few vessels more than evaluating it)."""
    mmsi = pl.col(column).cast(pl.Int64)
    first = mmsi // 100_000_000
    first_two = mmsi // 10_000_000
    null = pl.lit(None, dtype=pl.Int64)
    candidate = (
        pl.when(~mmsi.is_between(1, 999_999_999))
        .then(null)
        .when(mmsi // 1_000_000 == _SAR_AIRCRAFT_PREFIX)
        .then(mmsi // 1_000 % 1_000)
        .when(first_two.is_in([_ATON_PREFIX, _CRAFT_OF_PARENT_SHIP_PREFIX]))
        .then(mmsi // 10_000 % 1_000)
        .when(first == _HANDHELD_VHF_DIGIT)
        .then(mmsi // 100_000 % 1_000)
        .when(first.is_between(2, 7))
        .then(mmsi // 1_000_000)
        .when(first_two == 0)
        .then(mmsi // 10_000 % 1_000)
        .when(first == 0)
        .then(mmsi // 100_000 % 1_000)
        .otherwise(null)
    )
    return (
        pl.when(candidate.is_between(_MID_MIN, _MID_MAX))
        .then(candidate)
        .otherwise(null)
        .cast(pl.Int32)
        .alias(column)
    )
