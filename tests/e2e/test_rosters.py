"""Fake accounts against a unit (issue 14, finding 7; SPEC 2): rosters, roster mode and the
registration throttle, through the gateway against the real processes.

A roster-mode contest that is open refuses registrations for every unit without a roster, on the
whole shared cluster: the test that opens one closes it before it ends (even when it fails).
"""
import random

import pytest

from tests.e2e.cluster import REGISTRATION_MAX_PER_ADDRESS
from tests.e2e.quizclient import (Client, Ids, csv_bytes, make_bank, open_rounds, sheet, tag, wait_for, wait_graded,
                                  xlsx_bytes)

ROSTER_COLUMNS = ("id_number", "full_name", "position")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url)
    yield client
    client.close()


def upload(api, headers, unit, rows, filename="roster.csv", header=ROSTER_COLUMNS):
    content = xlsx_bytes(header, rows) if filename.endswith(".xlsx") else csv_bytes(header, rows)
    return api.http.post(f"/admin/units/{unit}/roster", headers=headers,
                         files={"file": (filename, content, XLSX if filename.endswith(".xlsx") else "text/csv")})


def body(unit_code, id_number=None, phone=None):
    new_id, new_phone = Ids.next()
    return {"full_name": "Lê Thị Mỹ Duyên", "id_number": id_number or new_id, "phone": phone or new_phone,
            "unit_code": unit_code, "position": "Chuyên viên", "password": "mật-khẩu-123"}


def assert_code(resp, status, code):
    assert resp.status_code == status, resp.text
    assert resp.json()["code"] == code, resp.text
    assert any(ord(ch) > 127 for ch in resp.json()["detail"]), resp.text  # Vietnamese


def units_by_code(api):
    return {u["code"]: u for u in api.units().json()}


def test_a_unit_with_a_roster_takes_only_its_people_and_its_headcount_from_it(api, admin_headers):
    t = tag()
    unit, other = f"RO{t}-SO", f"RO{t}-KHAC"
    api.setup_units(admin_headers, [(unit, "Sở Tư pháp (kiểm thử danh sách)", "province_dept", "", 50),
                                    (other, "Sở Y tế (kiểm thử)", "province_dept", "", 40)])
    staff = [Ids.next()[0] for _ in range(3)]
    rows = [(staff[0], "Nguyễn Văn Bảo", "Giám đốc"), (staff[1], "Trần Thị Cúc", "Chuyên viên"),
            ("12345", "Số CCCD sai", "Chuyên viên"), (staff[2], "Phạm Văn Đức", ""),
            (staff[0], "Nguyễn Văn Bảo", "Giám đốc")]
    resp = upload(api, admin_headers, unit, rows)
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert (out["added"], out["updated"], out["removed"], out["headcount"]) == (3, 0, 0, 3), out
    assert [e["row"] for e in out["errors"]] == [4, 6], out  # header is row 1
    listed = units_by_code(api)[unit]
    assert (listed["headcount"], listed["roster_size"], listed["declared_headcount"]) == (3, 3, 50), listed

    # The fake account: a well-formed CCCD that is not on the unit's roster, in an open contest.
    assert_code(api.register(**body(unit)), 403, "not_on_roster")
    resp = api.register(**body(unit, id_number=staff[1]))
    assert resp.status_code == 201, resp.text
    # A unit without a roster still takes anyone while no roster contest is open.
    assert api.register(**body(other)).status_code == 201

    # A new roster replaces the old one: Cúc stays, Bảo and Đức leave, Hà joins.
    newcomer = Ids.next()[0]
    resp = upload(api, admin_headers, unit, [(staff[1], "Trần Thị Cúc", "Phó Giám đốc"),
                                             (newcomer, "Võ Thị Hà", "Chuyên viên")], filename="roster.xlsx")
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert (out["added"], out["updated"], out["removed"], out["headcount"], out["errors"]) == (1, 1, 2, 2, []), out
    assert units_by_code(api)[unit]["headcount"] == 2
    assert_code(api.register(**body(unit, id_number=staff[0])), 403, "not_on_roster")
    assert api.register(**body(unit, id_number=newcomer)).status_code == 201

    # Files that would leave the unit without protection or are not rosters change nothing.
    assert_code(upload(api, admin_headers, unit, [("1", "x", "y"), ("abc", "", "")]), 422, "invalid_roster")
    assert_code(upload(api, admin_headers, unit, [(newcomer, "Võ Thị Hà", "")], header=("cccd", "ten", "chuc_vu")),
                422, "invalid_header")
    resp = api.http.post(f"/admin/units/{unit}/roster", headers=admin_headers,
                         files={"file": ("roster.csv", b"\x00\xff\xfe garbage", "text/csv")})
    assert resp.status_code == 422, resp.text
    assert units_by_code(api)[unit]["headcount"] == 2
    assert_code(upload(api, admin_headers, f"RO{t}-KHONG-CO", [(newcomer, "Võ Thị Hà", "")]), 404, "unit_not_found")


def test_only_organizers_upload_rosters(api, admin_headers, cluster):
    t = tag()
    unit = f"RO{t}-QUYEN"
    api.setup_units(admin_headers, [(unit, "UBND huyện A Lưới (kiểm thử)", "district", "", 9)])
    password = "mật-khẩu-chuyên-viên"
    username = f"expert{t}"
    resp = api.create_staff(admin_headers, username=username, password=password, role="expert",
                            full_name="Chuyên viên kiểm thử", id_number=Ids.next()[0], unit_code=unit)
    assert resp.status_code == 201, resp.text
    expert = api.headers(username, password)
    assert_code(upload(api, expert, unit, [(Ids.next()[0], "Hồ Văn Lâm", "")]), 403, "forbidden")
    assert upload(api, {}, unit, [(Ids.next()[0], "Hồ Văn Lâm", "")]).status_code == 401
    assert units_by_code(api)[unit]["roster_size"] is None


def test_roster_mode_refuses_units_without_a_roster_while_the_contest_is_open(api, admin_headers):
    t = tag()
    with_roster, without = f"RM{t}-CO", f"RM{t}-CHUA"
    api.setup_units(admin_headers, [(with_roster, "Sở Xây dựng (kiểm thử)", "province_dept", "", 20),
                                    (without, "UBND xã Hương Phong (kiểm thử)", "commune", "", 12)])
    member = Ids.next()[0]
    assert upload(api, admin_headers, with_roster, [(member, "Ngô Thị Lan", "Văn thư")]).status_code == 200

    assert_code(api.create_contest(admin_headers, code=f"e2e-rm-bad-{t}", title="Sai chế độ đăng ký",
                                   rounds=open_rounds()[:1], settings={"registration": "closed"}),
                422, "invalid_input")
    code = f"e2e-rm-{t}"
    resp = api.create_contest(admin_headers, code=code, title="Hội thi theo danh sách (kiểm thử)",
                              rounds=open_rounds()[:1], settings={"registration": "roster"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["settings"]["registration"] == "roster"
    try:
        resp = api.register(**body(without))
        assert_code(resp, 403, "not_on_roster")
        assert code in resp.json()["detail"]
        assert_code(api.register(**body(with_roster)), 403, "not_on_roster")
        assert api.register(**body(with_roster, id_number=member)).status_code == 201
    finally:
        closed = api.close_round(admin_headers, code, 1)
        assert closed.status_code == 200, closed.text
    # Closed: the unit without a roster takes registrations again.
    assert api.register(**body(without)).status_code == 201


@pytest.mark.local_cluster(reason="needs the harness's REGISTRATION_MAX_PER_ADDRESS and callers on other loopback "
                                   "addresses (a stack sees the host as one address, exempt for the suite)")
def test_a_flood_of_registrations_from_one_address_gets_429(api, admin_headers, cluster):
    t = tag()
    unit = f"FL{t}-XA"
    api.setup_units(admin_headers, [(unit, "UBND xã Vinh Hiền (kiểm thử)", "commune", "", 30)])
    address = f"127.0.{random.randint(1, 254)}.{random.randint(2, 254)}"
    flood = Client(cluster.base_url, local_address=address)
    try:
        codes = []
        for i in range(REGISTRATION_MAX_PER_ADDRESS):
            # Refused ones count too: a flood of junk costs as much as a flood of accounts.
            resp = flood.register(**(body(unit) if i % 3 else {**body(unit), "unit_code": f"KHONG-{t}"}))
            codes.append(resp.status_code)
        assert codes.count(201) == REGISTRATION_MAX_PER_ADDRESS - len(range(0, REGISTRATION_MAX_PER_ADDRESS, 3))
        blocked = body(unit)
        resp = flood.register(**blocked)
        assert_code(resp, 429, "too_many_registrations")
        # Refused and not created: the person can register later, or from another address.
        resp = api.register(**blocked)
        assert resp.status_code == 201, resp.text
    finally:
        flood.close()
    # Another address is not affected.
    assert api.register(**body(unit)).status_code == 201


# ---- units whose participation rate is not a real rate ------------------------------------------

def test_units_without_headcount_or_over_it_are_flagged_in_stats_and_collective_breakdown(api, admin_headers):
    t = tag()
    units = {"none": f"HC{t}-KHONG", "over": f"HC{t}-VUOT", "fine": f"HC{t}-DU"}
    api.setup_units(admin_headers, [(units["none"], "UBND xã chưa khai báo số CBCCVC", "commune", "", 0),
                                    (units["over"], "Phòng Tư pháp huyện (kiểm thử)", "district", "", 1),
                                    (units["fine"], "Sở Công Thương (kiểm thử)", "province_dept", "", 10)])
    code = f"e2e-hc-{t}"
    bank = make_bank(code, 5)
    api.setup_contest(admin_headers, code, open_rounds()[:1], {"questions_per_attempt": 3}, bank)
    by_text = {q["text"]: q for q in bank}
    for unit in ("none", "over", "over", "fine"):
        person = api.new_contestant(units[unit])
        resp = api.start(person["headers"], code, 1)
        assert resp.status_code == 201, resp.text
        paper = resp.json()
        assert api.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, 2), 4).status_code == 202
        wait_graded(api, person["headers"], paper["attempt_id"])
    assert api.close_round(admin_headers, code, 1).status_code == 200
    wait_for(lambda: api.contest(code).json()["rounds"][0]["status"] == "finalized", 60)

    resp = api.unit_stats(code)
    assert resp.status_code == 200, resp.text
    stats = {s["unit_code"]: s for s in resp.json()}
    none, over, fine = (stats[units[k]] for k in ("none", "over", "fine"))
    assert (none["headcount"], none["participants"], none["participation"]) == (0, 1, 0.0)
    assert [f["code"] for f in none["flags"]] == ["no_headcount"]
    assert (over["headcount"], over["participants"], over["participation"]) == (1, 2, 1.0)
    assert [f["code"] for f in over["flags"]] == ["over_headcount"]
    assert "(2)" in over["flags"][0]["message"] and "(1)" in over["flags"][0]["message"]
    assert "100%" in over["flags"][0]["message"]
    assert fine["flags"] == [] and fine["participation"] == pytest.approx(0.1)

    # The collective prize's breakdown carries the same flags beside the figures (no clips here:
    # nobody is eligible, but the breakdown still lists every unit and why).
    resp = api.http.post(f"/admin/contests/{code}/awards/compute", json={"kind": "collective"},
                         headers=admin_headers)
    assert resp.status_code == 200, resp.text
    breakdown = {u["unit_code"]: u for u in resp.json()["breakdown"]["units"]}
    assert [f["code"] for f in breakdown[units["none"]]["flags"]] == ["no_headcount"]
    assert [f["code"] for f in breakdown[units["over"]]["flags"]] == ["over_headcount"]
    assert breakdown[units["over"]]["flags"][0]["message"] == over["flags"][0]["message"]
    assert breakdown[units["fine"]]["flags"] == []
