# ruff: noqa: E501 - one word list per line reads and diffs best.
"""Concept tagging: which kinds of words a message holds, whatever their spelling or order.

Why: a young person can say the same thing in a hundred word orders ("ik wil dood", "dood wil ik
gwn", "ik hoop dat ik een ongeluk krijg en dood ga"). Instead of listing sentences, each word is
tagged with the concepts it stands for (SELF, DIE, CUT, THREAT, ...). The rules in ``rules.py``
and the model in ``model.py`` work on these tags, so a new word order or a new verb form of a known
word still counts.

A word list entry ending in ``*`` matches every word that starts with it ("zelfmoord*" also tags
"zelfmoordgedachten"). Phrases (two or three words) are tagged as a whole, on their first word.
"""

from __future__ import annotations

from functools import cache
from typing import Final

__all__ = ["CONCEPTS", "tag", "vocabulary"]

# concept -> words (space-separated; "a_b" is the phrase "a b")
CONCEPTS: Final[dict[str, str]] = {
    "me": "ik me mij mijn mezelf mijzelf i my myself mine im",
    "myself": "mezelf mijzelf myself mzelf mijn_leven my_life mn_leven",
    "you": "je jij jou jouw jezelf you your yourself jullie ur",
    "they": "hij zij ze hun he she they them him her iemand someone somebody mensen people "
    "gast guy dude jongen meisje girl boy vent ex hater haters trol troll trolls account",
    "neg": "niet nooit geen not never no nee nie niemand nobody nothing niks niets",
    "die": "dood doodgaan sterven sterf stierf die dying dead death zelfmoord* suicid* suicidaal "
    "suicidal unalive* ophangen ophang hang hanging verdrinken drown overdosis overdose od "
    "afscheidsbrief* goodbye doei vaarwel kant_maken van_kant eind_aan end_it end_my einde "
    "ending sewerslide zelfdoding leven life live living bestaan exist wakker wake verdwijnen "
    "disappear weg gone laatste last uitweg way_out",
    "done": "klaar done zin_meer point_anymore zinloos pointless last_voor burden beter_af "
    "better_off kan_niet_meer can_not_do doorgaan go_on hopeloos hopeless op_geven give_up "
    "opgeven missen miss",
    "method": "pillen pil pilletjes paracetamol medicijn* slaappil* pills pill meds tablets "
    "trein spoor train tracks brug bridge flat dak roof springen spring sprong jump jumping touw "
    "rope strop manier way methode method pijnloos painless pijn_te zonder_pijn gespaard "
    "saved hoog high overleef* survive",
    "cut": "snijden snij snijd sneed gesneden snijdt krassen kras kraste gekrast cut cutting cuts "
    "selfharm sh zelfbeschadiging* razor* scheermes* mesje mesjes bloed bloeden bleed bleeding "
    "litteken* scars scar polsen pols wrist wrists armen arm branden burn burning zelf_pijn "
    "hurt_myself pijn_doen",
    "harm": "vermoord* kill killen killed murder* steken steek stak neersteken gestoken prikken "
    "prik slaan sla sloeg geslagen afmaken maak_af maken_af schieten schiet neerschieten "
    "shoot stab stabbed stabbing beat beaten hurt pijn aanvallen attack jump_you brand fikkie burn verkracht* rape* molly doodmaken doodschieten doodsteken "
    "elkaar_slaan slopen mishandel* afrekenen opwachten opwacht",
    "weapon": "mes messen knife knives pistool gun guns wapen wapens weapon vuurwerk bom bomb "
    "zuur acid blade",
    "come": "na_school after_school voor_mijn_deur voor_de_deur at_my_door deur door buiten "
    "outside langs onderweg komen kom komt coming come staan staat wachten wacht waiting "
    "opwachten opwacht vanavond tonight morgen tomorrow nu now rn straks later",
    "data": "adres address adressen woon woont wonen woonplaats live lives telefoonnummer "
    "nummer number phone 06 locatie location huis house straat street postcode huisnummer "
    "gegevens details info ip school",
    "expose": "gepost post posted posten online gedeeld delen deelt shared share gelekt leaked "
    "leak lekt lekken verspreid* spread groep group groepsapp groupchat gc dox* gedoxt "
    "gedoxxed everyone iedereen internet story",
    "image": "foto* pics pic picture* photo* video* filmpje* naakt* nudes nude noodz cam webcam "
    "videocall facetime screenshot* opgenomen recorded record opname beelden images sexting "
    "dickpic bloot topless ondergoed sexy sex seks",
    "money": "geld betalen betaal betaalt pay paid money euro euros bitcoin crypto giftcard* "
    "cadeaukaart* tikkie paysafe* bedrag cash",
    "unless": "anders or_else otherwise unless tenzij als_ik_niet if_i_do_not",
    "send": "sturen stuur stuurt verspreiden send sending sends posten ouders parents familie "
    "family vrienden friends moeder vader mom dad mum moms iedereen everyone volgers followers",
    "threat": "dreigt dreigen gedreigd bedreigd bedreiging* threaten* threat* chanteer* chantage "
    "blackmail* afpersen afpersing afgeperst sextortion extort*",
    "want": "wil wilde wou want wanted wanna hoop hope wish wens zou would denk think thinking "
    "plan plannen gonna going ga gaan gaat zal will",
    "fiction": "les lesson lessen spreekbeurt presentatie project werkstuk game games gamen "
    "fortnite minecraft gta cod valorant film movie serie series show netflix boek book song "
    "lied lyrics nummer rap nieuws news artikel article docu documentaire podcast personage "
    "character hoofdstuk chapter",
    "laugh": "lol haha hahaha xd lmao lmfao hihi",
    "learn": "wat_is what_is hoe_werkt how_does betekent mean means uitleg explain waarom_is "
    "hoe_zet how_do instellingen settings privacy uitzetten turn_off",
    "quote": "schreef wrote zei said zegt says typte typed commented reageerde noemde called",
}


@cache
def _tables() -> tuple[
    dict[str, frozenset[str]], dict[str, frozenset[str]], dict[tuple[str, ...], frozenset[str]]
]:
    """Exact words, prefixes and phrases, each with the concepts they carry."""
    exact: dict[str, set[str]] = {}
    prefixes: dict[str, set[str]] = {}
    phrases: dict[tuple[str, ...], set[str]] = {}
    for concept, words in CONCEPTS.items():
        for entry in words.split():
            if "_" in entry:
                phrases.setdefault(tuple(entry.split("_")), set()).add(concept)
            elif entry.endswith("*"):
                prefixes.setdefault(entry[:-1], set()).add(concept)
            else:
                exact.setdefault(entry, set()).add(concept)
    return (
        {w: frozenset(c) for w, c in exact.items()},
        {p: frozenset(c) for p, c in prefixes.items()},
        {p: frozenset(c) for p, c in phrases.items()},
    )


@cache
def vocabulary() -> frozenset[str]:
    """Every word the concepts name: the normaliser reads typing slips as one of these."""
    words: set[str] = set()
    for entry in " ".join(CONCEPTS.values()).split():
        words.update(entry.rstrip("*").split("_"))
    return frozenset(words)


def tag(words: list[str]) -> list[frozenset[str]]:
    """The concepts of each word; a phrase's concepts go to its first word."""
    exact, prefixes, phrases = _tables()
    out: list[frozenset[str]] = []
    for i, word in enumerate(words):
        found = set(exact.get(word, ()))
        if not found and len(word) > 3:
            for size in range(3, len(word) + 1):
                found |= prefixes.get(word[:size], frozenset())
        for size in (2, 3):
            concepts = phrases.get(tuple(words[i : i + size]))
            if concepts:
                found |= concepts
        out.append(frozenset(found))
    return out
