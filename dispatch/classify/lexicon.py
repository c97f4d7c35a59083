"""Hand-written lexicon: spelling variants, weighted category cues and severity cues.

Every word is stored "squeezed" (repeated letters collapsed) so that "tolooong",
"toloong" and "tolong" meet at the same key.  Written from general knowledge of how
callers talk to an Indonesian 112 centre (Bahasa Indonesia, chat slang, Javanese,
English), not from the test split.
"""

from __future__ import annotations

import re

_REPEAT_RE = re.compile(r"(.)\1+")


def _sq(word: str) -> str:
    return _REPEAT_RE.sub(r"\1", word)


# canonical word -> spelling variants, slang, Javanese and English equivalents
_VARIANTS: dict[str, str] = {
    "tidak": "tdk tak gak ga gk nggak ngga nga enggak engga ndak nda ora gag ngak no not dont didnt cant cannot mboten",
    "bukan": "bkn dudu sanes",
    "pukul": "mukul mukulin memukul dipukul pukulin nampar tampar ditampar gebuk nggebuki ngantemi ngantem antem mokol",
    "hilang": "ilang ilangan kehilangan elang lost missing",
    "tanpa": "without",
    "belum": "blm durung urung",
    "bisa": "bs iso isa can could",
    "ada": "onok ono enek there",
    "orang": "org wong uwong people person man woman guy",
    "anak": "bocah bocil cah child children kid kids boy girl",
    "bayi": "baby orok",
    "rumah": "omah umah rmh house home",
    "jalan": "jln jl dalan road street",
    "tolong": "tulung tlg tolongin help pliss please",
    "cepat": "cpt cepet gpl segera buruan quick quickly hurry asap",
    "kebakaran": "kebakar kobong kobongan kebakarn obong terbakar kebakaran fire burning burned burnt blaze",
    "api": "geni flames flame",
    "asap": "kebul smoke smoking",
    "ledakan": "meledak ledak mbledos njeblug bledug explosion exploded explode blast",
    "korsleting": "korslet konslet konsleting konsleting korsleting",
    "hangus": "gosong scorched",
    "damkar": "pemadam firefighter firefighters",
    "kecelakaan": "celaka kcelakaan kecelakan accident accidents crash crashed",
    "laka": "lakalantas lakalalin lakalantas",
    "tabrak": "tabrakan nabrak menabrak ditabrak ketabrak tertabrak nubruk ketubruk ditubruk nabrakan collision collided",
    "serempet": "keserempet diserempet nyerempet srempet kesrempet",
    "terguling": "terbalik ngguling kebalik overturned",
    "tergelincir": "skid skidded",
    "kendaraan": "motor mobil truk truck bus angkot sepeda pemotor pengendara pikap pickup car cars motorbike motorcycle vehicle spm",
    "banjir": "kebanjiran banjer flood flooded flooding floods",
    "longsor": "lonsor landslide landslip",
    "beliung": "lesus tornado whirlwind",
    "badai": "storm",
    "tumbang": "tumbag toppled uprooted",
    "pohon": "wit tree trees",
    "gempa": "lindu earthquake quake",
    "ambruk": "roboh rubuh runtuh ambrol collapsed collapse",
    "ambles": "amblas",
    "erupsi": "eruption",
    "hanyut": "keli hanyutan swept",
    "tertimbun": "ketimbun buried",
    "ular": "ula ulo snake snakes kobra cobra sanca piton python weling welang",
    "tawon": "tawonan lebah bees bee hornet hornets wasp wasps vespa",
    "monyet": "kera kethek ketek munyuk monkey monkeys",
    "anjing": "asu dog dogs",
    "kucing": "cat kitten",
    "biawak": "menyawak",
    "hewan": "binatang animal animals kewan",
    "tawuran": "tawur",
    "begal": "dibegal pembegalan dibegal begalan mugging mugged",
    "maling": "kemalingan dimaling thief thieves burglar burglary",
    "rampok": "perampokan dirampok rampog robbery robbed robber",
    "curi": "pencurian dicuri mencuri nyolong colong dicolong stolen steal stealing",
    "jambret": "dijambret jambreet copet kecopetan dicopet snatched",
    "ribut": "keributan geger gegeran rame",
    "gelut": "kelahi berkelahi perkelahian carok fight fighting brawl",
    "keroyok": "dikeroyok pengeroyokan ngeroyok",
    "ricuh": "kericuhan rusuh kerusuhan bentrok bentrokan anarkis riot rioting",
    "demo": "demonstrasi",
    "aniaya": "penganiayaan dianiaya dipukuli digebuki digebukin assault assaulted beaten",
    "sajam": "celurit clurit golok parang pisau knife",
    "tusuk": "ditusuk penusukan stabbed stabbing",
    "bacok": "dibacok pembacokan",
    "tembak": "ditembak penembakan pistol senpi gun shot shooting",
    "mabuk": "mendem drunk",
    "culik": "diculik penculikan kidnap kidnapped",
    "bunuh": "dibunuh pembunuhan membunuh murder",
    "pingsan": "semaput klenger fainted unconscious",
    "sadar": "conscious",
    "sesak": "sesek",
    "napas": "nafas bernafas bernapas ambegan breathing breathe breath",
    "kejang": "kejet step seizure seizures ayan epilepsi",
    "melahirkan": "lahiran babaran lahir ketuban kontraksi labor labour birth",
    "hamil": "meteng pregnant",
    "jantung": "heart",
    "stroke": "struk",
    "overdosis": "overdose keracunan poisoning poisoned",
    "tenggelam": "kelelep klelep drowning drowned drown",
    "darah": "getih blood bleeding berdarah pendarahan perdarahan",
    "luka": "terluka injured injury wounded",
    "sakit": "loro sick ill",
    "demam": "panas fever",
    "muntah": "mutah vomiting vomit",
    "ambulans": "ambulan ambulance ambulence",
    "meninggal": "tewas dead died",
    "kesetrum": "kesetrom tersetrum setrum electrocuted",
    "tersedak": "keselek choking",
    "lemas": "lemes weak",
    "pju": "",
    "lampu": "lamp light lights",
    "sampah": "garbage trash rubbish waste",
    "pdam": "",
    "berlubang": "bolong lubang pothole potholes",
    "ktp": "ektp",
    "bansos": "blt pkh sembako",
    "tanya": "nanya tanyain bertanya ask asking question",
    "informasi": "info information",
    "iseng": "bercanda becanda prank joke joking kidding",
    "coba": "nyoba tes test testing",
    "macet": "jam",
    "selokan": "got drainase gorong",
    "mampet": "buntu tersumbat clogged blocked",
    "terjebak": "kejebak terperangkap terkunci kekunci trapped",
    "korban": "victim victims",
    "kemarin": "wingi yesterday",
    "gigit": "bite bites bitten nyokot cokot dicokot",
    "sengat": "sting stung",
    "serang": "attack attacked attacking",
}

# regional words (Javanese ngoko and krama, Madurese as spoken in East Java) and plain
# English for the same things; merged after the table above, which wins on a clash
_REGIONAL: dict[str, str] = {
    "jatuh": "tiba tibo dhawah ceblok jeglong fell fall falls falling fallen tumbled kepleset kepeleset slipped slip",
    "darah": "rah rahipun getihen",
    "kepala": "sirah sirahe mustaka mustakanipun head",
    "air": "banyu banyune toya toyanipun aeng aengna water",
    "rumah": "griya bengko",
    "api": "latu apoy apoyna genine",
    "anjing": "segawon pate",
    "orang": "tiyang oreng wonge",
    "anak": "lare putra putrane",
    "istri": "garwa bine bojo wife",
    "suami": "lakek husband",
    "maling": "ekamalengan kamalengan maleng malingan malinge burgled",
    "pukul": "beating beat beats punched punching slapped",
    "curi": "stole",
    "sakit": "gerah sakek",
    "pingsan": "pengsan collapsed",
    "gigit": "ngekke nyakot",
    "pohon": "kajuh",
    "kayu": "kajeng kaju wood stick",
    "besar": "raje ageng gedhe big huge",
    "mati": "mate pejah",
    "kebakaran": "kabakaran",
    "tergelincir": "nyungsep nyemplung",
    "melahirkan": "nglairaken ngalahirragi",
    "jalan": "margi",
    "ular": "uler olar ollar",
    "tabrak": "etabrak katabrak knocked hit",
    "kendaraan": "motorcyclist rider motorist cyclist sepedha montor",
    "biawak": "lizard",
    "asap": "asep kebule",
    "tetangga": "tonggo tanggaku neighbour neighbor",
    "tenggelam": "kecemplung kecebur",
    "overdosis": "overdosing",
    "asma": "asthma",
    "terjebak": "stuck",
    "meluap": "overflowed overflowing overflow",
    "andha": "ladder tangga",
    "patah": "broken fractured sikile",
    "nomor": "number nomer",
    "makasih": "thank thanks",
    "simulasi": "latihan drill",
    "tanya": "pirsa taya",
    "hilang": "ketinggalan",
    "rawan": "prone",
    "perbaiki": "diperbaiki memperbaiki dibenerin benerin didandani dandani ditambal tambal fix fixed repair repaired dibetulkan",
    "jembatan": "bridge",
    "trotoar": "pavement sidewalk",
    "taman": "park",
    "keran": "kran tap faucet",
    "pipa": "pipe",
    "bocor": "leaking leak leaks",
    "pengemis": "beggar beggars",
    "gelandangan": "homeless",
    "pkl": "vendors vendor",
    "baliho": "billboard billboards",
    "spanduk": "banner banners",
    "izin": "permit",
    "puskesmas": "clinic",
    "obat": "medicine",
    "fogging": "fog",
    "imunisasi": "immunisation immunization vaccinated vaccination",
    "parkir": "parking",
    "selokan": "drain",
    "sembako": "food aid",
    "kencang": "kenceng strong",
    "angin": "wind winds",
    "kekerasan": "violence abuse abused kekerasane",
    "ancam": "mengancam diancam ngancam threatening threatened threaten threat",
    "sajam": "knives machete machetes",
    "buaya": "crocodile crocodiles",
    "bau": "smell smells ambune",
    "percikan": "sparks spark",
    "dari": "saking soko seko teko from off",
    "rusak": "risak rusak broken damaged",
    "teriak": "berteriak teriakan jerit menjerit bengok scream screaming screams",
}
SYNONYMS: dict[str, str] = {}
for _canon, _words in _VARIANTS.items():
    SYNONYMS[_sq(_canon)] = _sq(_canon)
    for _w in _words.split():
        SYNONYMS.setdefault(_sq(_w), _sq(_canon))
for _canon, _words in _REGIONAL.items():
    SYNONYMS.setdefault(_sq(_canon), _sq(_canon))
    for _w in _words.split():
        SYNONYMS.setdefault(_sq(_w), _sq(_canon))

# canonical phrase -> (category, weight). Longer phrases are matched first.
_CUES: dict[str, tuple[str, float]] = {
    # fire
    "kebakaran": ("fire", 3.0), "api": ("fire", 2.0), "asap": ("fire", 1.5),
    "ledakan": ("fire", 2.5), "korsleting": ("fire", 2.5), "hangus": ("fire", 2.0),
    "damkar": ("fire", 1.5), "bakar": ("fire", 1.5), "si jago merah": ("fire", 3.0),
    "gas bocor": ("fire", 2.5), "elpiji bocor": ("fire", 2.5), "bau gas": ("fire", 2.0),
    "tabung gas": ("fire", 1.5), "kompor": ("fire", 1.0), "lahan": ("fire", 0.5),
    # traffic
    "kecelakaan": ("traffic_accident", 3.0), "laka": ("traffic_accident", 3.0),
    "hit and run": ("traffic_accident", 3.0),
    "run over": ("traffic_accident", 3.0), "fell off": ("traffic_accident", 2.0), "kendaraan tergelincir": ("traffic_accident", 2.5),
    "laka lantas": ("traffic_accident", 3.0), "laka tunggal": ("traffic_accident", 3.0),
    "tabrak": ("traffic_accident", 3.0), "tabrak lari": ("traffic_accident", 3.0),
    "serempet": ("traffic_accident", 2.5), "terguling": ("traffic_accident", 2.0),
    "tergelincir": ("traffic_accident", 1.5), "kendaraan": ("traffic_accident", 0.7),
    "kereta api": ("traffic_accident", 1.0), "kendaraan jatuh": ("traffic_accident", 2.5),
    "jatuh dari kendaraan": ("traffic_accident", 2.5), "hit by": ("traffic_accident", 2.5),
    "kecelakaan kerja": ("medical", 3.0),
    # disaster
    "banjir": ("disaster", 3.0), "longsor": ("disaster", 3.0), "beliung": ("disaster", 3.0),
    "puting beliung": ("disaster", 3.0), "angin kencang": ("disaster", 3.0),
    "angin ribut": ("disaster", 3.0), "badai": ("disaster", 3.0), "tumbang": ("disaster", 2.5),
    "pohon tumbang": ("disaster", 3.0), "pohon ambruk": ("disaster", 3.0),
    "pohon jatuh": ("disaster", 3.0), "pohon fell": ("disaster", 3.0),
    "gempa": ("disaster", 3.0), "air bah": ("disaster", 3.0),
    "air naik": ("disaster", 2.5), "terbawa arus": ("disaster", 2.5), "tree down": ("disaster", 3.0), "ambles": ("disaster", 2.0), "ambruk": ("disaster", 2.0),
    "erupsi": ("disaster", 3.0), "hujan abu": ("disaster", 3.0), "kelud": ("disaster", 1.0),
    "hanyut": ("disaster", 2.0), "tertimbun": ("disaster", 2.5), "bencana": ("disaster", 2.0),
    "tanggul jebol": ("disaster", 3.0), "jebol": ("disaster", 1.5), "meluap": ("disaster", 2.5),
    "tiang listrik": ("disaster", 1.0), "kabel putus": ("disaster", 1.0),
    "pengungsi": ("disaster", 2.0), "evakuasi": ("disaster", 1.0),
    # animals
    "ular": ("animal_disturbance", 3.0), "tawon": ("animal_disturbance", 3.0),
    "tawon ndas": ("animal_disturbance", 3.0), "tawon endas": ("animal_disturbance", 3.0),
    "sarang": ("animal_disturbance", 1.5), "monyet": ("animal_disturbance", 3.0),
    "anjing": ("animal_disturbance", 1.5), "anjing gila": ("animal_disturbance", 3.0),
    "rabies": ("animal_disturbance", 3.0), "rabid": ("animal_disturbance", 3.0),
    "kucing": ("animal_disturbance", 1.5), "biawak": ("animal_disturbance", 3.0),
    "buaya": ("animal_disturbance", 3.0), "hewan": ("animal_disturbance", 2.0),
    "kalajengking": ("animal_disturbance", 2.5), "musang": ("animal_disturbance", 2.0),
    "babi hutan": ("animal_disturbance", 3.0), "sapi lepas": ("animal_disturbance", 2.5),
    "sapi": ("animal_disturbance", 1.0), "lebah": ("animal_disturbance", 3.0),
    # unrest
    "tawuran": ("unrest", 3.0), "begal": ("unrest", 3.0), "maling": ("unrest", 3.0),
    "rampok": ("unrest", 3.0), "curi": ("unrest", 2.5), "jambret": ("unrest", 3.0),
    "ribut": ("unrest", 2.0), "gelut": ("unrest", 3.0), "keroyok": ("unrest", 3.0),
    "ricuh": ("unrest", 3.0), "demo": ("unrest", 1.5), "demo ricuh": ("unrest", 3.0),
    "unjuk rasa": ("unrest", 1.5), "aniaya": ("unrest", 2.5), "kdrt": ("unrest", 2.5),
    "sajam": ("unrest", 2.5), "senjata tajam": ("unrest", 3.0), "tusuk": ("unrest", 2.5),
    "bacok": ("unrest", 3.0), "tembak": ("unrest", 2.5), "mabuk": ("unrest", 1.5),
    "miras": ("unrest", 1.5), "onar": ("unrest", 2.0), "culik": ("unrest", 3.0),
    "sandera": ("unrest", 3.0), "preman": ("unrest", 2.0), "palak": ("unrest", 2.0),
    "dipalak": ("unrest", 2.0), "mencurigakan": ("unrest", 1.5), "bunuh": ("unrest", 2.5),
    "balap liar": ("unrest", 2.5), "perang sarung": ("unrest", 3.0), "ngamuk": ("unrest", 1.5),
    "mengamuk": ("unrest", 1.5), "polisi": ("unrest", 1.0), "pelecehan": ("unrest", 2.5),
    "bom": ("unrest", 2.0), "teror": ("unrest", 2.0), "pukul": ("unrest", 2.5), "suami pukul": ("unrest", 3.0),
    # medical
    "pingsan": ("medical", 3.0), "tidak sadar": ("medical", 3.0),
    "tidak sadarkan diri": ("medical", 3.0), "sesak": ("medical", 3.0),
    "sesak napas": ("medical", 3.0), "susah napas": ("medical", 3.0),
    "tidak bisa napas": ("medical", 3.0), "tidak napas": ("medical", 3.0),
    "kejang": ("medical", 3.0), "melahirkan": ("medical", 3.0), "hamil": ("medical", 1.5),
    "serangan jantung": ("medical", 3.0), "jantung": ("medical", 2.0),
    "nyeri dada": ("medical", 3.0), "sakit dada": ("medical", 3.0), "chest pain": ("medical", 3.0),
    "stroke": ("medical", 3.0), "overdosis": ("medical", 3.0), "tenggelam": ("medical", 3.0),
    "darah": ("medical", 1.5), "luka": ("medical", 1.0), "sakit": ("medical", 1.5),
    "demam": ("medical", 2.0), "muntah": ("medical", 2.0), "diare": ("medical", 1.5),
    "patah tulang": ("medical", 2.5), "patah": ("medical", 2.0),
    "kepala bocor": ("medical", 2.5), "ambulans": ("medical", 2.5), "meninggal": ("medical", 1.5),
    "bunuh diri": ("medical", 3.0), "gantung diri": ("medical", 3.0), "suicide": ("medical", 3.0),
    "kesetrum": ("medical", 3.0), "sengat listrik": ("medical", 3.0), "tersedak": ("medical", 3.0), "lemas": ("medical", 2.0),
    "pusing": ("medical", 1.0), "asma": ("medical", 2.5), "alergi": ("medical", 2.0),
    "gula darah": ("medical", 2.5), "sekarat": ("medical", 3.0), "psc": ("medical", 2.0),
    "odgj": ("medical", 1.5), "gangguan jiwa": ("medical", 1.5), "jatuh": ("medical", 1.0),
    "lansia": ("medical", 0.5), "puskesmas": ("medical", 1.0), "rumah sakit": ("medical", 1.0),
    "tidak bergerak": ("medical", 2.0), "tidak respon": ("medical", 2.0),
    "tidak merespon": ("medical", 2.0), "sakit perut": ("medical", 2.0),
    # non-emergency (city services, information, pranks)
    "pju": ("non_emergency", 3.0), "lampu": ("non_emergency", 1.0),
    "lampu jalan": ("non_emergency", 3.0), "penerangan jalan": ("non_emergency", 3.0),
    "street lampu": ("non_emergency", 3.0), "sampah": ("non_emergency", 2.5),
    "tps": ("non_emergency", 1.5), "pdam": ("non_emergency", 3.0),
    "air mati": ("non_emergency", 2.5), "air tidak mengalir": ("non_emergency", 2.5),
    "air keruh": ("non_emergency", 2.5), "berlubang": ("non_emergency", 2.5),
    "jalan rusak": ("non_emergency", 2.5), "aspal": ("non_emergency", 1.0),
    "ktp": ("non_emergency", 3.0), "kk": ("non_emergency", 2.0),
    "kartu keluarga": ("non_emergency", 3.0), "akta": ("non_emergency", 3.0),
    "akte": ("non_emergency", 3.0),
    "akta kelahiran": ("non_emergency", 3.0), "akta kematian": ("non_emergency", 3.0),
    "kotoran": ("non_emergency", 1.5), "dukcapil": ("non_emergency", 3.0),
    "id card": ("non_emergency", 3.0), "bansos": ("non_emergency", 3.0),
    "bantuan sosial": ("non_emergency", 3.0), "tanya": ("non_emergency", 2.0),
    "informasi": ("non_emergency", 2.0), "iseng": ("non_emergency", 3.0),
    "coba": ("non_emergency", 2.0), "salah sambung": ("non_emergency", 3.0),
    "kepencet": ("non_emergency", 3.0), "jam buka": ("non_emergency", 2.0),
    "pengaduan": ("non_emergency", 1.0), "keluhan": ("non_emergency", 1.0),
    "aduan": ("non_emergency", 1.0), "complaint": ("non_emergency", 1.0),
    "parkir liar": ("non_emergency", 2.5), "pkl": ("non_emergency", 2.0),
    "pedagang kaki lima": ("non_emergency", 2.5), "selokan": ("non_emergency", 2.0),
    "mampet": ("non_emergency", 2.0), "mati lampu": ("non_emergency", 2.0),
    "listrik padam": ("non_emergency", 2.0), "pln": ("non_emergency", 1.5),
    "sinyal": ("non_emergency", 2.0), "internet": ("non_emergency", 2.0),
    "wifi": ("non_emergency", 2.0), "izin": ("non_emergency", 1.5),
    "pajak": ("non_emergency", 2.0), "pbb": ("non_emergency", 2.0), "bpjs": ("non_emergency", 1.5),
    "vaksin": ("non_emergency", 1.5), "terima kasih": ("non_emergency", 2.0),
    "makasih": ("non_emergency", 2.0), "pangkas": ("non_emergency", 2.0),
    "dipangkas": ("non_emergency", 2.0), "ranting": ("non_emergency", 1.0),
    "berisik": ("non_emergency", 2.0), "bising": ("non_emergency", 2.0),
    "macet": ("non_emergency", 1.5), "jadwal": ("non_emergency", 1.5),
    "bakar sampah": ("non_emergency", 2.5), "nomor": ("non_emergency", 2.0), "berapa nomor": ("non_emergency", 3.0),
    "mau tanya": ("non_emergency", 3.0), "cuma iseng": ("non_emergency", 3.0),
    "genangan": ("non_emergency", 1.5), "trotoar": ("non_emergency", 1.5),
    "kabel semrawut": ("non_emergency", 2.5),
    "panggilan kosong": ("non_emergency", 3.0), "tidak ada suara": ("non_emergency", 3.0),
    "silent call": ("non_emergency", 3.0), "wrong number": ("non_emergency", 3.0),
    "salah pencet": ("non_emergency", 3.0), "salah tekan": ("non_emergency", 3.0),
    "hilang": ("non_emergency", 1.0), "bangjo": ("non_emergency", 2.0),
    "traffic light": ("non_emergency", 2.0),
    "perbaiki": ("non_emergency", 2.0), "burning rubbish": ("non_emergency", 2.5),
    "burning leaves": ("non_emergency", 2.5), "bakar daun": ("non_emergency", 2.5),
    "kencang angin": ("disaster", 3.0), "angin besar": ("disaster", 3.0), "pohon": ("disaster", 1.0),
    "kekerasan": ("unrest", 3.0), "kekerasan dalam rumah tangga": ("unrest", 3.0),
    "ancam": ("unrest", 2.0), "percikan": ("fire", 1.5), "rawan": ("non_emergency", 2.0),
    "simulasi": ("non_emergency", 2.5), "takut nanti": ("non_emergency", 1.5),
    "nomor telepon": ("non_emergency", 2.5), "pohon miring": ("non_emergency", 1.5), "lapor": ("non_emergency", 0.5),
}

CUES: dict[tuple[str, ...], tuple[str, float]] = {
    tuple(SYNONYMS.get(_sq(w), _sq(w)) for w in phrase.split()): val
    for phrase, val in _CUES.items()
}
MAX_PHRASE = max(len(k) for k in CUES)

# canonical phrases that make an emergency priority 1
SEVERE: set[tuple[str, ...]] = {
    tuple(SYNONYMS.get(_sq(w), _sq(w)) for w in p.split())
    for p in (
        "terjebak", "pingsan", "tidak sadar", "tidak sadarkan diri", "tidak napas",
        "tidak bisa napas", "tenggelam", "meninggal", "korban jiwa", "sekarat",
        "serangan jantung", "stroke", "ledakan", "sajam", "senjata tajam", "bacok",
        "tusuk", "tembak", "culik", "sandera", "bunuh diri", "gantung diri", "kesetrum",
        "tersedak", "tertimbun", "hanyut", "merembet", "meluas", "banyak korban",
        "darah banyak", "banyak darah", "kejang", "tidak bergerak", "nyeri dada",
        "melahirkan", "bunuh", "tidak respon", "tidak merespon",
    )
}
# phrases that lower an emergency to priority 3 when nothing severe is present
MILD: set[tuple[str, ...]] = {
    tuple(SYNONYMS.get(_sq(w), _sq(w)) for w in p.split())
    for p in (
        "tidak ada korban", "tanpa korban", "sudah padam", "sudah dipadamkan", "luka ringan",
        "lecet", "kecil", "kemarin", "sudah aman", "sudah ditangani", "minggu lalu",
        "tadi malam", "semalam",
    )
}
# person words: a collapsing person is medical, a collapsing building is a disaster
_PERSON_WORDS = (
    "orang bapak ibu simbah mbah kakek nenek anak suami istri adik kakak tetangga pria "
        "wanita laki perempuan pak bu bude pakde mas mbak he she father mother pemuda warga "
    "lansia bayi ayah bapake ibuke tiyang garwa rayi putra lakek bine son daughter friend "
    "grandmother grandfather husband wife child boy girl emak mak mama papa teman temen "
    "pacar om tante"
)
PERSON: set[str] = {_sq(SYNONYMS.get(_sq(w), _sq(w))) for w in _PERSON_WORDS.split()}
NEGATORS: set[str] = {"tidak", "bukan", "tanpa", "belum"}
# an animal that bites, stings or attacks, or is inside with a child, is more urgent
ANIMAL_THREAT: set[str] = {"gigit", "sengat", "serang", "anak", "bayi", "rumah", "kamar", "dapur"}
# structures: "ambruk" next to one of these is a building collapse, not a person
STRUCTURE: set[str] = {
    "rumah", "atap", "tembok", "dinding", "pohon", "jembatan", "gedung", "bangunan", "tiang",
    "plafon", "genteng", "pagar", "kandang", "sekolah", "masjid", "toko", "gapura",
}

CUE_VOCAB: set[str] = (
    {w for k in CUES for w in k}
    | {w for k in SEVERE | MILD for w in k}
    | PERSON | NEGATORS | ANIMAL_THREAT | STRUCTURE
)

# frequent words that must never be "corrected" into a cue by the typo matcher
_COMMON = (
    "yang dan di ke dari ini itu ada untuk dengan saya kami kita mereka dia sudah "
        "lebih banyak sekali tadi sedang akan bisa mau minta tolong cepat segera depan "
        "belakang samping dekat sebelah banjar bantu bantuan pagi siang sore malam "
        "sekarang langsung karena tetapi tapi juga masih lagi baru lama besar kecil "
        "kena terus disini sana sini situ mohon pak bu mas mbak the and of to in on at is "
        "are was were there this that what please near next behind front kelurahan "
        "kecamatan desa kampung gang gg rt rw nomor blok perumahan pasar masjid sekolah "
        "kantor stasiun jembatan sungai simpang lampu merah jalanan rumahnya tengah "
        "warga lebih lewat kelihatan keluar masuk naik turun terlihat kayaknya sepertinya "
        "kayak seperti parah sampai sampe udah wis wes iki kuwi niku mriki mrene kene kono "
        "sebentar bener banget pol nemen akeh sithik bapak ibu mbah anake ngarep mburi "
        "lantai atas bawah kamar dapur kebun sawah lapangan gor toko warung pabrik gudang "
    # English words one typo away from a cue ("garage" ~ garbage, "hiding" ~ kidding)
    # must stay themselves, or "a python is hiding in the garage" reads as rubbish + prank.
        "garage garasi hiding hide hidden under inside outside my our your his her its "
        "they them"
)
COMMON_WORDS: set[str] = {_sq(w) for w in _COMMON.split()}
