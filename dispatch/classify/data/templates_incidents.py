"""Incident templates for the corpus generator: category -> language -> templates.

One line is one template (a group: every text made from it lands in the same split).
Slots: {loc} place, {who} person, {veh}/{veh2} vehicles, {bld} building, {when} time.
Written for this project; no line is copied from elsewhere.
"""

from __future__ import annotations

T: dict[str, dict[str, str]] = {}

T["fire"] = {
    "id_formal": """
Telah terjadi kebakaran {bld} {loc}, api masih membesar.
Mohon bantuan pemadam kebakaran, {bld} {loc} terbakar {when}.
Ada asap tebal keluar dari {bld} {loc}, sepertinya terjadi kebakaran.
Kebakaran lahan kosong {loc}, apinya sudah mendekati permukiman warga.
Tabung gas elpiji meledak di {bld} {loc}, sekarang api menyala.
Korsleting listrik menyebabkan {bld} {loc} terbakar, penghuni masih di dalam.
Saya melihat api dari atap {bld} {loc}, mohon kirim mobil damkar.
Terjadi kebakaran hebat di pasar {loc}, beberapa kios sudah hangus.
Gas bocor di dapur {bld} {loc}, baunya menyengat dan ada percikan api.
Kendaraan terbakar di pinggir jalan {loc}, apinya besar.
""",
    "id_informal": """
tolong pak ada {bld} kebakaran {loc}, apinya gede banget
{bld} tetangga kebakaran {loc}, asapnya item pekat
ada api dari {bld} {loc}, orang-orang pada panik
kompor meledak di {bld} {loc}, sekarang apinya nyamber ke atap
kebakaran {loc} pak, cepetan kirim damkar
kabel listrik korslet terus {bld} {loc} kebakar
gudang kayu {loc} kebakaran, apinya udah merembet ke rumah sebelah
motor kebakaran di pom bensin {loc}
asap tebel banget dari {bld} {loc}, kayaknya ada yang kebakar di dalem
lahan tebu {loc} kebakaran, anginnya kenceng jadi apinya meluas
""",
    "id_chat": """
tlg min ad kbakaran {loc} apinya gede bgt
{bld} sy kebakaran {loc} tlg cpt
min ad asap item dr {bld} {loc} kyknya kebakaran
kbakaran!!! {loc} gpl damkar
sy liat api di {bld} {loc} udh gede
""",
    "jv_ngoko": """
tulung pak, {bld} {loc} kobong, genine gedhe
ana kobongan {loc}, kebule ireng
{bld} tanggaku kobong {when}, wonge isih neng njero
kompor mbledos neng pawon {loc}, genine nyamber
geni gedhe teka {bld} {loc}, ndang kirim pemadam
kabel konslet, {bld} {loc} dadi kobong
""",
    "jv_krama": """
Nuwun sewu, {bld} {loc} kobong, latu ageng sanget
Wonten kebakaran {loc}, mohon dipun kintuni damkar
Pawon griya kula kobong {when}, mbok bilih saking kompor
Kebulipun ireng saking {bld} {loc}, kados wonten kebakaran
""",
    "madurese": """
tolong pak, bada apoy e {bld} {loc}, kabakaran raje
bengko tetangga engkok kabakaran {loc}
bada kabakaran {loc}, apoyna raje, cepet kirim damkar
kompor mbledhos e dapor {loc}, apoyna ngobar
""",
    "en": """
there is a fire at a {bld} {loc}, flames everywhere
my neighbour's {bld} is on fire {loc}, please send firefighters
thick black smoke coming out of a {bld} {loc}, I think it is burning
a gas cylinder exploded in a {bld} {loc} and now it is on fire
the roof of the {bld} {loc} caught fire {when}
a car is burning by the road {loc}
electrical short circuit started a fire in our {bld} {loc}
""",
    "mixed": """
pak ada fire di {bld} {loc}, apinya big banget
tolong, {bld} {loc} on fire, asapnya hitam
guys ada kebakaran {loc}, please call damkar asap
{bld} sebelah kebakar, the flames udah ke atap {loc}
""",
}

T["traffic_accident"] = {
    "id_formal": """
Terjadi kecelakaan lalu lintas antara {veh} dan {veh2} {loc}, ada korban luka.
Mohon bantuan, {veh} menabrak pejalan kaki {loc}.
Kecelakaan tunggal, pengendara {veh} terjatuh {loc} dan tidak bergerak.
{veh} terguling {loc}, sopirnya terjepit di dalam.
Ada tabrak lari {loc}, korbannya tergeletak di pinggir jalan.
Tabrakan beruntun tiga kendaraan {loc}, lalu lintas tersendat.
Seorang pengendara {veh} menabrak tiang listrik {loc}.
Saya menyaksikan {veh} ditabrak {veh2} di perempatan {loc}.
{veh} tergelincir di tikungan {loc}, dua orang terluka.
Pengendara {veh} jatuh setelah menghindari lubang {loc}, kepalanya berdarah.
""",
    "id_informal": """
pak ada tabrakan {veh} sama {veh2} {loc}, orangnya berdarah
{veh} nabrak orang nyebrang {loc}, cepetan pak
ada yang jatuh dari {veh} {loc}, nggak bangun-bangun
{veh} kebalik {loc}, sopirnya kejepit
tadi ada tabrak lari {loc}, korbannya masih di jalan
{who} ketabrak {veh} {loc}, kakinya kayaknya patah
{veh} nyungsep ke selokan {loc}, ada korban
kecelakaan {loc} pak, rame banget, butuh ambulans
{veh} oleng terus nabrak pembatas jalan {loc}
anak sekolah keserempet {veh} {loc}, lututnya luka
""",
    "id_chat": """
min ad kecelakaan {veh} vs {veh2} {loc} korban byk
tlg {who} ketabrak {veh} {loc} skrg
lakalantas {loc} min, korbannya gk sadar
ad tabrakan dkt {loc} gpl ya
{veh} nabrak org {loc} tlg ambulans
""",
    "jv_ngoko": """
ana tabrakan {veh} karo {veh2} {loc}, wonge getihen
{who} ketabrak {veh} {loc}, ora iso tangi
{veh} ngguling {loc}, sopire kejepit
ana wong tiba saka {veh} {loc}, sirahe bocor
tabrakan neng prapatan {loc}, cepet kirim ambulans
{veh} nubruk wong nyabrang {loc}
""",
    "jv_krama": """
Wonten tabrakan {veh} kaliyan {veh2} {loc}, korbanipun rahipun medal
{who} katabrak {veh} {loc}, mboten saged tangi
Wonten tiyang dhawah saking {veh} {loc}, mbok bilih patah
{veh} ngguling {loc}, sopiripun kejepit
""",
    "madurese": """
bada tabrakan {veh} bik {veh2} {loc}, oreng la berdarah
{who} etabrak {veh} {loc}, tak bisa ngadek
{veh} ngguling {loc}, sopirna kejepit
bada kecelakaan {loc} pak, cepet ambulans
""",
    "en": """
there has been a crash between a {veh} and a {veh2} {loc}, people are hurt
a {veh} hit a pedestrian {loc}
a {veh} overturned {loc} and the driver is trapped
hit and run {loc}, the victim is lying on the road
{who} was knocked down by a {veh} {loc}
a motorcyclist fell off {loc} and is not moving
three cars collided {loc}, one person bleeding
""",
    "mixed": """
ada accident {loc}, {veh} vs {veh2}, korbannya bleeding
{who} kena hit {veh} {loc}, please kirim ambulance
{veh} crash {loc} pak, sopirnya stuck di dalam
tadi ada tabrakan, the rider jatuh {loc}
""",
}

T["disaster"] = {
    "id_formal": """
Banjir setinggi lutut masuk ke rumah warga {loc}.
Pohon besar tumbang menimpa rumah {loc}, jalan tertutup.
Terjadi tanah longsor {loc}, beberapa rumah tertimbun.
Angin puting beliung merusak atap puluhan rumah {loc}.
Sungai Brantas meluap, air mulai masuk permukiman {loc}.
Tanggul jebol {loc}, warga perlu dievakuasi.
Atap sekolah ambruk akibat hujan deras {loc}.
Gempa terasa cukup kuat {loc}, dinding rumah retak.
Hujan abu dari Gunung Kelud turun {loc}, jarak pandang sangat terbatas.
Jembatan bambu hanyut terbawa arus {loc}.
""",
    "id_informal": """
banjir pak {loc}, airnya udah sepinggang
pohon gede tumbang nimpa rumah {loc}
angin kenceng banget, atap rumah pada terbang {loc}
ada longsor {loc}, jalannya ketutup tanah
air kali meluap, rumah-rumah {loc} kebanjiran
tembok rumah ambruk abis hujan deres {loc}
barusan ada gempa, rumahku retak-retak {loc}
pohon tumbang nutup jalan {loc}, kabel listrik ikut putus
tiang listrik roboh kena angin {loc}
""",
    "id_chat": """
min banjir {loc} udh selutut
pohon tumbang {loc} nutup jln tlg
angin puting beliung {loc} atap rmh pd rusak
longsor dkt {loc} min gpl
air kali meluap {loc} rmh sy kebanjiran
""",
    "jv_ngoko": """
banjir neng {loc}, banyune wis mlebu omah
wit gedhe tumbang {loc}, nutup dalan
ana lesus {loc}, gentenge omah mabur kabeh
lemahe longsor {loc}, omah loro ketimbun
kali meluap, banyune mlebu omah {loc}
omahku ambruk kena angin {loc}
""",
    "jv_krama": """
Wonten banjir {loc}, toyanipun sampun mlebet griya
Wit ageng tumbang {loc}, margi katutup
Wonten angin ageng, griya kathah ingkang rusak {loc}
Siti longsor {loc}, griya kula ketimbun
""",
    "madurese": """
bada banjir {loc}, aengna la masok bengko
kajuh raje tumbang {loc}, nutup jalan
bada angin raje, bengko bennyak se rusak {loc}
tana longsor {loc}, bengko ketimbun
""",
    "en": """
flooding {loc}, water is knee deep inside the houses
a big tree fell on a house {loc} and blocks the road
landslide {loc}, two houses buried
a tornado tore the roofs off houses {loc}
the river has overflowed and is flooding homes {loc}
the wall of a school collapsed after heavy rain {loc}
strong earthquake just now, cracks in the walls {loc}
""",
    "mixed": """
banjir parah {loc}, water udah masuk rumah
ada tree tumbang {loc}, block the road
angin kenceng banget, roof rumah pada rusak {loc}
landslide {loc} pak, jalannya ketutup tanah
""",
}

T["animal_disturbance"] = {
    "id_formal": """
Ada ular kobra masuk ke dalam rumah {loc}.
Sarang tawon besar di atap rumah {loc}, sudah ada warga yang tersengat.
Monyet liar masuk permukiman {loc} dan mengganggu anak-anak.
Anjing liar menggigit seorang anak {loc}, diduga rabies.
Ada biawak besar di kamar mandi rumah {loc}.
Ular sanca sepanjang tiga meter ditemukan di selokan {loc}.
Sapi lepas mengamuk di jalan {loc}.
Seekor buaya terlihat di pinggir sungai {loc}.
Tolong evakuasi kucing yang terjebak di atas pohon tinggi {loc}.
Lebah menyerang warga {loc}, beberapa orang tersengat.
""",
    "id_informal": """
pak ada uler gede masuk rumah {loc}
ada sarang tawon di plafon {loc}, anakku kesengat
monyet ngamuk di kampung {loc}, nyolong makanan
anjing gila gigit orang {loc}
ada biawak di dapur {loc}, takut banget
ular masuk kamar anakku {loc}, tolong evakuasi
ada kawanan lebah nyerang orang {loc}
kucing nyangkut di tiang listrik {loc}, udah dua hari
""",
    "id_chat": """
min ad ular msk rmh {loc} tlg
sarang tawon gede bgt {loc} ank sy kesengat
ad monyet liar {loc} ganggu warga
anjing liar gigit ank kecil {loc} min
""",
    "jv_ngoko": """
ana ula mlebu omah {loc}, gedhe banget
tawon ndas nggawe susuh neng empyak {loc}
kethek mlebu kampung {loc}, nyolong panganan
asu edan nyokot bocah {loc}
ana ula neng pawon {loc}, tulung diusir
""",
    "jv_krama": """
Wonten ula mlebet griya kula {loc}
Wonten susuh tawon ageng wonten empyak {loc}
Wonten kethek ngganggu warga {loc}
Segawon nyakot lare alit {loc}
""",
    "madurese": """
bada olar masok bengko {loc}
bada sarang tawon e attas bengko {loc}, ana' engkok ekeddhung
bada kethek ganggu oreng {loc}
pate' gila ngekke' ana' kene' {loc}
""",
    "en": """
a snake got into our house {loc}
there is a big wasp nest under the roof {loc}, my son got stung
wild monkeys are attacking people {loc}
a stray dog bit a child {loc}, it may have rabies
a monitor lizard is in the bathroom {loc}
a cobra is hiding in the kitchen {loc}
a swarm of bees is attacking people {loc}
""",
    "mixed": """
ada snake masuk rumah {loc}, gede banget
tawon nest di atap {loc}, anakku kena sting
monkey liar ganggu warga {loc}
ada cobra di kamar {loc}, please help
""",
}

T["unrest"] = {
    "id_formal": """
Terjadi tawuran pelajar {loc}, beberapa membawa senjata tajam.
Ada pencurian sepeda motor {loc}, pelakunya masih di sekitar.
Seorang wanita dijambret {loc}, pelaku kabur ke arah utara.
Saya melihat perampokan di toko emas {loc}.
Ada perkelahian antar pemuda {loc}, satu orang terluka.
Suami saya memukul saya dan mengancam dengan pisau.
Terjadi keributan orang mabuk {loc}, mereka merusak warung.
Ada pria mencurigakan membawa golok {loc}.
Rumah saya kemalingan {when}, pintunya dibobol.
Demo berujung ricuh {loc}, massa melempar batu.
""",
    "id_informal": """
ada tawuran {loc} pak, pada bawa celurit
motorku dicolong {loc}, malingnya lari
tadi ada begal {loc}, korbannya dipukulin
ada orang berantem {loc}, rame banget
ada yang mabok ngamuk-ngamuk {loc}, bawa botol
suamiku mukul aku pakai kayu, aku takut pulang
bapak tiriku nampar ibu terus, sekarang ngamuk lagi
hp ku dijambret {loc}, pelakunya pake motor
ada maling masuk rumah {loc}, masih di dalem kayaknya
cowok-cowok dikeroyok {loc}
""",
    "id_chat": """
min ad tawuran {loc} byk yg bawa sajam
tlg ad maling di rmh sy {loc}
sy dijambret {loc} tlg
suami sy mukul sy pake kayu tlg
ad org berantem dkt {loc} gpl
""",
    "jv_ngoko": """
ana wong gelut {loc}, nggawa clurit
omahku dimaling {when}, malinge isih neng cedhak
bojoku nggebuki aku nganggo kayu
ana begal {loc}, korbane digebuki
bocah-bocah tawuran {loc}
ana wong mendem ngamuk {loc}
""",
    "jv_krama": """
Wonten tiyang gelut {loc}, mbeta clurit
Griya kula kemalingan {when}
Garwa kula ngantem kula ngagem kajeng
Wonten begal {loc}, korbanipun dipun antemi
""",
    "madurese": """
bada carok {loc}, oreng gellut ngebe clurit
bengko engkok ekamalengan {when}
lakek engkok mokol engkok ngangguy kaju
bada maleng {loc}, tolong pak
""",
    "en": """
a gang of teenagers are fighting with machetes {loc}
someone broke into my house {loc} and the thief is still nearby
my husband is beating me, please send the police
a woman had her bag snatched {loc}
there is an armed robbery at the gold shop {loc}
drunk men are smashing a food stall {loc}
a brawl broke out {loc}, one man stabbed
""",
    "mixed": """
ada fight {loc}, pada bawa sajam
my motor dicuri {loc}, thief-nya kabur
suamiku hit me pakai kayu, please help
ada robbery di toko {loc}
""",
}

T["medical"] = {
    "id_formal": """
{who} pingsan dan tidak sadarkan diri {loc}.
{who} mengalami sesak napas berat, mohon kirim ambulans.
{who} kejang-kejang dan demam tinggi.
Istri saya akan melahirkan, ketubannya sudah pecah.
{who} mengeluh nyeri dada hebat dan keringat dingin.
Ada orang tenggelam di sungai {loc}.
{who} terjatuh di kamar mandi, kepalanya berdarah.
{who} diduga terkena stroke, mulutnya mencong dan tidak bisa bicara.
Seorang pekerja kesetrum listrik {loc}.
{who} overdosis obat, sekarang muntah-muntah.
""",
    "id_informal": """
{who} pingsan {loc}, nggak bangun-bangun
{who} sesek napas, tolong ambulans
anakku kejang, panasnya tinggi banget
istriku mau lahiran, udah kontraksi
{who} jatuh dari tangga, berdarah terus
{who} tiba-tiba lemes terus ambruk {loc}
ada anak tenggelam di kolam {loc}
{who} keselek makanan, nggak bisa napas
{who} dadanya sakit banget dari tadi
{who} kesetrum pas benerin kabel
""",
    "id_chat": """
tlg {who} pingsan {loc}
min {who} sesak napas gk bs napas
ank sy kejang dmm tinggi
istri sy mau lahiran skrg
{who} jatuh kepala berdarah tlg ambulans
""",
    "jv_ngoko": """
{who} semaput {loc}, ora tangi-tangi
{who} ambegane sesek, tulung ambulans
anakku kejet-kejet, awake panas
bojoku arep babaran, ketubane wis pecah
{who} tiba neng kamar mandi, sirahe getihen
{who} keselek, ora iso ambegan
""",
    "jv_krama": """
{who} semaput {loc}, mboten sadar
{who} sesek napasipun, nyuwun ambulans
Garwa kula badhe nglairaken, ketubanipun sampun pecah
{who} dhawah wonten kamar mandi, mustakanipun medal rah
""",
    "madurese": """
{who} pengsan {loc}, tak sadar
{who} sesek napas, tolong ambulans
ana' engkok kejang, panas raje
bine engkok terro ngalahirragi, la kontraksi
""",
    "en": """
{who} collapsed and is unconscious {loc}
{who} cannot breathe properly, please send an ambulance
my baby is having a seizure and has a high fever
my wife is in labour, her water broke
{who} has severe chest pain
someone is drowning in the river {loc}
{who} fell down the stairs and is bleeding from the head
""",
    "mixed": """
{who} pingsan {loc}, please send ambulance
{who} susah breathing, tolong cepet
my baby kejang, panas tinggi
{who} chest pain parah dari tadi
""",
}

T["non_emergency"] = {
    "id_formal": """
Saya ingin bertanya tentang jadwal pembuatan KTP elektronik.
Lampu penerangan jalan {loc} mati sudah satu minggu.
Sampah di TPS {loc} belum diangkut selama tiga hari.
Air PDAM di rumah saya tidak mengalir sejak pagi.
Jalan berlubang {loc} sering menyebabkan kecelakaan, mohon diperbaiki.
Bukan kebakaran, hanya warga membakar sampah {loc}.
Maaf, tadi saya salah tekan nomor.
Panggilan kosong, tidak ada suara dari penelepon.
Saya kehilangan dompet {loc}, bagaimana cara melapor?
Saya mau menanyakan nomor telepon rumah sakit terdekat.
""",
    "id_informal": """
mau nanya dong, bikin kk baru syaratnya apa aja
lampu jalan {loc} mati terus, gelap banget kalo malem
sampah numpuk {loc}, baunya nggak nahan
air pdam mati lagi nih dari kemarin
jalan rusak {loc} bikin motor sering jatuh, kapan dibenerin
bukan kebakaran kok pak, cuma tetangga bakar sampah
maaf pak, anakku mainan hp, kepencet
cuma iseng pak, hehe
dompetku ilang {loc}, kira-kira bisa lapor ke mana
halo halo... nggak ada suaranya
tadi kecelakaan kecil tapi udah damai, nggak ada yang luka, cuma mau lapor aja
""",
    "id_chat": """
min mau tny bansos kpn cair
lampu pju dkt {loc} mati min
sampah blm diangkut 3 hari {loc}
air pdam gk ngalir dr pagi
bkn kebakaran min cm bakar sampah
sori kepencet min
tes tes cm nyoba
""",
    "jv_ngoko": """
pak, arep takon carane ngurus ktp
lampu dalan {loc} mati, peteng ndhedhet
sampah numpuk {loc} durung diangkut
banyu pdam mati wiwit esuk
dudu kobongan pak, mung wong ngobong sampah
sepurane pak, kepencet
dalane bolong {loc}, wis akeh sing tiba, tulung didandani
""",
    "jv_krama": """
Nuwun sewu, kula badhe nyuwun pirsa babagan KTP
Lampu margi {loc} pejah sampun seminggu
Sampah {loc} dereng dipun pendhet
Toya PDAM mboten mili wiwit enjing
Ngapunten, kepencet, mboten wonten menapa-menapa
""",
    "madurese": """
pak engkok terro tanya caranah ngurus ktp
lampu jalan {loc} mate
sampah numpuk {loc}, tak eangkut
aeng pdam tak ngalir
bukan kabakaran pak, pas oreng nono' sampah
""",
    "en": """
i lost my wallet {loc}, where can i report it
the street light {loc} has been broken for a week
garbage has not been collected {loc} for days
no water from the tap since this morning
the potholes {loc} cause accidents, please fix the road
it is not a fire, just someone burning leaves
sorry, wrong number
just testing the line
what are the opening hours of the civil registry office
""",
    "mixed": """
mau tanya dong, how to bikin KTP baru
lampu jalan {loc} mati, so dark at night
sampah numpuk {loc}, smells so bad
bukan fire kok, cuma bakar sampah
sorry pak kepencet, nggak ada apa-apa
""",
}

# second batch: more ways of saying it, so the model meets words beyond the first batch
_MORE: dict[str, dict[str, str]] = {
    "fire": {
        "id_informal": "kos-kosan {loc} kebakaran, anak kos pada lari keluar\nada bau hangus terus api dari plafon {bld} {loc}",
        "en": "the kitchen of a {bld} {loc} is in flames and spreading\nsparks from the power line set a {bld} on fire {loc}",
        "jv_krama": "Latu medal saking payon {bld} {loc}, nyuwun pitulungan",
        "madurese": "bada asep celleng deri {bld} {loc}, apoyna la raje",
    },
    "traffic_accident": {
        "en": "a {veh} ran over a cyclist {loc}\na {veh} skidded and crashed into a shop {loc}, the rider is injured",
        "id_formal": "Bus masuk jurang di tikungan {loc}, banyak penumpang terluka.\nPengendara {veh} tertabrak kereta di perlintasan {loc}.",
        "jv_krama": "{veh} nabrak tiyang mlampah {loc}, korbanipun tatu",
        "madurese": "{veh} nabrak oreng {loc}, oreng ruah la tak sadar",
    },
    "disaster": {
        "en": "strong winds blew down trees and power lines {loc}\nthe road {loc} has caved in after the flood",
        "id_informal": "atap sekolah ambruk kena angin {loc}, ada murid di dalam\nbanjir bandang {loc}, mobil-mobil kebawa arus",
        "jv_krama": "Toya kali mbludag {loc}, griya-griya kebanjiran",
        "madurese": "aeng songai la masok bengko {loc}, banjir raje",
    },
    "animal_disturbance": {
        "en": "an aggressive dog is chasing children {loc}\nthere is a crocodile in the river {loc} near the houses",
        "id_informal": "kalajengking gede di kamar anakku {loc}\nada babi hutan ngamuk masuk kebun warga {loc}",
        "jv_krama": "Wonten ula ageng wonten kamar {loc}, nyuwun dipun pendhet",
        "madurese": "bada olar raje e dapor {loc}, tolong pak",
    },
    "unrest": {
        "en": "my husband is hitting me and the children\nmen with knives are threatening people {loc}\na thief snatched my phone {loc}",
        "id_informal": "bapakku dipukulin orang tak dikenal {loc}\nistriku dipukul mantannya, sekarang dia masih di depan rumah",
        "jv_krama": "Wonten tiyang ngamuk mbeta bendho {loc}",
        "madurese": "bada oreng atokaran ngebe clurit {loc}",
        "id_formal": "Terjadi kekerasan dalam rumah tangga di rumah tetangga saya {loc}.",
    },
    "medical": {
        "en": "{who} slipped in the bathroom and hit their head, there is blood\n{who} is having a stroke, face drooping\n{who} has a bad asthma attack",
        "jv_krama": "{who} gerah, dadanipun sakit sanget, nyuwun ambulans\n{who} dhawah saking andha, sukunipun patah",
        "id_informal": "{who} kepleset di kamar mandi, kepalanya bocor\n{who} muntah darah dari tadi",
        "madurese": "{who} labu e kamar mandi, cethakna berdarah",
        "jv_ngoko": "{who} tiba saka undhak-undhakan, sikile patah",
    },
    "non_emergency": {
        "en": "what is the phone number of the fire department\nI want to thank the ambulance crew\nthe fire drill at our office is tomorrow, just letting you know",
        "id_formal": "Mohon informasi nomor pengaduan PLN.\nSaya hanya ingin menanyakan status laporan saya kemarin.",
        "id_informal": "tadi ularnya udah pergi sendiri kok pak, makasih\nnanya doang, damkar bisa bantu ambil cincin nyangkut nggak",
        "jv_krama": "Kula namung nyuwun pirsa nomer telpon rumah sakit",
        "madurese": "engkok pas terro tanya nomer ambulans",
        "jv_ngoko": "aku mung takon, nomer pemadam piro",
    },
}
for _cat, _by in _MORE.items():
    for _lang, _lines in _by.items():
        T[_cat][_lang] = T[_cat].get(_lang, "") + "\n" + _lines + "\n"

# third batch: English and krama, the languages the first two batches served least
_EN_KRAMA: dict[str, dict[str, str]] = {
    "fire": {
        "en": "help, our {bld} is burning {loc}\nI can see flames and smoke from the roof of a {bld} {loc}\nfire {loc}, the whole {bld} is burning, send the fire brigade\nthe market stalls {loc} are on fire",
        "jv_krama": "Griya tangga kula kobong, latunipun sampun ageng\nWonten kebakaran peken {loc}, kios kathah ingkang kobong",
    },
    "traffic_accident": {
        "en": "a motorbike crashed into a car {loc}, the rider is lying on the road\nthere was a bad accident {loc}, a truck hit two motorbikes\nmy son was hit by a car on his way to school {loc}\na minibus crashed {loc} and people are injured",
        "jv_krama": "Wonten kecelakaan {loc}, motor kaliyan truk tabrakan\nPutra kula katabrak mobil {loc}, sukunipun tatu",
    },
    "disaster": {
        "en": "our street {loc} is flooded and the water keeps rising\na tree came down on the power lines {loc}\nthe roof of a house {loc} collapsed in the storm\nthe river burst its banks {loc}",
        "jv_krama": "Wonten banjir ageng {loc}, warga nyuwun dipun evakuasi\nAngin ageng ndadosaken wit tumbang {loc}",
    },
    "animal_disturbance": {
        "en": "a big snake is in my kitchen {loc}\nbees have a nest in our roof and they are stinging people\na wild boar is running around the village {loc}\na rabid dog is loose {loc}",
        "jv_krama": "Wonten tawon ageng ing griya kula, lare kula dipun sengat\nWonten segawon galak ngoyak lare {loc}",
    },
    "unrest": {
        "en": "there is a fight {loc}, someone has a knife\nmy ex-husband is beating me, please send the police\na group of men robbed a shop {loc}\nsomeone is breaking into the house next door {loc}",
        "jv_krama": "Wonten maling mlebet griya {loc}\nWonten tiyang gelut {loc}, satunggal tatu",
    },
    "medical": {
        "en": "{who} fainted and is not waking up\n{who} is bleeding heavily after falling\n{who} has a very high fever and is shaking\n{who} took too many pills and is vomiting",
        "jv_krama": "{who} sesak napas lan mboten saged ngendika\n{who} kejang, badanipun panas sanget",
    },
    "non_emergency": {
        "en": "sorry, my phone called by itself\nI would like to ask how to get a new identity card\nthe rubbish by the road {loc} has not been picked up\ncan I get information about the vaccination schedule\nnobody is talking, just background noise on the line",
        "jv_krama": "Ngapunten, kula namung badhe nyuwun informasi\nSampah {loc} dereng dipun pendhet sampun seminggu",
    },
}
for _cat, _by in _EN_KRAMA.items():
    for _lang, _lines in _by.items():
        T[_cat][_lang] = T[_cat].get(_lang, "") + "\n" + _lines + "\n"
