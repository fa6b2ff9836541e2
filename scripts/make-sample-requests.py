#!/usr/bin/env python3
"""Writes Samples/requests.csv: a realistic fleet of pass requests (seeded, so the file is stable).

Usage: python3 scripts/make-sample-requests.py [ROWS] [OUT] [--test-at RFC3339] [--skip N]
Bigger batches for benchmarks come from the same generator: ROWS=100000.
--skip N generates N rows first and writes the ROWS after them: files made with --skip 0, ROWS, 2*ROWS, ...
are consecutive parts of one fleet, so no plate appears in two of them (scripts/concurrency-test.sh).
"""
import csv, random, sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 300
out = sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else "Samples/requests.csv"
test_at = "2021-07-25T08:00:00+07:00"
if "--test-at" in sys.argv:
    test_at = sys.argv[sys.argv.index("--test-at") + 1]
skip = int(sys.argv[sys.argv.index("--skip") + 1]) if "--skip" in sys.argv else 0
rng = random.Random(17)

family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý"]
middle_m = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh", "Ngọc", "Đình"]
middle_f = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Thùy", "Kim"]
given_m = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn", "Thắng",
           "Tuấn", "Việt", "Hưng", "Đạt", "Trung", "Huy", "Kiên"]
given_f = ["Anh", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Ngân", "Phương", "Thảo", "Trang", "Yến"]
# Hanoi's plate province codes, and a few neighbours whose trucks supply the city.
provinces = ["29", "30", "31", "32", "33", "40", "88", "89", "99", "14", "17", "34"]
districts = ["ba-dinh", "hoan-kiem", "tay-ho", "long-bien", "cau-giay", "dong-da", "hai-ba-trung", "hoang-mai",
             "thanh-xuan", "soc-son", "dong-anh", "gia-lam", "nam-tu-liem", "thanh-tri", "bac-tu-liem", "me-linh",
             "ha-dong", "son-tay", "ba-vi", "phuc-tho", "dan-phuong", "hoai-duc", "quoc-oai", "thach-that",
             "chuong-my", "thanh-oai", "thuong-tin", "phu-xuyen", "ung-hoa", "my-duc"]
# Citizen ID province-of-registration codes (Hà Nội 001, Hải Phòng 031, Nam Định 036, Thanh Hóa 038, ...).
id_provinces = ["001", "001", "001", "031", "033", "034", "035", "036", "037", "038", "040", "042"]

firms = [("VNPOST", ["essential-goods", "public-postal"]), ("VTPOST", ["essential-goods", "public-postal"]),
         ("VNPT-HN", ["telecom-repair"])]
classes = [("motorbike", 40), ("car", 10), ("van", 25), ("light-truck", 20), ("heavy-truck", 5)]

used_plates = set()
def plate(vehicle_class):
    while True:
        p = rng.choice(provinces)
        digits = f"{rng.randrange(100, 1000)}.{rng.randrange(0, 100):02d}"
        if vehicle_class == "motorbike":
            text = f"{p}-{rng.choice('ABCDEFGHKLMNPSTUVXYZ')}{rng.randrange(1, 10)} {digits}"
        else:
            series = {"car": "A", "van": "D", "light-truck": "C", "heavy-truck": "C"}[vehicle_class]
            if vehicle_class in ("car", "van") and rng.random() < 0.5:
                series = rng.choice("AEFGHK")
            text = f"{p}{series}-{digits}"
        if text not in used_plates:
            used_plates.add(text)
            return text

with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["firm", "plate", "vehicle_class", "driver_name", "driver_id", "test_at", "purpose", "zones",
                "valid_from", "valid_until"])
    for i in range(skip + rows):
        firm, purposes = rng.choices(firms, weights=[45, 40, 15])[0]
        vehicle_class = rng.choices([c for c, _ in classes], weights=[w for _, w in classes])[0]
        if firm == "VNPT-HN" and vehicle_class == "heavy-truck":
            vehicle_class = "van"
        female = rng.random() < 0.15
        name = " ".join([rng.choice(family), rng.choice(middle_f if female else middle_m),
                         rng.choice(given_f if female else given_m)])
        century_sex = ("1" if female else "0") if rng.random() < 0.9 else ("3" if female else "2")
        year = rng.randrange(65, 100) if century_sex in "01" else rng.randrange(0, 3)
        driver_id = f"{rng.choice(id_provinces)}{century_sex}{year:02d}{rng.randrange(0, 1000000):06d}"
        purpose = rng.choice(purposes)
        k = rng.choices([1, 2, 3, 5, 30], weights=[20, 30, 25, 15, 10])[0]
        zones = "all" if k == 30 else ",".join(sorted(rng.sample(districts, k), key=districts.index))
        row = [firm, plate(vehicle_class), vehicle_class, name, driver_id, test_at, purpose, zones, "", ""]
        if i >= skip:
            w.writerow(row)
print(f"wrote {rows} requests to {out}")
