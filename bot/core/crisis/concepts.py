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
    "gast guy dude jongen jongens meisje meiden girl girls boy boys vent ex hater haters trol troll "
    "trolls account klasgenoot klasgenoten classmate classmates kerel mannen men groep gang "
    "bende ie deze_gast that_guy those_guys random randoms",
    "neg": "niet nooit geen not never no nee nie niemand nobody nothing niks niets",
    "die": "dood doodgaan sterven sterf stierf dying dead death zelfmoord* suicid* suicidaal "
    "suicidal unalive* ophangen ophang hang hanging verdrinken drown overdosis overdose od "
    "afscheidsbrief* goodbye doei vaarwel kant_maken van_kant eind_aan end_it end_my einde "
    "ending sewerslide zelfdoding leven life live living bestaan exist wakker wake verdwijnen "
    "disappear weg gone laatste last uitweg way_out zelfdood levensmoe* doodswens death_wish "
    "niet_meer_zijn er_niet_meer er_nie_meer around_anymore here_anymore",
    "done": "klaar done zin_meer point_anymore zinloos pointless last_voor burden beter_af "
    "better_off kan_niet_meer can_not_do doorgaan go_on hopeloos hopeless op_geven give_up "
    "opgeven missen miss zonder_mij without_me zonder_me geen_uitweg no_way_out "
    "geen_toekomst no_future geen_zin no_point niks_meer_aan",
    "method": "pillen pil pilletjes paracetamol ibuprofen aspirine aspirin insuline insulin "
    "oxazepam xanax medicijn* slaappil* pills pill meds tablets touw rope strop methode method "
    "pijnloos painless pijn_te zonder_pijn",
    # Everyday words that are a method only beside an end: "a train", "high", "the way", "jump".
    "means": "trein spoor train tracks brug bridge flat dak roof springen spring sprong jump "
    "jumping manier way gespaard saved hoog high overleef* survive",
    "cut": "snijden snij snijd sneed gesneden snijdt krassen kras kraste gekrast cut cutting cuts "
    "selfharm* sh zelfbeschadig* self_harm self_harming self_harmed razor* scheermes* mesje "
    "mesjes bloed bloeden bloedt bleed bleeding litteken* scars scar polsen pols wrist wrists "
    "armen arm branden burn burning zelf_pijn hurt_myself pijn_doen snijwond* automutil* "
    "selfinjur* self_injury cutten cutte gecut relapse* terugval scherpje* slijper* sharpener* "
    "blades krabben kerven kerf carved carve brandwond* snee sneetje* wondjes wonden wond relaps* "
    "lange_mouwen long_sleeves",
    "harm": "vermoord* kill killen killed murder* steken steek stak neersteken gestoken prikken "
    "prik slaan sla sloeg geslagen afmaken maak_af maken_af schieten schiet neerschieten "
    "shoot stab stabbed stabbing beat beaten hurt pijn aanvallen attack jump_you brand fikkie "
    "burn verkracht* rape* molly doodmaken doodschieten doodsteken elkaar_slaan slopen "
    "mishandel* afrekenen opwachten opwacht lynch* aandoen aandoet aan_doen in_elkaar inmekaar "
    "in_mekaar kapotmaken kapot_maken smash beat_up jumpen jumped duwen wurgen strangle choke "
    "ontvoer* kidnap* shank* stabben dood_maken neerknallen knallen afgemaakt aan_te_doen rammen "
    "schoppen schop geschopt punch* slaat hits hit hitting doodsbedreig* death_threat death_threats "
    "opgewacht handle_me wet_up",
    "weapon": "mes messen knife knives pistool gun guns wapen wapens weapon vuurwerk bom bomb "
    "zuur acid blade glock vuurwapen* taser boksbeugel stiletto machete",
    "come": "na_school after_school voor_mijn_deur voor_de_deur at_my_door deur door buiten "
    "outside langs onderweg komen kom komt coming come staan staat wachten wacht waiting "
    "opwachten opwacht vanavond tonight morgen tomorrow nu now rn straks later gebeld bellen "
    "belt called calling calls showed_up show_up opgedoken",
    "data": "adres address adressen woon woont wonen woonplaats live lives telefoonnummer "
    "nummer number 06 locatie location huis house straat street postcode huisnummer "
    "gegevens details info ip school straatnaam huisnr rooster schedule thuisadres "
    "home_address phone_number gsm persoonsgegevens personal_info addy werk werkt werkgever "
    "employer baas boss manager stage stageplek stagebedrijf internship bijbaan job shift* "
    "werkrooster achternaam surname full_name real_name echte_naam volledige_naam bsn "
    "geboortedatum birthday id_card id-kaart paspoort passport kenteken license_plate "
    "studentnummer snap_map snapmap live_locatie moskee mosque kerk church gym sportschool "
    "voetbalclub waar_ik_ben where_i_am waar_ik_woon where_i_live waar_ik_werk where_i_work",
    "expose": "gepost post posted posten online gedeeld delen deelt shared share gelekt leaked "
    "leak lekt lekken verspreid* spread groep group groepsapp groupchat gc dox* gedoxt "
    "gedoxxed everyone iedereen internet story rondgestuurd rondsturen rondgaan rondgaat gezet "
    "staat_in staat_op staan_in staan_op comments reacties openbaar public telegram discord "
    "tiktok insta instagram snapchat twitter reddit forum rond gaat_rond going_around",
    "image": "foto* pics pic picture* photo* video* filmpje* naakt* nudes nude noodz cam webcam "
    "videocall facetime screenshot* opgenomen recorded record opname beelden images sexting "
    "dickpic bloot topless ondergoed sexy sex seks snap snapje snaps sexvideo* seksvideo* "
    "intiem* intimate explicit sekstape* sextape* naaktfilmpje*",
    "money": "geld betalen betaal betaalt pay paid money euro euros bitcoin crypto giftcard* "
    "cadeaukaart* tikkie paysafe* bedrag cash dollar dollars bucks gift_card steam_card robux",
    "unless": "anders or_else otherwise unless tenzij als_ik_niet if_i_do_not",
    "send": "sturen stuur stuurt verspreiden send sending sends posten ouders parents familie "
    "family vrienden friends moeder vader mom dad mum moms iedereen everyone volgers followers",
    "threat": "dreigt dreigen gedreigd bedreigd bedreiging* dreigbrief* threaten* threat* "
    "chanteer* chantage "
    "blackmail* afpersen afpersing afgeperst sextort* extort* chanteren gechanteerd afpers*",
    "want": "wil wilde wou want wanted wanna hoop hope wish wens zou would denk think thinking "
    "plan plannen gonna going ga gaan gaat zal will",
    "fiction": "les lesson lessen spreekbeurt presentatie project werkstuk game games gamen "
    "fortnite minecraft gta cod valorant film movie serie series show netflix boek book song "
    "lied lyrics nummer rap nieuws news artikel article docu documentaire podcast personage "
    "character hoofdstuk chapter gastles voorlichting biologie bio geschiedenis history krant "
    "newspaper journaal anime manga roblox drill* rapper rappers track songtekst* rapnummer* liedtekst* liedje album clip tekenfilm cartoon toneel "
    "theater essay opdracht assignment examen exam toets preventie prevention presentation pws "
    "onderzoek research signalen warning_signs las_dat read_about i_read ik_las fifa warzone apex "
    "level kills boksles squad scene scène bios cinema leesboek hoofdpersoon nieuwsbericht* "
    "legde_uit uitgelegd explained among_us thriller lesbrief nachtmerrie* nightmare* gedroomd dreamt",
    "laugh": "lol haha hahaha xd lmao lmfao hihi",
    "learn": "wat_is what_is hoe_werkt how_does betekent mean means uitleg explain waarom_is "
    "hoe_zet how_do instellingen settings privacy uitzetten turn_off is_het_strafbaar strafbaar "
    "illegal illegaal scam scams herkennen hoe_haal how_can_i hoe_voorkom hoe_meld wat_doe_je wat_moet_je",
    "quote": "schreef wrote zei said zegt says typte typed commented reageerde noemde called",
    # Guards: contexts in which harm words are about something harmless.
    "report": "rapporteren rapporteer report reporten reported blokkeren blokken block blocked "
    "geblokt geblokkeerd mass_report massreport melden meld gemeld bannen ban banned verbannen "
    "unfollow ontvolgen muten mute kicken kick verwijderen",
    # Not eating, or bringing food up: self-harm when it punishes or lasts (``rules._eating``).
    "eat": "eten eet at gegeten eat eating eaten ate food voedsel maaltijd* meal meals ontbijt "
    "breakfast lunch avondeten dinner",
    "purge": "overgeven overgegeven kotsen kots braken braak throw_up threw_up throwing_up puke "
    "puking purge purging purged laxeer* laxatives laxative vinger_in_mijn_keel",
    "kitchen": "salade salad ui uien onion onions groente groenten vegetables tomaat tomaten "
    "brood bread koken kook cook cooking bakken recept recipe keuken kitchen vlees meat taart "
    "cake appel apple fruit kaas cheese aardappel* potato* wortel* komkommer* paprika papier "
    "paper blaadje",
    "sport": "sprints sprint training trainen trainer coach voetbal football soccer hockey tennis "
    "basketbal basketball gym workout wedstrijd match potje boksen boxing judo karate kickboks* "
    "schaak chess paintball lasergamen",
    "accident": "ongeluk* accident* operatie surgery gevallen fell vallen skaten skating fiets "
    "bike gebroken broke broken gips dokter doctor ziekenhuis hospital acne puistjes operatie* "
    "knieoperatie bloed_geven bloed_gaan_geven bloed_doneren bloeddonor* donate_blood blood_donation "
    "giving_blood donating_blood",
    "object": "telefoon batterij battery accu mobiel laptop plant plants wifi router console "
    "controller oplader charger kussen pillow sneeuwbal snowball waterpistool bezorger "
    "pakketbezorger delivery pakket package folder postbode mailman pizza",
    # Time frames: something over and done ("twee jaar geleden", "used to", "clean sinds").
    "past": "vroeger geleden ago used_to vorig_jaar last_year vorige_maand last_month toen_ik "
    "when_i_was jaren_geleden years_ago hersteld recovered herstel recovery clean_sinds "
    "clean_for been_clean lang_geleden long_ago over_for oude_littekens old_scars als_kind "
    "as_a_kid",
    # Harassment that traces the writer through family, places and things that arrive: the
    # word model may name doxing only with a concept of this kind (``_NEEDS`` in safety.py).
    "trace": "ouders parents moeder moeders mama mum mums mom moms vader vaders papa dad dads "
    "oma opa grandma grandmas grandad grandpa grandads oma's opa's tante aunt oom uncle familie "
    "family voordeur front_door kaartje map route bushalte bus_stop wijk buurt neighbourhood "
    "neighborhood kenteken plate reg_plate bezorger* deliveries delivery pakket* parcel* taxi* "
    "pizzabezorger* studentenhuis halls uni vrijwilligerswerk volunteer linkedin camping "
    "uitgezocht uitgevonden gevonden found figured_out tracked traced opgezocht looked_up",
    "place": "naar_school to_school naar_die naar_de naar_het naar_training naar_dat to_that "
    "to_the naar_huis naar_zijn naar_haar naar_hun",
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


# "die" is Dutch for "that/those" as often as English "die": it means dying only after these.
_DIE_BEFORE: Final = frozenset(
    [
        "to",
        "i",
        "wanna",
        "want",
        "will",
        "gonna",
        "should",
        "just",
        "can",
        "could",
        "would",
        "might",
        "rather",
        "let",
        "and",
        "or",
        "gotta",
        "gon",
        "ill",
        "we",
        "you",
        "u",
        "they",
        "he",
        "she",
    ]
)
# "snap" is Dutch for "understand" ("ik snap het"): an image only as "a snap", "my snap".
_SNAP_BEFORE: Final = frozenset(
    ["a", "my", "the", "that", "his", "her", "een", "mijn", "mn", "die", "dat"]
)


def _special(words: list[str], i: int) -> frozenset[str]:
    """Concepts of the words whose meaning depends on the word before."""
    word, before = words[i], words[i - 1] if i else ""
    if word in ("die", "died") and (before in _DIE_BEFORE or (word == "die" and i == 0)):
        return frozenset(["die"])
    if word == "snap" and before in _SNAP_BEFORE:
        return frozenset(["image"])
    return frozenset()


def tag(words: list[str]) -> list[frozenset[str]]:
    """The concepts of each word; a phrase's concepts go to its first word."""
    exact, prefixes, phrases = _tables()
    out: list[frozenset[str]] = []
    for i, word in enumerate(words):
        found = set(exact.get(word, ())) | _special(words, i)
        if not found and len(word) > 3:
            for size in range(3, len(word) + 1):
                found |= prefixes.get(word[:size], frozenset())
        for size in (2, 3):
            concepts = phrases.get(tuple(words[i : i + size]))
            if concepts:
                found |= concepts
        out.append(frozenset(found))
    return out
