"""Hand-written incident texts for the hard cases (each its own group): negation, hedging,
complaints that name an accident word, silent and prank calls, domestic violence, English.

Format per line: category | language | text. Written for this project.
"""

from __future__ import annotations

HAND = """
non_emergency|id_formal|Bukan kebakaran, hanya ada warga yang membakar sampah di kebun.
non_emergency|id_informal|bukan kebakaran, cuma bakar sampah
non_emergency|id_informal|tenang pak, itu bukan kebakaran, cuma asap dari orang bakar daun kering
non_emergency|id_chat|bkn kebakaran kok cm asap sate
non_emergency|jv_ngoko|dudu kobong, mung asap saka pawon tanggaku masak nganggo kayu
non_emergency|en|it is not a fire, my neighbour is just burning rubbish in his yard
non_emergency|en|no fire, it's only smoke from a barbecue
non_emergency|mixed|bukan fire kok, just asap bakar sampah
non_emergency|id_formal|Panggilan kosong, tidak ada suara.
non_emergency|id_formal|panggilan kosong, tidak ada suara dari penelepon
non_emergency|id_formal|Penelepon diam saja, tidak ada suara, lalu telepon terputus.
non_emergency|id_informal|halo? halo? nggak ada suaranya, mati sendiri
non_emergency|id_chat|tlp msk tp gk ad suara
non_emergency|en|silent call, nobody speaking on the line
non_emergency|en|the caller hung up without saying anything
non_emergency|id_formal|Hanya terdengar suara musik, penelepon tidak menjawab.
non_emergency|id_informal|anak kecil main telepon, ketawa-ketawa terus ditutup
non_emergency|id_formal|Telepon iseng, penelepon tertawa lalu menutup telepon.
non_emergency|id_informal|cuma ngetes nomor darurat, maaf ya pak
non_emergency|en|sorry my kid was playing with the phone
non_emergency|en|i lost my wallet at the market
non_emergency|en|i lost my phone on the bus, is there a lost and found
non_emergency|id_informal|hp saya ketinggalan di angkot, bisa dibantu cari nggak
non_emergency|id_formal|Saya kehilangan STNK di sekitar alun-alun, bagaimana mengurusnya?
non_emergency|id_formal|Jalan di depan sekolah berlubang besar dan sering terjadi kecelakaan, mohon segera diperbaiki.
non_emergency|id_informal|tikungan itu rawan kecelakaan pak, lampunya mati, tolong dipasang lagi
non_emergency|id_informal|polisi tidur di gang kami ketinggian, sering bikin motor jatuh, tolong diratakan
non_emergency|en|the pothole on Kawi street has caused several accidents, please repair it
non_emergency|id_formal|Traffic light di perempatan mati, rawan tabrakan, mohon diperbaiki.
non_emergency|jv_ngoko|dalane bolong gedhe, saben dina ana sing tiba, tulung didandani
non_emergency|id_formal|Pohon di pinggir jalan sudah miring dan rawan tumbang, mohon dipangkas.
non_emergency|id_informal|kabel listrik di gang kami semrawut banget, takut nanti korslet
non_emergency|id_informal|tetangga suka bakar sampah tiap sore, asapnya masuk rumah, ganggu banget
non_emergency|id_formal|Saya ingin mengucapkan terima kasih atas bantuan petugas kemarin.
non_emergency|id_informal|makasih ya pak, ambulansnya tadi cepet banget datengnya
non_emergency|en|thank you for sending the fire brigade yesterday
non_emergency|id_formal|Kebakaran kemarin sudah padam dan sudah ditangani, saya hanya ingin menanyakan bantuan untuk korban.
non_emergency|id_formal|Berapa nomor telepon pemadam kebakaran Kota Kediri?
non_emergency|id_informal|nomor ambulans gratis berapa ya pak
non_emergency|en|what is the number for the ambulance service
non_emergency|id_formal|Tetangga memutar musik keras setiap malam sampai jam dua.
non_emergency|id_informal|anjing tetangga gonggong terus tiap malem, berisik
non_emergency|id_informal|kucingku ilang dari kemarin, bisa bantu cari nggak
non_emergency|en|my cat is missing since yesterday
non_emergency|id_formal|Saya mau melaporkan bansos yang belum cair sejak tiga bulan.
non_emergency|id_formal|Ada simulasi kebakaran di sekolah kami besok pagi, hanya pemberitahuan.
non_emergency|id_informal|besok ada latihan damkar di kantor, bukan kebakaran beneran ya
non_emergency|id_formal|Tidak ada kejadian apa-apa, saya hanya mencoba apakah nomor ini aktif.
non_emergency|id_informal|gak ada apa-apa pak, salah pencet
non_emergency|jv_ngoko|ora ana apa-apa pak, kepencet bocah
non_emergency|jv_krama|Ngapunten, lepat pencet, mboten wonten kedadosan
non_emergency|madurese|tak bada apa-apa pak, salah pencet
non_emergency|id_formal|Saya ingin melapor tentang pelayanan puskesmas yang lambat.
non_emergency|id_informal|kemarin ada kecelakaan di sini, sekarang udah beres, cuma mau nanya perkembangannya
non_emergency|en|there was a minor fender bender, no one is hurt, we already settled it
non_emergency|id_informal|tadi sore ular di rumah udah ditangkap sendiri, cuma mau kasih tahu aja
non_emergency|id_formal|Rumah kosong di sebelah banyak nyamuk, mohon dilakukan fogging.
non_emergency|id_formal|Bagaimana cara mendaftar BPJS untuk orang tua saya?
non_emergency|en|how do I apply for a family card
non_emergency|en|hello? hello? I can't hear anything
fire|id_informal|kayaknya ada kebakaran deh di rumah pojok, asapnya item banget
fire|id_formal|Sepertinya ada kebakaran di gudang belakang, saya mencium bau hangus dan melihat asap.
fire|id_informal|tadinya kukira orang bakar sampah, ternyata rumahnya yang kebakaran
fire|id_informal|bukan bakar sampah pak, ini beneran kebakaran, apinya udah ke atap
fire|en|at first I thought it was someone burning rubbish but the house is actually on fire
fire|id_formal|Api belum padam, masih menyala di lantai dua ruko.
fire|id_informal|apinya belum padam pak, malah makin gede
fire|id_formal|Kebakaran kecil di dapur sudah padam, tapi masih ada asap dan bau gas.
fire|id_informal|tadi kompor meledak, sekarang udah padam tapi tembok gosong, minta dicek damkar
fire|jv_ngoko|durung mati genine, malah tambah gedhe
fire|en|I smell gas and see sparks in the kitchen
fire|id_informal|tiang listrik depan rumah keluar api dan percikan
fire|id_formal|Terjadi ledakan di pabrik, kemudian api membesar.
fire|madurese|apoyna ghi' tak mate, tambah raje
traffic_accident|id_formal|Jalan berlubang membuat motor jatuh dan pengendaranya terluka, ada tabrakan juga.
traffic_accident|id_informal|gara-gara jalan berlubang motor jatuh, orangnya nggak sadar
traffic_accident|id_informal|lampu merah mati terus dua mobil tabrakan di perempatan
traffic_accident|en|the traffic light is out and two cars just collided at the junction
traffic_accident|id_formal|Sepertinya ada kecelakaan di depan, banyak orang berkerumun dan ada motor tergeletak.
traffic_accident|jv_ngoko|kayane ana tabrakan neng ngarep, wonge akeh ngumpul
traffic_accident|id_informal|sopir truk ngantuk nabrak warung, ada yang ketimpa
traffic_accident|en|a bus went off the road and hit a tree, passengers injured
traffic_accident|id_chat|ad laka dkt lampu merah, korban 2 org
traffic_accident|mixed|tadi ada car accident parah, korbannya unconscious
traffic_accident|id_formal|Kereta api menabrak mobil di perlintasan tanpa palang.
disaster|id_informal|pohon tumbang nimpa motor yang lewat, jalan ketutup
disaster|id_formal|Banjir bandang menerjang desa, warga terjebak di atap rumah.
disaster|en|the water is rising fast and people are trapped on their roofs
disaster|id_informal|airnya naik terus pak, udah sedada, anak-anak di lantai atas
disaster|jv_ngoko|wite ambruk nimpa omah, wonge sing neng njero slamet tapi omahe rusak
disaster|id_formal|Tebing di pinggir jalan longsor dan menutup separuh jalan.
disaster|mixed|banjir naik terus, please evakuasi, ada lansia
animal_disturbance|id_informal|bukan tikus pak, ini ular beneran, gede
animal_disturbance|en|there is a python in the chicken coop
animal_disturbance|id_formal|Seekor anjing menggigit kaki tetangga saya, anjingnya masih berkeliaran.
animal_disturbance|id_informal|ada tawon ndas nyarang di pohon depan sd, anak-anak takut
animal_disturbance|jv_ngoko|ula weling mlebu kamar, bocahe lagi turu
unrest|id_formal|Suami saya memukul saya dengan kayu dan sekarang masih marah-marah.
unrest|id_informal|suami saya mukul saya pakai kayu
unrest|id_informal|tolong, suami saya mabuk dan mukulin saya, anak-anak nangis
unrest|id_formal|Tetangga saya dipukuli suaminya, terdengar teriakan minta tolong.
unrest|id_informal|ayahku mukulin ibu pake sapu, aku takut
unrest|id_informal|pacarku nampar aku dan ngancam mau bunuh
unrest|en|my husband hits me with a stick, please help
unrest|en|my neighbour is beating his wife, I can hear her screaming
unrest|en|someone stole my motorbike from the parking lot just now
unrest|en|i think someone is trying to break into my house
unrest|jv_ngoko|bojoku ngantemi aku nganggo kayu, aku wedi
unrest|madurese|lakek engkok mokol engkok, tolong pak
unrest|id_chat|sy dipukul suami sy tlg
unrest|id_formal|Ada orang tidak dikenal mengintip dan mencoba membuka jendela rumah saya.
unrest|id_informal|ada yang palak anak sekolah di gang, minta duit sambil bawa pisau
unrest|mixed|ada orang bawa knife ngancam warga
unrest|id_formal|Istri saya dianiaya oleh mantan suaminya di depan rumah.
medical|id_formal|Tidak ada kebakaran, tetapi ada orang pingsan karena menghirup asap.
medical|id_informal|bukan kecelakaan pak, bapakku tiba-tiba pingsan di jalan
medical|en|it was not an accident, my father just collapsed on the street
medical|id_formal|Ayah saya tidak sadarkan diri setelah jatuh di kamar mandi.
medical|id_informal|mbahku nggak bisa napas, mukanya biru
medical|id_informal|adikku nggak bergerak, napasnya lemah
medical|id_formal|Seorang ibu hamil pendarahan hebat.
medical|en|my grandfather is not breathing
medical|en|a man fainted in the mosque and is not responding
medical|id_chat|tlg ank sy demam tinggi kejang2
medical|jv_ngoko|mbahku ora sadar, ambegane alon
medical|mixed|my mom tiba-tiba unconscious di dapur
medical|id_informal|temenku overdosis, mulutnya berbusa
medical|id_formal|Ada lansia jatuh di jalan dan tidak bisa berdiri, kakinya sepertinya patah.
medical|id_informal|anakku kena air panas, kulitnya melepuh parah
medical|en|my baby swallowed something and is choking
""".strip()
