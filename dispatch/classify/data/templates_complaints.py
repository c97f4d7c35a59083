"""Complaint templates for the routing corpus: OPD code (Kota Kediri pack) -> templates.

Each line: language | template. Slots as in the incident templates ({loc}, {when}).
KOORDINATOR holds only what no department of the pack owns (noise between neighbours,
general praise, several departments at once): the coordinator must dispose those by hand.
"""

from __future__ import annotations

C: dict[str, str] = {}

C["PUPR"] = """
id_formal|Jalan {loc} rusak parah dan berlubang, mohon segera diperbaiki.
id_formal|Saluran drainase {loc} tersumbat sehingga air menggenang saat hujan.
id_formal|Aspal {loc} mengelupas dan membahayakan pengendara.
id_formal|Gorong-gorong {loc} ambrol, mohon diperbaiki sebelum musim hujan.
id_informal|jalan {loc} bolong-bolong, tiap hujan kayak kolam
id_informal|selokan {loc} mampet, airnya meluber ke jalan
id_informal|trotoar {loc} pecah-pecah, susah buat jalan kaki
id_informal|jembatan kecil {loc} udah retak, takut ambrol
id_chat|jln {loc} rusak bgt min kpn diperbaiki
id_chat|got dkt rmh sy mampet min, bau dan banjir kl hujan
jv_ngoko|dalan {loc} bolong gedhe, tulung didandani
jv_ngoko|gorong-gorong {loc} buntu, banyune ngembeng
jv_krama|Margi {loc} risak, nyuwun dipun dandosi
madurese|jalan {loc} rusak, bennyak lobang
en|the road {loc} is full of potholes, please repair it
en|the drain {loc} is blocked and the street floods every time it rains
en|the pavement {loc} is broken
mixed|jalan {loc} rusak parah, potholes everywhere
mixed|drainase {loc} clogged, tiap hujan banjir genangan
"""

C["DLH"] = """
id_formal|Sampah di TPS {loc} menumpuk dan belum diangkut selama seminggu.
id_formal|Ada pembuangan limbah pabrik ke sungai {loc}, airnya berbau.
id_formal|Pohon di taman {loc} sudah terlalu rimbun dan perlu dipangkas.
id_formal|Pohon tumbang {loc} sejak kemarin belum dibersihkan, batangnya masih di pinggir jalan.
id_formal|Warga membakar sampah setiap hari {loc}, asapnya mengganggu.
id_informal|sampah numpuk {loc}, baunya nggak ketulungan
id_informal|truk sampah nggak lewat-lewat {loc} udah 5 hari
id_informal|ranting pohon {loc} udah nyentuh kabel, minta dipangkas
id_informal|taman kota {loc} kotor banget, banyak sampah plastik
id_chat|sampah blm diangkut {loc} min bau bgt
id_chat|pohon tumbang kmrn {loc} blm dibersihin min
jv_ngoko|sampah {loc} numpuk, mambu banget
jv_ngoko|wit neng pinggir dalan {loc} wis ngrembuyung, njaluk dipangkas
jv_krama|Sampah {loc} dereng dipun pendhet, gandanipun mboten sekeca
madurese|sampah {loc} numpuk, bauna tak ekennal
en|garbage at the collection point {loc} has not been picked up for a week
en|a fallen tree {loc} has been lying there since yesterday, please clear it
en|a factory is dumping waste into the river {loc}
mixed|sampah numpuk {loc}, smells so bad
mixed|pohon di taman {loc} perlu trimming, udah kegedean
"""

C["DISHUB"] = """
id_formal|Lampu penerangan jalan umum {loc} mati sejak tiga hari lalu.
id_formal|Lampu lalu lintas di perempatan {loc} tidak berfungsi.
id_formal|Banyak parkir liar {loc} yang membuat jalan macet.
id_formal|Rambu lalu lintas {loc} roboh dan tidak terlihat.
id_informal|lampu jalan {loc} mati, gelap banget kalo malem
id_informal|bangjo {loc} mati, pada nyerobot semua
id_informal|traffic light {loc} rusak, lampu merahnya nggak nyala
id_informal|jukir liar {loc} narik duit seenaknya
id_informal|pju depan masjid {loc} kedip-kedip terus
id_chat|lampu pju {loc} mati min
id_chat|bangjo dkt {loc} mati min rawan
jv_ngoko|lampu dalan {loc} mati, peteng
jv_ngoko|bangjo {loc} ora murub
jv_krama|Lampu margi {loc} pejah, nyuwun dipun dandosi
madurese|lampu jalan {loc} mate, peteng
en|the street lights {loc} are out
en|the traffic lights at the junction {loc} are broken
en|illegal parking attendants {loc} charge too much
mixed|lampu jalan {loc} mati, so dark
mixed|traffic light {loc} error, lampunya kedip terus
"""

C["PDAM"] = """
id_formal|Air PDAM di rumah saya tidak mengalir sejak kemarin.
id_formal|Pipa air bocor {loc}, air terbuang ke jalan.
id_formal|Air dari keran keruh dan berbau.
id_formal|Tagihan air bulan ini tidak wajar, meteran air sepertinya rusak.
id_informal|air pdam mati lagi, udah dua hari
id_informal|airnya keluar kecil banget, nggak bisa buat mandi
id_informal|ada pipa pecah {loc}, airnya muncrat
id_informal|air kran kuning kayak teh
id_chat|air pdam gk ngalir dr pagi min
id_chat|pipa bocor {loc} min air muncrat
jv_ngoko|banyu pdam mati wiwit wingi
jv_ngoko|pipa bocor {loc}, banyune mbludag
jv_krama|Toya PDAM mboten mili sampun kalih dinten
madurese|aeng pdam tak ngalir dari kemarin
en|no water from the tap since yesterday
en|a water main is leaking {loc}
en|the tap water is brown and smells
mixed|air pdam mati, no water sama sekali
mixed|pipa bocor {loc}, water everywhere
"""

C["DISPENDUKCAPIL"] = """
id_formal|Pembuatan KTP elektronik saya sudah dua bulan belum selesai.
id_formal|Bagaimana cara mengurus akta kelahiran anak?
id_formal|Saya ingin mengurus pindah domisili, apa saja syaratnya?
id_formal|Kartu keluarga saya salah cetak nama, bagaimana memperbaikinya?
id_informal|ktp ku ilang, bikin lagi gimana ya
id_informal|ngurus kk baru kok lama banget
id_informal|akta kematian bapak belum jadi-jadi
id_informal|mau bikin kia buat anak, di mana ya
id_chat|ektp sy blm jadi min udh 2 bln
id_chat|syarat bikin kk baru apa aj min
jv_ngoko|ktp-ku ilang, piye carane gawe maneh
jv_krama|Kula badhe ngurus kartu keluarga, syaratipun menapa kemawon
madurese|ktp engkok elang, dhimma ngurusna
en|my identity card has been pending for two months
en|how do I get a birth certificate for my baby
en|I need to update my family card after moving
mixed|e-ktp aku belum jadi, it has been two months
mixed|mau update kartu keluarga, what are the requirements
"""

C["DINSOS"] = """
id_formal|Bantuan sosial PKH keluarga saya tidak cair bulan ini.
id_formal|Ada gelandangan dan pengemis di perempatan {loc}.
id_formal|Bagaimana cara mendaftar sebagai penerima bansos?
id_formal|Ada ODGJ terlantar yang tidur di emperan toko {loc}.
id_informal|bansos kok nggak cair-cair ya
id_informal|nama saya nggak ada di dtks, padahal orang nggak mampu
id_informal|banyak anak jalanan ngamen {loc}
id_informal|bpnt bulan ini belum masuk
id_chat|min bansos kpn cair
id_chat|sy mau daftar pkh min gmn caranya
jv_ngoko|bansose durung cair, piye iki
jv_ngoko|ana wong gendheng turu neng emperan {loc}
jv_krama|Bantuan sosial dereng cair, nyuwun pirsa
madurese|bansos engkok tak cair
en|our social assistance payment has not arrived
en|how can a poor family register for food aid
en|there are homeless people sleeping {loc}
mixed|bansos belum cair, social aid-nya telat
mixed|mau daftar pkh, how to apply
"""

C["DINKES"] = """
id_formal|Pelayanan di puskesmas {loc} sangat lambat.
id_formal|Banyak nyamuk di lingkungan kami, mohon dilakukan fogging karena ada yang kena demam berdarah.
id_formal|Jadwal posyandu di kelurahan kami kapan?
id_formal|Kartu BPJS saya ditolak di puskesmas.
id_informal|puskesmas {loc} antrinya lama banget
id_informal|minta fogging dong, tetanggaku kena db
id_informal|vaksin buat anak di mana ya
id_informal|petugas puskesmas galak sama pasien
id_chat|min kpn fogging di {loc} byk nyamuk
id_chat|bpjs sy gk bs dipake di puskesmas
jv_ngoko|puskesmas {loc} antrine suwe banget
jv_ngoko|njaluk fogging, akeh lemut
jv_krama|Pelayanan puskesmas {loc} kirang sae
madurese|puskesmas {loc} lambat pelayananna
en|the health centre {loc} keeps patients waiting for hours
en|please fog our street, there are dengue cases
en|where can my child get vaccinated
mixed|puskesmas {loc} slow banget service-nya
mixed|minta fogging please, banyak mosquito
"""

C["SATPOLPP"] = """
id_formal|Pedagang kaki lima berjualan di trotoar {loc} dan mengganggu pejalan kaki.
id_formal|Ada reklame liar dan baliho tanpa izin {loc}.
id_formal|Ada bangunan liar di bantaran sungai {loc}.
id_formal|Tempat karaoke {loc} buka sampai larut malam dan mengganggu ketertiban.
id_informal|pkl {loc} jualan sampai makan badan jalan
id_informal|spanduk liar dipasang di pohon-pohon {loc}
id_informal|warung remang-remang {loc} rame sampe pagi
id_informal|baliho gede {loc} udah miring, nggak ada izinnya
id_chat|pkl {loc} nutup trotoar min
id_chat|byk spanduk liar {loc} min
jv_ngoko|bakul neng trotoar {loc} ngganggu wong mlaku
jv_krama|Wonten pedagang kaki lima ngganggu margi {loc}
madurese|pkl {loc} nutup jalan
en|street vendors are blocking the pavement {loc}
en|illegal billboards have been put up {loc}
en|a karaoke bar {loc} disturbs the neighbourhood every night
mixed|pkl {loc} blocking trotoar, susah lewat
mixed|banyak banner liar {loc}, no permit
"""

C["KOORDINATOR"] = """
id_formal|Tetangga saya memutar musik keras setiap malam.
id_formal|Saya ingin menyampaikan apresiasi kepada pemerintah kota.
id_formal|Saya ingin mengadu tentang banyak hal sekaligus di kelurahan kami.
id_informal|ada pengamen berisik tiap malam di gang
id_informal|tetangga ribut terus tiap malem, ganggu tidur
id_informal|mau kasih saran aja buat pak wali
id_chat|min mau kasih masukan aj
jv_ngoko|tanggaku nyetel musik banter saben bengi
jv_krama|Kula namung badhe paring pangalembana dhateng pemkot
madurese|tetangga engkok rame saben malem
en|my neighbour plays loud music every night
en|I just want to give some feedback to the city
mixed|tetangga berisik banget, loud music tiap malam
"""

# second batch: other ways of saying the same things (words the first batch lacks)
C["PUPR"] += """
id_formal|Talud sungai {loc} longsor sebagian dan perlu diperbaiki.
id_informal|paving jalan kampung {loc} ambles, motor susah lewat
id_informal|tutup gorong-gorong {loc} ilang, bahaya buat anak-anak
id_chat|aspal {loc} ngelupas smua min, tlg ditambal
jv_ngoko|saluran banyu {loc} rusak, saben udan mbludag neng dalan
en|a manhole cover is missing {loc}
en|the bridge railing {loc} is broken
mixed|jalan {loc} banyak lubang, please ditambal sebelum ada korban
"""
C["DLH"] += """
id_formal|Bau busuk dari tempat pembuangan sampah {loc} mengganggu warga.
id_informal|kali {loc} item dan bau, kayaknya ada yang buang limbah
id_informal|ada pohon mati di pinggir jalan {loc}, takut roboh, minta ditebang
id_chat|min tps {loc} penuh, sampahnya sampe ke jalan
jv_ngoko|wit gedhe neng taman {loc} pang-pange wis garing, njaluk dipangkas
en|the park {loc} is full of litter and nobody cleans it
en|there is a dead tree {loc} that needs to be cut down
mixed|polusi dari pabrik {loc}, asapnya bikin sesak, please dicek
"""
C["DISHUB"] += """
id_formal|Lampu APILL di simpang {loc} menyala kuning terus.
id_formal|Marka jalan {loc} sudah pudar dan tidak terlihat.
id_informal|lampu merah {loc} nyala ijo semua, bahaya banget
id_informal|lampu penerangan di gang {loc} udah seminggu padam
id_chat|pju {loc} mati smua min gelap
jv_ngoko|lampu abang ijo {loc} rusak
en|the pedestrian crossing light {loc} does not work
en|a lamp post {loc} has been dark for weeks
mixed|lampu lalu lintas {loc} mati, traffic jadi kacau
"""
C["PDAM"] += """
id_formal|Tekanan air PDAM di daerah {loc} sangat kecil sejak seminggu.
id_informal|air ledeng bau kaporit banget, nggak bisa diminum
id_informal|meteran air rumahku muter terus padahal keran ditutup
id_chat|air gk keluar min udh 3 hari {loc}
jv_ngoko|banyu ledheng butheg, ora iso dinggo masak
en|the water pressure {loc} is too low to shower
en|my water meter is broken and the bill is too high
mixed|air pdam keruh, the water looks brown
"""
C["DISPENDUKCAPIL"] += """
id_formal|Data NIK saya tidak sesuai di sistem, mohon dibantu perbaikannya.
id_formal|Berapa lama proses pembuatan kartu identitas anak?
id_informal|mau ganti alamat di ktp setelah pindahan, ngurusnya di mana
id_informal|blangko ktp katanya habis terus, kapan ada
id_chat|min akta lahir ank sy salah nama
jv_ngoko|arep ngurus surat pindah, syarate apa wae
en|the name on my ID card is misspelled
en|where do I register my newborn's birth
mixed|ktp aku rusak, mau cetak ulang, how long does it take
"""
C["DINSOS"] += """
id_formal|Lansia sebatang kara di {loc} tidak mendapat bantuan apa pun.
id_formal|Penyaluran BLT di kelurahan kami tidak tepat sasaran.
id_informal|tetangga yang mampu malah dapet sembako, yang miskin nggak
id_informal|ada pengemis bawa anak kecil tiap hari di lampu merah {loc}
id_chat|min kartu pkh sy blm aktif
jv_ngoko|simbah dhewekan ora oleh bantuan blas
en|a poor elderly woman {loc} gets no social assistance
en|there is a beggar with a small child at the junction every day
mixed|bantuan sembako nggak tepat sasaran, the rich get it
"""
C["DINKES"] += """
id_formal|Ada kasus demam berdarah di RT kami, mohon pemeriksaan jentik.
id_formal|Obat di puskesmas {loc} sering kosong.
id_informal|posyandu {loc} udah lama nggak buka
id_informal|mau tanya jadwal imunisasi balita di puskesmas
id_chat|min puskesmas {loc} jam brp buka
jv_ngoko|petugas puskesmas ora ramah karo pasien
en|the clinic {loc} ran out of medicine again
en|when is the next immunisation day for toddlers
mixed|puskesmas {loc} antri lama banget, no doctor available
"""
C["SATPOLPP"] += """
id_formal|Lapak pedagang memakan bahu jalan {loc} setiap sore.
id_formal|Ada pembangunan tanpa izin yang menutup saluran {loc}.
id_informal|warung kopi {loc} buka sampe subuh, rame anak-anak mabok-mabokan nggak, cuma berisik
id_informal|poster caleg ditempel di tiang-tiang {loc}
id_chat|lapak pkl {loc} sampe tengah jln min
jv_ngoko|bakul-bakul neng alun-alun nggawe reget lan nutup dalan
en|vendors' stalls take up half the road {loc}
en|someone built a shack without a permit {loc}
mixed|reklame liar {loc} everywhere, nggak ada izin
"""
C["KOORDINATOR"] += """
id_formal|Saya ingin menyampaikan keluhan umum tentang pelayanan di kantor kelurahan.
id_informal|pengen kasih masukan soal acara car free day
jv_ngoko|aku mung arep ngaturi saran kanggo pemkot
en|I have a general suggestion for the mayor's office
"""
