"""Slot fillers for the corpus generator: places, people, vehicles, times, per language.

Written for this project from general knowledge of Kota Kediri and of how callers talk;
the place names are real streets and kelurahan, the rest is invented.
"""

from __future__ import annotations

LANGS: tuple[str, ...] = (
    "id_formal", "id_informal", "id_chat", "jv_ngoko", "jv_krama", "madurese", "en", "mixed",
)

LOC: dict[str, list[str]] = {
    "id": [
        "di Jalan Dhoho", "di dekat Pasar Setonobetek", "di Kelurahan Mojoroto", "di gang 3 Bandar Lor",
        "di depan SMPN 1 Kediri", "di Perumahan Griya Intan", "dekat Stasiun Kediri",
        "di Kelurahan Banjaran", "di Jalan Hayam Wuruk nomor 12", "di RT 04 RW 02 Tosaren",
        "di belakang Masjid Agung", "di Jalan Brawijaya", "dekat Jembatan Brawijaya",
        "di Semampir", "di Ngronggo", "di Jalan Kawi", "di Burengan", "di Jalan Veteran",
        "di Lirboyo dekat pondok", "di Campurejo", "di Sukorame", "di Jalan PK Bangsa",
        "di Dandangan", "di Balowerti", "di Kaliombo", "di Pesantren dekat pasar",
    ],
    "jv": [
        "neng dalan Dhoho", "cedhak pasar Setonobetek", "neng Mojoroto", "ning gang telu Bandar Lor",
        "ngarep SMP siji", "mburi masjid Agung", "cedhak stasiun", "neng Banjaran", "neng Tosaren",
        "neng Semampir", "ning Ngronggo", "neng Burengan", "cedhak jembatan Brawijaya",
        "neng Lirboyo", "neng Campurejo", "ning Sukorame", "neng Dandangan",
    ],
    "krama": [
        "wonten ing margi Dhoho", "celak peken Setonobetek", "wonten Mojoroto", "wonten Bandar Lor",
        "ngajeng sekolahan", "wingking masjid Agung", "celak stasiun", "wonten Banjaran",
        "wonten Tosaren", "wonten Semampir", "wonten Ngronggo", "wonten Burengan",
    ],
    "mad": [
        "e jalan Dhoho", "e dekat pasar Setonobetek", "e Mojoroto", "e Bandar Lor", "e adha'na masjid",
        "e budina sekolahan", "e Tosaren", "e Semampir", "e Ngronggo", "e Burengan", "e Lirboyo",
    ],
    "en": [
        "on Dhoho street", "near Setonobetek market", "in Mojoroto", "in Bandar Lor alley 3",
        "in front of the junior high school", "behind the big mosque", "near Kediri station",
        "in Banjaran", "on Hayam Wuruk street", "at the Brawijaya bridge", "in Semampir",
        "near the Brantas river", "in Burengan", "on Kawi street", "in Sukorame",
    ],
}
LOC["id_formal"] = LOC["id"]
LOC["id_informal"] = LOC["id"]
LOC["id_chat"] = LOC["id"]
LOC["jv_ngoko"] = LOC["jv"]
LOC["jv_krama"] = LOC["krama"]
LOC["madurese"] = LOC["mad"]
LOC["mixed"] = LOC["id"] + LOC["en"][:6]

WHO: dict[str, list[str]] = {
    "id_formal": ["bapak saya", "ibu saya", "tetangga saya", "seorang kakek", "seorang anak",
                  "suami saya", "nenek saya", "teman saya", "seorang pria", "seorang wanita",
                  "adik saya", "mertua saya"],
    "id_informal": ["bapakku", "emakku", "tetanggaku", "adekku", "temenku", "mbahku", "kakakku",
                    "ada bapak-bapak", "ada ibu-ibu", "anakku", "om saya", "pacarku"],
    "jv_ngoko": ["bapakku", "mbokku", "tanggaku", "adhiku", "simbahku", "bojoku", "kancaku",
                 "wong lanang", "wong wedok", "anakku", "pakdheku", "budheku"],
    "jv_krama": ["bapak kula", "ibu kula", "tangga kula", "simbah kula", "garwa kula",
                 "putra kula", "rayi kula", "tiyang sepuh"],
    "madurese": ["bapak engkok", "embuk engkok", "tetangga engkok", "ana' engkok",
                 "bine engkok", "lakek engkok", "oreng towa", "mbah engkok"],
    "en": ["my father", "my mother", "my neighbour", "an old man", "a child", "my husband",
           "my grandmother", "my friend", "a woman", "my son", "my daughter", "a young man"],
}
WHO["id_chat"] = WHO["id_informal"]
WHO["mixed"] = WHO["id_informal"] + ["my dad", "my mom", "bestie aku"]

VEH: dict[str, list[str]] = {
    "id": ["motor", "mobil", "truk", "angkot", "bus", "pikap", "sepeda motor", "minibus", "becak"],
    "jv": ["motor", "montor", "mobil", "truk", "angkot", "pikap", "sepedha", "becak"],
    "en": ["motorbike", "car", "truck", "bus", "minibus", "scooter", "van", "pickup"],
}
for _l in ("id_formal", "id_informal", "id_chat", "madurese", "mixed"):
    VEH[_l] = VEH["id"]
VEH["jv_ngoko"] = VEH["jv"]
VEH["jv_krama"] = VEH["jv"]

BUILDING: dict[str, list[str]] = {
    "id": ["rumah", "toko", "gudang", "warung", "ruko", "kos-kosan", "bengkel", "pabrik tahu",
           "dapur rumah", "kios"],
    "jv": ["omah", "toko", "gudang", "warung", "kos-kosan", "bengkel", "pawon"],
    "krama": ["griya", "toko", "gudang", "warung", "pawon"],
    "mad": ["bengko", "toko", "gudang", "warung", "dapor"],
    "en": ["house", "shop", "warehouse", "food stall", "garage", "factory", "kitchen",
           "boarding house"],
}
for _l in ("id_formal", "id_informal", "id_chat", "mixed"):
    BUILDING[_l] = BUILDING["id"]
BUILDING["jv_ngoko"] = BUILDING["jv"]
BUILDING["jv_krama"] = BUILDING["krama"]
BUILDING["madurese"] = BUILDING["mad"]

WHEN: dict[str, list[str]] = {
    "id": ["barusan", "sekarang", "baru saja", "tadi", "5 menit lalu", "sekitar 10 menit lalu", ""],
    "jv": ["saiki", "mau", "barusan", "lagi wae", "ket mau", ""],
    "krama": ["sakmenika", "wau", "nembe kemawon", ""],
    "mad": ["sateya", "gella'", "baru bae", ""],
    "en": ["just now", "right now", "a few minutes ago", "10 minutes ago", ""],
}
for _l in ("id_formal", "id_informal", "id_chat", "mixed"):
    WHEN[_l] = WHEN["id"]
WHEN["jv_ngoko"] = WHEN["jv"]
WHEN["jv_krama"] = WHEN["krama"]
WHEN["madurese"] = WHEN["mad"]
WHEN["en"] = WHEN["en"]

# greetings and fillers for long rambling texts; they appear in every category
OPENERS: dict[str, list[str]] = {
    "id_formal": ["Selamat malam, Pak. Mohon maaf mengganggu, saya mau melapor.",
                  "Halo, dengan 112? Saya ingin menyampaikan laporan.",
                  "Assalamualaikum, Bu, saya warga sini, mau memberi tahu sesuatu."],
    "id_informal": ["halo pak, maaf ganggu ya, jadi gini",
                    "permisi mas, aku mau ngomong, tadi tuh",
                    "pak pak halo, ini aku dari kampung sebelah, jadi ceritanya"],
    "id_chat": ["pagi min, mau lapor nih", "min tlg dong", "halo kak, sy mau info",
                "p p p", "misi min"],
    "jv_ngoko": ["halo pak, sepurane ngganggu, ngene lho", "mas mas, aku arep kandha",
                 "pak, iki aku wong kene, ngene"],
    "jv_krama": ["Nuwun sewu Pak, ngapunten ngganggu, kula badhe matur",
                 "Sugeng dalu Bu, kula badhe lapor"],
    "madurese": ["assalamualaikum pak, engkok terro lapor", "pak, maaf, engkok oreng dinna'"],
    "en": ["hello, sorry to bother you, I need to report something",
           "hi, is this 112? ok so", "good evening, I am calling because"],
    "mixed": ["halo pak sorry ganggu, jadi gini", "hi min, mau report nih",
              "pak, sorry ya, so basically"],
}
CLOSERS: dict[str, list[str]] = {
    "id_formal": ["Mohon segera ditindaklanjuti. Terima kasih.", "Saya tunggu kabarnya, Pak.",
                  "Nomor saya bisa dihubungi kapan saja."],
    "id_informal": ["cepetan ya pak", "aku tunggu di sini ya", "makasih pak"],
    "id_chat": ["mksh min", "ditunggu ya", "thx", "gpl ya min"],
    "jv_ngoko": ["ndang ya pak", "tak enteni neng kene", "suwun pak"],
    "jv_krama": ["Matur nuwun sanget.", "Kula tengga wonten mriki."],
    "madurese": ["sakalangkong pak", "engkok anteh e dinna'"],
    "en": ["please hurry", "thank you", "I'll wait here"],
    "mixed": ["thanks ya pak", "please cepetan", "makasih, ditunggu ya"],
}

# WhatsApp shorthand callers really type: word -> abbreviation
CHAT_ABBREV: dict[str, list[str]] = {
    "yang": ["yg"], "dekat": ["dkt", "deket"], "saya": ["sy", "aq", "gw"], "banget": ["bgt"],
    "rumah": ["rmh"], "tidak": ["gk", "ga", "tdk", "gak"], "sudah": ["udh", "udah", "sdh"],
    "tolong": ["tlg", "tolongin"], "sekarang": ["skrg"], "dengan": ["dgn"], "karena": ["krn"],
    "juga": ["jg"], "bapak": ["bpk"], "jalan": ["jln", "jl"], "belum": ["blm"],
    "cepat": ["cpt", "gpl"], "orang": ["org"], "terima kasih": ["makasih", "mksh", "tq"],
    "kayaknya": ["kyknya"], "nggak": ["gk", "ngga"], "aja": ["aj"], "gimana": ["gmn"],
    "sama": ["sm"], "lagi": ["lg"], "banyak": ["byk"], "kalau": ["klo", "kl"], "ada": ["ad"],
    "di depan": ["dpn"], "depan": ["dpn"], "belakang": ["blkg"], "mau": ["mo"], "tapi": ["tp"],
    "bisa": ["bs"], "segera": ["sgr"], "anak": ["ank"], "kebakaran": ["kbakaran"],
}
