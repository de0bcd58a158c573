"""The quiz contest through the gateway's HTTP API (API.md), against the real processes.

Each test makes its own units, contest and contestants (codes carry a random tag) because the cluster
is shared by every e2e test of the session. The expected grades, orders and statistics are computed
here from what the test submitted and the answer keys it imported, never read back from the system.
"""
import datetime as dt
import time
import unicodedata

import pytest

from tests.e2e.quizclient import (KEYS, QUESTION_COLUMNS, UNIT_COLUMNS, Client, Ids, bank_rows, csv_bytes,
                                  expected_order, iso, make_bank, now_utc, open_rounds, parse_time, sheet, tag,
                                  wait_for, wait_graded, xlsx_bytes)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SETTINGS = {"questions_per_attempt": 3, "time_limit_s": 60, "max_attempts_per_round": 2, "grace_s": 1}


def is_vietnamese_detail(body):
    """A stable code and a human message with Vietnamese diacritics (not a bare code)."""
    detail = body.get("detail")
    return bool(body.get("code")) and isinstance(detail, str) and any(ord(ch) > 127 for ch in detail)


def assert_error(resp, status, code):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code, body
    assert is_vietnamese_detail(body), body
    return body


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def admin(admin_headers):
    return admin_headers


@pytest.fixture(scope="module")
def world(api, admin):
    """Three units of this module (a department, a district and one of its communes) and a contest
    with round 1 open and round 2 scheduled, 6 questions whose keys we know."""
    t = tag()
    units = {"A": f"E2E-{t}-SO", "B": f"E2E-{t}-HUYEN", "C": f"E2E-{t}-XA"}
    api.setup_units(admin, [
        (units["A"], "Sở Nội vụ (kiểm thử)", "province_dept", "", 4),
        (units["B"], "UBND huyện Phú Vang (kiểm thử)", "district", "", 10),
        (units["C"], "UBND xã Phú Thuận (kiểm thử)", "commune", units["B"], 3),
    ])
    code = f"e2e-q-{t}"
    bank = make_bank(code, 6)
    api.setup_contest(admin, code, open_rounds(), SETTINGS, bank)
    return {"tag": t, "units": units, "contest": code, "bank": bank,
            "by_text": {q["text"]: q for q in bank}}


def register_body(unit_code, **over):
    id_number, phone = Ids.next()
    body = {"full_name": "Trần Thị Thu Hương", "id_number": id_number, "phone": phone, "unit_code": unit_code,
            "position": "Chuyên viên", "password": "mật-khẩu-123"}
    body.update(over)
    return body


# ---- identity ----------------------------------------------------------------------------------

def test_register_then_login_by_phone_and_by_cccd(api, world):
    # Typed with combining marks (NFD): stored and shown in NFC.
    name_nfd = unicodedata.normalize("NFD", "Lê Văn Đức Ánh")
    body = register_body(world["units"]["A"], full_name=name_nfd, email="anh.le@example.vn",
                         date_of_birth="1990-05-17")
    resp = api.register(**body)
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["full_name"] == "Lê Văn Đức Ánh" == unicodedata.normalize("NFC", name_nfd)
    assert created["unit_code"] == world["units"]["A"] and created["id"]

    for username in (body["phone"], body["id_number"]):
        resp = api.token(username, body["password"])
        assert resp.status_code == 200, resp.text
        token = resp.json()
        assert token["token_type"] == "bearer" and token["role"] == "contestant" and token["access_token"]
        me = api.me({"Authorization": f"Bearer {token['access_token']}"})
        assert me.status_code == 200, me.text
        assert me.json() == {**me.json(), "id": created["id"], "role": "contestant",
                             "full_name": "Lê Văn Đức Ánh", "unit_code": world["units"]["A"]}

    assert_error(api.token(body["phone"], "sai-mật-khẩu"), 401, "invalid_credentials")
    assert_error(api.token("0999999999", body["password"]), 401, "invalid_credentials")


def test_me_without_token_is_401(api):
    assert_error(api.me({}), 401, "not_authenticated")
    assert_error(api.me({"Authorization": "Bearer abc.def.ghi"}), 401, "invalid_token")


def test_registering_twice_is_409_and_changes_nothing(api, world):
    first = register_body(world["units"]["A"])
    assert api.register(**first).status_code == 201
    other_id, other_phone = Ids.next()
    same_cccd = {**first, "phone": other_phone, "password": "khác-123456"}
    same_phone = {**first, "id_number": other_id, "password": "khác-123456"}
    assert_error(api.register(**same_cccd), 409, "already_registered")
    assert_error(api.register(**same_phone), 409, "already_registered")
    # Which one is taken (`field`, issue 16): the form shows it beside that field.
    assert api.register(**same_cccd).json()["field"] == "id_number"
    assert api.register(**same_phone).json()["field"] == "phone"
    assert api.register(**first).json()["field"] == "id_number"
    # Nothing of the refused registrations exists: neither the new phone nor the new CCCD log in,
    # and the first password still works.
    assert_error(api.token(other_phone, "khác-123456"), 401, "invalid_credentials")
    assert_error(api.token(other_id, "khác-123456"), 401, "invalid_credentials")
    assert api.token(first["phone"], first["password"]).status_code == 200


@pytest.mark.parametrize("id_number", ["12345", "0123456789012", "01234567890A", "0123 4567 890"])
def test_malformed_cccd_is_422(api, world, id_number):
    body = register_body(world["units"]["A"], id_number=id_number)
    assert_error(api.register(**body), 422, "invalid_id_number")
    # The phone was not taken by the refused request.
    body["id_number"] = Ids.next()[0]
    assert api.register(**body).status_code == 201


@pytest.mark.parametrize("phone", ["12345", "0123456789", "09123456789", "09abc45678"])
def test_malformed_phone_is_422(api, world, phone):
    body = register_body(world["units"]["A"], phone=phone)
    assert_error(api.register(**body), 422, "invalid_phone")
    body["phone"] = Ids.next()[1]
    assert api.register(**body).status_code == 201


def test_unknown_unit_is_422(api):
    assert_error(api.register(**register_body("KHONG-CO-DON-VI-NAY")), 422, "unknown_unit")


def test_person_on_the_exclusion_list_cannot_register(api, world, admin):
    body = register_body(world["units"]["B"])
    resp = api.exclude(admin, world["contest"], [body["id_number"]])
    assert resp.status_code == 200, resp.text
    before = resp.json()["excluded"]
    assert before >= 1
    # Listing again is idempotent.
    resp = api.exclude(admin, world["contest"], [body["id_number"]])
    assert resp.status_code == 200 and resp.json()["excluded"] == before
    assert_error(api.register(**body), 403, "excluded")
    assert_error(api.token(body["phone"], body["password"]), 401, "invalid_credentials")
    # A bad line is reported (row and why), the good ones still added.
    resp = api.exclude(admin, world["contest"], ["123"])
    assert resp.status_code == 200 and resp.json()["added"] == 0, resp.text
    assert [e["row"] for e in resp.json()["errors"]] == [1]
    assert_error(api.exclude(admin, "khong-co-hoi-thi", [body["id_number"]]), 404, "contest_not_found")


def test_contestant_listed_after_registering_cannot_start(api, world, admin):
    person = api.new_contestant(world["units"]["B"])
    assert api.exclude(admin, world["contest"], [person["id_number"]]).status_code == 200
    assert_error(api.start(person["headers"], world["contest"], 1), 403, "excluded")
    assert api.my_attempts(person["headers"]).json() == []


def test_exclusion_in_one_contest_does_not_block_another(api, world, admin):
    """Issue 14, finding 6: a person on last year's (closed) contest's list registers and takes part
    in this year's open contest (SPEC 2: a listing in one contest never blocks another)."""
    now = now_utc()
    last_year = f"e2e-q-{world['tag']}-cu"
    resp = api.create_contest(admin, code=last_year, title="Hội thi năm trước (kiểm thử)", rounds=[
        {"opens_at": iso(now - dt.timedelta(days=30)), "closes_at": iso(now - dt.timedelta(days=20))}])
    assert resp.status_code == 201, resp.text
    body = register_body(world["units"]["A"])
    assert api.exclude(admin, last_year, [body["id_number"]]).status_code == 200
    resp = api.register(**body)
    assert resp.status_code == 201, resp.text
    headers = api.headers(body["phone"], body["password"])
    resp = api.start(headers, world["contest"], 1)
    assert resp.status_code == 201, resp.text
    # The open contest's own list still refuses its attempts.
    assert api.exclude(admin, world["contest"], [body["id_number"]]).status_code == 200
    assert api.submit(headers, resp.json()["attempt_id"], {}, prediction=5).status_code == 202
    assert_error(api.start(headers, world["contest"], 1), 403, "excluded")


def test_staff_member_is_excluded_and_logs_in_by_username(api, world, admin):
    id_number, _ = Ids.next()
    username = f"chuyenvien.{world['tag']}"
    resp = api.create_staff(admin, username=username, password="tổ-chuyên-viên-1", role="expert",
                            full_name="Phạm Quốc Việt", id_number=id_number, unit_code=world["units"]["A"])
    assert resp.status_code == 201, resp.text
    staff = resp.json()
    assert staff["username"] == username and staff["role"] == "expert"
    assert staff["full_name"] == "Phạm Quốc Việt" and staff["unit_code"] == world["units"]["A"]

    resp = api.token(username, "tổ-chuyên-viên-1")
    assert resp.status_code == 200 and resp.json()["role"] == "expert", resp.text
    me = api.me({"Authorization": f"Bearer {resp.json()['access_token']}"}).json()
    assert me["id"] == staff["id"] and me["role"] == "expert"

    # Every staff account is on the exclusion list automatically.
    assert_error(api.register(**register_body(world["units"]["A"], id_number=id_number)), 403, "excluded")
    assert_error(api.create_staff(admin, username=username, password="khác-123456", role="judge",
                                  full_name="Người khác", id_number=Ids.next()[0], unit_code=None),
                 409, "username_taken")
    resp = api.create_staff(admin, username=f"x{world['tag']}", password="123456", role="emperor",
                            full_name="Sai vai trò", id_number=Ids.next()[0])
    assert resp.status_code == 422, resp.text


def admin_routes(contest):
    files = {"file": ("u.csv", b"code,name,kind,parent_code,headcount\n", "text/csv")}
    return [
        ("POST", "/admin/staff", {"json": {"username": "abc", "password": "123456", "role": "judge",
                                           "full_name": "X", "id_number": "012345678901"}}),
        ("POST", "/admin/contests", {"json": {"code": "khong-duoc", "title": "X", "rounds": [
            {"opens_at": "2030-01-01T00:00:00+07:00", "closes_at": "2030-01-02T00:00:00+07:00"}]}}),
        ("POST", "/admin/units/import", {"files": files}),
        ("POST", f"/admin/contests/{contest}/questions/import", {"files": files}),
        ("POST", f"/admin/contests/{contest}/exclusions", {"json": {"id_numbers": ["012345678901"]}}),
        ("POST", f"/admin/contests/{contest}/rounds/1/close", {}),
        ("GET", "/admin/system", {}),
    ]


def test_admin_routes_refuse_anonymous_401_and_contestants_403(api, world):
    person = api.new_contestant(world["units"]["A"])
    for method, path, kwargs in admin_routes(world["contest"]):
        anonymous = api.http.request(method, path, **kwargs)
        assert_error(anonymous, 401, "not_authenticated")
        as_contestant = api.http.request(method, path, headers=person["headers"], **kwargs)
        assert_error(as_contestant, 403, "forbidden")
    # Nothing changed: round 1 of the contest is still open.
    assert api.contest(world["contest"]).json()["rounds"][0]["status"] == "open"


def test_expert_may_manage_units_but_not_contests(api, world, admin):
    username = f"expert.{world['tag']}"
    assert api.create_staff(admin, username=username, password="mật-khẩu-chuyên-gia", role="expert",
                            full_name="Hoàng Minh Tâm", id_number=Ids.next()[0]).status_code == 201
    expert = api.headers(username, "mật-khẩu-chuyên-gia")
    code = f"E2E-{world['tag']}-EXP"
    resp = api.import_units(expert, "u.csv", csv_bytes(UNIT_COLUMNS, [(code, "Ban Quản lý KKT", "province_dept", "", 7)]))
    assert resp.status_code == 200 and resp.json()["created"] == 1, resp.text
    for method, path, kwargs in admin_routes(world["contest"]):
        if path in ("/admin/units/import",) or path.endswith("/questions/import"):
            continue
        resp = api.http.request(method, path, headers=expert, **kwargs)
        assert_error(resp, 403, "forbidden")


# ---- units -------------------------------------------------------------------------------------

def unit_map(api):
    resp = api.units()
    assert resp.status_code == 200, resp.text
    return {u["code"]: u for u in resp.json()}


def test_units_import_csv_reports_bad_rows_and_updates_on_reimport(api, admin):
    t = tag()
    dept, district, commune = f"U{t}-SO", f"U{t}-HUYEN", f"U{t}-XA"
    rows = [
        (dept, "Sở Tư pháp", "province_dept", "", 120),          # row 2
        (f"U{t}-BAD1", "Đơn vị lạ", "ministry", "", 5),            # row 3: unknown kind
        (f"U{t}-BAD2", "Đơn vị âm", "public_unit", "", -3),        # row 4: bad headcount
        (commune, "UBND xã Hương Phong", "commune", district, 25),  # row 5: parent comes later
        (district, "UBND thị xã Hương Trà", "district", "", 300),    # row 6
        (f"U{t}-BAD3", "Không có cấp trên", "commune", f"U{t}-NONE", 9),  # row 7: unknown parent
    ]
    resp = api.import_units(admin, "don-vi.csv", csv_bytes(UNIT_COLUMNS, rows))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["created"], body["updated"]) == (3, 0), body
    assert [e["row"] for e in body["errors"]] == [3, 4, 7], body
    assert all(is_vietnamese_detail({"code": "x", "detail": e["message"]}) for e in body["errors"])

    units = unit_map(api)
    assert units[dept] == {**units[dept], "name": "Sở Tư pháp", "kind": "province_dept", "parent_code": None,
                           "headcount": 120}
    assert units[commune]["parent_code"] == district and units[commune]["headcount"] == 25
    assert not {f"U{t}-BAD1", f"U{t}-BAD2", f"U{t}-BAD3"} & set(units)

    # Re-import: an existing code is updated, a new one created.
    rows = [(dept, "Sở Tư pháp tỉnh Thừa Thiên Huế", "province_dept", "", 130), (f"U{t}-MOI", "Sở Y tế", "province_dept", "", 80)]
    resp = api.import_units(admin, "don-vi.csv", csv_bytes(UNIT_COLUMNS, rows))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"created": 1, "updated": 1, "errors": []}
    units = unit_map(api)
    assert units[dept]["headcount"] == 130 and units[dept]["name"] == "Sở Tư pháp tỉnh Thừa Thiên Huế"
    assert units[f"U{t}-MOI"]["headcount"] == 80


def test_units_import_xlsx(api, admin):
    t = tag()
    rows = [
        (f"X{t}-1", "Sở Kế hoạch và Đầu tư", "province_dept", None, 95),
        (f"X{t}-2", "", "province_dept", None, 10),                   # row 3: no name
        (f"X{t}-3", "Bệnh viện Trung ương Huế", "central_agency", None, 2500),
    ]
    resp = api.import_units(admin, "don-vi.xlsx", xlsx_bytes(UNIT_COLUMNS, rows), XLSX)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["created"], body["updated"], [e["row"] for e in body["errors"]]) == (2, 0, [3]), body
    units = unit_map(api)
    assert units[f"X{t}-1"]["headcount"] == 95 and units[f"X{t}-3"]["kind"] == "central_agency"
    assert f"X{t}-2" not in units


@pytest.mark.parametrize("filename,content,code", [
    ("don-vi.csv", b"ma,ten,loai,cap_tren,so_nguoi\nA,B,district,,1\n", "invalid_header"),
    ("don-vi.xlsx", b"day khong phai la bang tinh", "invalid_file"),
    ("don-vi.xlsx", b"PK\x03\x04 a broken zip archive", "invalid_file"),
    ("don-vi.csv", b"", "empty_file"),
    ("don-vi.csv", b"code,name,kind,parent_code,headcount\n", "empty_file"),
])
def test_units_import_rejects_bad_files_and_changes_nothing(api, admin, filename, content, code):
    before = unit_map(api)
    assert_error(api.import_units(admin, filename, content), 422, code)
    assert unit_map(api) == before


# ---- contests and the question bank ------------------------------------------------------------

def test_contest_setup_and_public_view(api, world, admin):
    resp = api.contest(world["contest"])
    assert resp.status_code == 200, resp.text
    contest = resp.json()
    assert contest["code"] == world["contest"] and contest["title"]
    assert {k: contest["settings"][k] for k in SETTINGS} == SETTINGS
    assert [(r["n"], r["status"]) for r in contest["rounds"]] == [(1, "open"), (2, "scheduled")]
    assert all(parse_time(r["opens_at"]).tzinfo for r in contest["rounds"])

    rounds = open_rounds()
    assert_error(api.create_contest(admin, code=world["contest"], title="Trùng", rounds=rounds), 409, "contest_exists")
    t = tag()
    # The quiz service requires a time limit of at least 60 s.
    assert_error(api.create_contest(admin, code=f"e2e-x-{t}", title="X", rounds=rounds,
                                    settings={"time_limit_s": 3}), 422, "invalid_settings")
    overlapping = [rounds[0], {"opens_at": rounds[0]["opens_at"], "closes_at": rounds[1]["closes_at"]}]
    assert_error(api.create_contest(admin, code=f"e2e-y-{t}", title="Y", rounds=overlapping), 422, "invalid_rounds")
    assert api.contest(f"e2e-x-{t}").status_code == 404
    assert_error(api.contest(f"e2e-khong-co-{t}"), 404, "contest_not_found")
    listed = api.http.get("/contests")
    assert listed.status_code == 200 and world["contest"] in {c["code"] for c in listed.json()}


def test_question_import_reports_bad_rows(api, admin):
    code = f"e2e-bank-{tag()}"
    assert api.create_contest(admin, code=code, title="Ngân hàng câu hỏi", rounds=open_rounds(),
                              settings=SETTINGS).status_code == 201
    good = make_bank(code, 3)
    rows = bank_rows(good) + [
        ("Câu hỏi thiếu phương án C?", "Một", "Hai", "", "Bốn", "A", ""),           # row 5
        ("Câu hỏi có đáp án E?", "Một", "Hai", "Ba", "Bốn", "E", ""),             # row 6
        (good[0]["text"], "Khác", "Khác", "Khác", "Khác", "B", ""),               # row 7: duplicate in file
        ("  " + good[1]["text"].upper().replace(" ", "  ") + " ", "1", "2", "3", "4", "C", ""),  # row 8: same text, other spacing/case
        ("", "1", "2", "3", "4", "A", ""),                                         # row 9: no text
    ]
    resp = api.import_questions(admin, code, "cau-hoi.csv", csv_bytes(QUESTION_COLUMNS, rows))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["created"] == 3, body
    assert [e["row"] for e in body["errors"]] == [5, 6, 7, 8, 9], body

    # The same bank again: every row is a duplicate now. XLSX works the same way.
    resp = api.import_questions(admin, code, "cau-hoi.xlsx", xlsx_bytes(QUESTION_COLUMNS, bank_rows(good)), XLSX)
    assert resp.status_code == 200, resp.text
    assert resp.json()["created"] == 0 and [e["row"] for e in resp.json()["errors"]] == [2, 3, 4]
    more = make_bank(code + "-xlsx", 2)
    resp = api.import_questions(admin, code, "cau-hoi.xlsx", xlsx_bytes(QUESTION_COLUMNS, bank_rows(more)), XLSX)
    assert resp.status_code == 200 and resp.json() == {"created": 2, "errors": []}, resp.text

    assert_error(api.import_questions(admin, code, "cau-hoi.csv", b"text,a,b,c,d,key\nx,1,2,3,4,A\n"),
                 422, "invalid_header")
    assert_error(api.import_questions(admin, code, "cau-hoi.xlsx", b"not a workbook", XLSX), 422, "invalid_file")
    assert_error(api.import_questions(admin, code, "cau-hoi.csv", b""), 422, "empty_file")
    assert_error(api.import_questions(admin, f"khong-co-{tag()}", "cau-hoi.csv",
                                      csv_bytes(QUESTION_COLUMNS, bank_rows(more))), 404, "contest_not_found")


# ---- the quiz ----------------------------------------------------------------------------------

ALLOWED_PAPER_FIELDS = {"attempt_id", "contest", "round", "deadline", "prediction_question", "questions",
                        "id", "text", "options", "key"}


def field_names(value):
    if isinstance(value, dict):
        return set(value) | set().union(*(field_names(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(field_names(v) for v in value)) if value else set()
    return set()


def check_paper(paper, world):
    """A started attempt: 3 questions of our bank, options A-D with their own texts, no answer key."""
    assert field_names(paper) <= ALLOWED_PAPER_FIELDS, field_names(paper) - ALLOWED_PAPER_FIELDS
    assert paper["prediction_question"]
    assert parse_time(paper["deadline"]).tzinfo is not None
    assert len(paper["questions"]) == SETTINGS["questions_per_attempt"]
    assert len({q["id"] for q in paper["questions"]}) == len(paper["questions"])
    for q in paper["questions"]:
        source = world["by_text"][q["text"]]
        # Lettered A–D in the order shown (per attempt); the texts are the bank's four options.
        assert [o["key"] for o in q["options"]] == list(KEYS)
        assert sorted(o["text"] for o in q["options"]) == sorted(source[k.lower()] for k in KEYS)


def test_attempt_lifecycle(api, world, admin):
    contest = world["contest"]
    person = api.new_contestant(world["units"]["A"])
    me = person["headers"]

    assert_error(api.start(me, contest, 2), 409, "round_not_open")
    assert_error(api.start(me, contest, 9), 404, "round_not_found")
    assert_error(api.start(me, f"khong-co-{tag()}", 1), 404, "contest_not_found")
    assert_error(api.start(admin, contest, 1), 403, "forbidden")  # staff do not take the quiz

    resp = api.start(me, contest, 1)
    assert resp.status_code == 201, resp.text
    paper = resp.json()
    check_paper(paper, world)
    attempt_id = paper["attempt_id"]
    assert_error(api.start(me, contest, 1), 409, "attempt_in_progress")

    # Autosave twice (last write wins), a bad sheet is refused, resume shows the saved sheet.
    assert api.save(me, attempt_id, sheet(paper, world["by_text"], 1), prediction=5).status_code == 200
    saved = sheet(paper, world["by_text"], 2)
    resp = api.save(me, attempt_id, saved, prediction=7)
    assert resp.status_code == 200 and resp.json()["attempt_id"] == attempt_id, resp.text
    assert_error(api.save(me, attempt_id, {paper["questions"][0]["id"]: "E"}), 422, "invalid_answers")
    assert_error(api.save(me, attempt_id, {"khong-phai-cau-hoi-nay": "A"}), 422, "invalid_answers")
    resumed = api.resume(me, attempt_id)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["answers"] == saved and resumed.json()["prediction"] == 7
    assert [q["id"] for q in resumed.json()["questions"]] == [q["id"] for q in paper["questions"]]

    other = api.new_contestant(world["units"]["B"])
    assert_error(api.save(other["headers"], attempt_id, saved), 403, "not_your_attempt")
    assert_error(api.attempt(other["headers"], attempt_id), 403, "not_your_attempt")
    assert_error(api.submit(other["headers"], attempt_id, saved), 403, "not_your_attempt")

    # Submit all three right; submitting again (other answers) returns the same attempt, one result.
    resp = api.submit(me, attempt_id, sheet(paper, world["by_text"], 3), prediction=12)
    assert resp.status_code == 202, resp.text
    assert resp.json()["attempt_id"] == attempt_id and resp.json()["status"] in ("submitted", "graded")
    again = api.submit(me, attempt_id, sheet(paper, world["by_text"], 0), prediction=1)
    assert again.status_code == 202, again.text
    assert again.json()["attempt_id"] == attempt_id
    assert_error(api.save(me, attempt_id, saved), 409, "attempt_not_in_progress")

    first = wait_graded(api, me, attempt_id)
    assert (first["correct"], first["total"]) == (3, 3), first
    assert first["duration_ms"] >= 0 and parse_time(first["submitted_at"]).tzinfo is not None
    staff_view = api.attempt(admin, attempt_id)
    assert staff_view.status_code == 200 and staff_view.json()["correct"] == 3

    # Second attempt (the last one allowed): one right.
    resp = api.start(me, contest, 1)
    assert resp.status_code == 201, resp.text
    paper2 = resp.json()
    check_paper(paper2, world)
    assert api.submit(me, paper2["attempt_id"], sheet(paper2, world["by_text"], 1), prediction=12).status_code == 202
    second = wait_graded(api, me, paper2["attempt_id"])
    assert (second["correct"], second["total"]) == (1, 3), second

    mine = api.my_attempts(me)
    assert mine.status_code == 200, mine.text
    assert {a["attempt_id"]: (a["status"], a["correct"]) for a in mine.json()} == {
        attempt_id: ("graded", 3), paper2["attempt_id"]: ("graded", 1)}
    assert_error(api.start(me, contest, 1), 409, "attempt_limit")
    assert_error(api.attempt(me, "khong-co-luot-thi"), 404, "attempt_not_found")
    # Still exactly one result for the first attempt.
    assert wait_graded(api, me, attempt_id)["correct"] == 3


def test_option_letters_are_per_attempt_and_mapped_back_when_grading(api, admin):
    """Issue 14, finding 8: every bank answer is B (as skewed as the seed bank), yet on each paper
    the right option carries the letter of its shown place; the right options chosen under
    different letters are all graded right, and "question → B" is worth only what chance gives."""
    t = tag()
    unit = f"E2E-{t}-KEY"
    api.setup_units(admin, [(unit, "Văn phòng UBND tỉnh (kiểm thử chữ cái)", "province_dept", "", 10)])
    code = f"e2e-k-{t}"
    bank = [dict(q, answer="B") for q in make_bank(code, 5)]
    api.setup_contest(admin, code, open_rounds(), {"questions_per_attempt": 5, "max_attempts_per_round": 1,
                                                     "time_limit_s": 600}, bank)
    by_text = {q["text"]: q for q in bank}
    people = [api.new_contestant(unit) for _ in range(4)]
    papers = []
    for person in people:
        resp = api.start(person["headers"], code, 1)
        assert resp.status_code == 201, resp.text
        papers.append(resp.json())
    right = [{q["text"]: sheet(p, by_text, 5)[q["id"]] for q in p["questions"]} for p in papers]
    # Some question's right answer has different letters on different papers.
    assert any(len({r[text] for r in right}) > 1 for text in by_text), right
    # Two people choose the right options (whatever their letters), two send "every question → B".
    for person, paper in zip(people[:2], papers[:2]):
        answers = sheet(paper, by_text, 5)
        assert api.save(person["headers"], paper["attempt_id"], answers, prediction=4).status_code == 200
        resumed = api.resume(person["headers"], paper["attempt_id"]).json()
        assert resumed["answers"] == answers  # resume shows this paper's letters
        assert api.submit(person["headers"], paper["attempt_id"], answers, prediction=4).status_code == 202
        assert wait_graded(api, person["headers"], paper["attempt_id"])["correct"] == 5
    chance = []
    for person, paper in zip(people[2:], papers[2:]):
        all_b = {q["id"]: "B" for q in paper["questions"]}
        expected = sum(1 for q in paper["questions"] if sheet(paper, by_text, 5)[q["id"]] == "B")
        assert api.submit(person["headers"], paper["attempt_id"], all_b, prediction=4).status_code == 202
        assert wait_graded(api, person["headers"], paper["attempt_id"])["correct"] == expected
        chance.append(expected)
    assert min(chance) < 5, chance  # both papers with every right option at B: probability 4**-10


def test_submit_without_answers_grades_the_autosaved_sheet(api, world):
    """SPEC 3: a submit whose body carries no `answers` grades the autosave, end to end (gateway,
    quiz, scoring); it never empties the sheet."""
    person = api.new_contestant(world["units"]["A"])
    me = person["headers"]
    resp = api.start(me, world["contest"], 1)
    assert resp.status_code == 201, resp.text
    paper = resp.json()
    assert api.save(me, paper["attempt_id"], sheet(paper, world["by_text"], 2), prediction=4).status_code == 200
    resp = api.http.post(f"/attempts/{paper['attempt_id']}/submit", json={"prediction": 9}, headers=me)
    assert resp.status_code == 202, resp.text
    graded = wait_graded(api, me, paper["attempt_id"])
    assert (graded["correct"], graded["total"]) == (2, 3), graded


def test_options_are_shuffled_across_attempts(api, world):
    orders = {}  # question id -> set of option orders seen
    for _ in range(4):
        person = api.new_contestant(world["units"]["C"])
        for _ in range(SETTINGS["max_attempts_per_round"]):
            resp = api.start(person["headers"], world["contest"], 1)
            assert resp.status_code == 201, resp.text
            paper = resp.json()
            for q in paper["questions"]:
                orders.setdefault(q["id"], set()).add(tuple(o["text"] for o in q["options"]))
            assert api.submit(person["headers"], paper["attempt_id"], {}).status_code == 202
    # 8 attempts x 3 of 6 questions: a fixed order would give one order per question (odds of that
    # with a real shuffle are below 1e-20).
    assert any(len(seen) > 1 for seen in orders.values()), orders
    assert len(set().union(*orders.values())) > 1


def start_just_before_the_close(api, admin, person, windows_s=(10, 20, 40, 80)):
    """A contest of its own whose only round closes `window` s after it is created, `person`'s
    attempt started in it and 2 of 3 answers autosaved before that close. Returns
    (code, rounds, paper, by_text).

    The round must close by itself during the test, so its close is a time; but setting up on a
    loaded machine can take longer than any fixed window. When the round closed first (the start or
    the autosave refused as too late) that is no verdict: start over with a fresh contest and twice
    the window. A quick machine waits the first window only; what is checked afterwards is always
    an attempt that really began before the close and a save that really landed."""
    too_slow = []
    for window_s in windows_s:
        code = f"e2e-dl-{tag()}"
        bank = make_bank(code, 3)
        by_text = {q["text"]: q for q in bank}
        now = now_utc()
        rounds = [{"opens_at": iso(now - dt.timedelta(minutes=1)),
                   "closes_at": iso(now + dt.timedelta(seconds=window_s))}]
        api.setup_contest(admin, code, rounds, {**SETTINGS, "grace_s": 1}, bank)
        resp = api.start(person["headers"], code, 1)
        if resp.status_code == 409 and resp.json().get("code") == "round_not_open":
            too_slow.append((window_s, "start"))
            continue
        assert resp.status_code == 201, resp.text
        paper = resp.json()
        saved = api.save(person["headers"], paper["attempt_id"], sheet(paper, by_text, 2), prediction=1)
        if saved.status_code == 409 and saved.json().get("code") == "deadline_passed":
            too_slow.append((window_s, "save"))
            continue
        assert saved.status_code == 200, saved.text
        return code, rounds, paper, by_text
    raise AssertionError(f"the round closed before the attempt was started and saved, every time: {too_slow}")


def test_deadline_passed_grades_the_autosaved_answers(api, admin):
    """The attempt's deadline is the round's close (a few seconds away); the late submit is refused
    with 409 and what was autosaved before the deadline is graded."""
    t = tag()
    unit = f"DL{t}"
    api.setup_units(admin, [(unit, "Văn phòng UBND tỉnh (kiểm thử)", "province_dept", "", 5)])
    person = api.new_contestant(unit)
    code, rounds, paper, by_text = start_just_before_the_close(api, admin, person)
    deadline = parse_time(paper["deadline"])
    assert deadline <= parse_time(rounds[0]["closes_at"])  # never past the round's close

    # The deadline itself is what this test is about: wait it out, plus the grace (1 s), on the
    # server's clock (the same machine's), with a margin. Nothing here races: the server can only
    # see a later time than this.
    time.sleep(max(0.0, (deadline - dt.datetime.now(dt.timezone.utc)).total_seconds()) + 1.5)
    late = api.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, 3), prediction=1)
    assert_error(late, 409, "deadline_passed")

    graded = wait_graded(api, person["headers"], paper["attempt_id"])
    assert (graded["correct"], graded["total"]) == (2, 3), graded
    assert graded.get("auto_submitted") is True, graded
    assert parse_time(graded["submitted_at"]) == deadline  # auto-submitted at the deadline
    assert_error(api.start(person["headers"], code, 1), 409, "round_not_open")

    # The round closed by itself: once its only attempt is graded, it is ranked without any action.
    def ranked():
        board = api.leaderboard(code, 1).json()
        return board if board["final"] else None

    board = wait_for(ranked, 60)
    assert board["actual_attempts"] == 1
    assert [(r["contestant_id"], r["correct"], r["prediction_diff"]) for r in board["rows"]] == [(person["id"], 2, 0)]


# ---- results -----------------------------------------------------------------------------------

def take(api, person, contest, by_text, n_correct, prediction, think_s=0.0):
    """One attempt with a known grade; returns the graded attempt as GET /attempts/{id} shows it."""
    resp = api.start(person["headers"], contest, 1)
    assert resp.status_code == 201, resp.text
    paper = resp.json()
    if think_s:
        time.sleep(think_s)
    resp = api.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, n_correct), prediction)
    assert resp.status_code == 202, resp.text
    graded = wait_graded(api, person["headers"], paper["attempt_id"])
    assert graded["correct"] == n_correct, graded
    return {**graded, "contestant_id": person["id"], "prediction": prediction}


def test_leaderboard_live_then_final_and_unit_stats(api, world, admin):
    t = tag()
    units = {"A": f"LB{t}-SO", "B": f"LB{t}-HUYEN", "C": f"LB{t}-XA"}
    api.setup_units(admin, [
        (units["A"], "Sở Thông tin và Truyền thông", "province_dept", "", 4),
        (units["B"], "UBND huyện Quảng Điền", "district", "", 10),
        (units["C"], "UBND xã Quảng Thái", "commune", units["B"], 3),
        (f"LB{t}-TRONG", "Đơn vị chưa ai dự thi", "public_unit", "", 50),
    ])
    code = f"e2e-lb-{t}"
    bank = make_bank(code, 5)
    api.setup_contest(admin, code, open_rounds(), SETTINGS, bank)
    by_text = {q["text"]: q for q in bank}
    p = {name: api.new_contestant(units[u], full_name=full)
         for name, u, full in [("fast", "A", "Nguyễn Văn An"), ("exact", "A", "Trần Thị Bình"),
                               ("twice", "B", "Lê Quang Cường"), ("zero", "B", "Phạm Thị Dung"),
                               ("commune", "C", "Hoàng Văn Em")]}
    # 6 attempts will be submitted: "exact" predicts 6.
    entries = [
        take(api, p["fast"], code, by_text, 3, prediction=100),
        take(api, p["exact"], code, by_text, 3, prediction=6, think_s=1.5),
        take(api, p["twice"], code, by_text, 1, prediction=7),
        take(api, p["twice"], code, by_text, 2, prediction=7),
        take(api, p["zero"], code, by_text, 0, prediction=6),
        take(api, p["commune"], code, by_text, 2, prediction=6),
    ]

    # Live: no prediction key, no actual, one row per contestant (their best attempt).
    resp = api.leaderboard(code, 1)
    assert resp.status_code == 200, resp.text
    live = resp.json()
    assert live["final"] is False and live["actual_attempts"] is None
    order, best = expected_order(entries)
    assert [r["contestant_id"] for r in live["rows"]] == order
    assert [r["rank"] for r in live["rows"]] == [1, 2, 3, 4, 5]
    for row in live["rows"]:
        counted = best[row["contestant_id"]]
        assert row["prediction_diff"] is None
        # SPEC 6 (live_board: scores, the default): nobody's prediction while the round is open.
        assert (row["correct"], row["prediction"], row["duration_ms"]) == (
            counted["correct"], None, counted["duration_ms"]), row
        assert parse_time(row["submitted_at"]) == parse_time(counted["submitted_at"])
    names = {r["contestant_id"]: r["full_name"] for r in live["rows"]}
    assert names[p["twice"]["id"]] == "Lê Quang Cường"
    assert {r["contestant_id"]: r["unit_code"] for r in live["rows"]}[p["commune"]["id"]] == units["C"]
    assert len(api.leaderboard(code, 1, limit=2).json()["rows"]) == 2
    assert api.leaderboard(code, 1, limit=0).status_code == 422

    # Close: final board with the prediction key (actual = 6 submitted attempts).
    resp = api.close_round(admin, code, 1)
    assert resp.status_code == 200, resp.text
    assert resp.json()["n"] == 1 and resp.json()["status"] in ("closed", "finalized")
    assert_error(api.start(p["fast"]["headers"], code, 1), 409, "round_not_open")
    assert_error(api.close_round(admin, code, 2), 409, "round_not_open")

    def final_board():
        board = api.leaderboard(code, 1).json()
        return board if board["final"] else None

    final = wait_for(final_board, 60)
    assert final["actual_attempts"] == 6
    order, best = expected_order(entries, actual=6)
    assert [r["contestant_id"] for r in final["rows"]] == order
    assert [r["rank"] for r in final["rows"]] == [1, 2, 3, 4, 5]
    for row in final["rows"]:
        assert row["prediction_diff"] == abs(best[row["contestant_id"]]["prediction"] - 6), row
        assert row["correct"] == best[row["contestant_id"]]["correct"]
    # The prediction decides between the two perfect papers: "exact" (diff 0) before "fast" (diff 94).
    assert order[:2] == [p["exact"]["id"], p["fast"]["id"]]
    # ... and between the two 2-correct contestants: "commune" (diff 0) before "twice" (diff 1).
    assert order[2:4] == [p["commune"]["id"], p["twice"]["id"]] and order[4] == p["zero"]["id"]

    wait_for(lambda: api.contest(code).json()["rounds"][0]["status"] == "finalized", 30)
    again = api.close_round(admin, code, 1)  # closing again is harmless
    assert again.status_code == 200 and again.json()["status"] == "finalized", again.text
    assert api.leaderboard(code, 1).json() == final

    # Unit statistics, by hand: participation = participants / headcount (capped at 1); quality =
    # mean over the unit's contestants of counted correct / questions; zero_results = counted 0s.
    resp = api.unit_stats(code)
    assert resp.status_code == 200, resp.text
    stats = {s["unit_code"]: s for s in resp.json()}
    expected = {
        units["A"]: (4, 2, 2 / 4, (3 / 3 + 3 / 3) / 2, 0),
        units["B"]: (10, 2, 2 / 10, (2 / 3 + 0 / 3) / 2, 1),
        units["C"]: (3, 1, 1 / 3, 2 / 3, 0),
        f"LB{t}-TRONG": (50, 0, 0.0, 0.0, 0),
    }
    for unit, (headcount, participants, participation, quality, zero) in expected.items():
        s = stats[unit]
        assert (s["headcount"], s["participants"], s["zero_results"]) == (headcount, participants, zero), s
        assert s["participation"] == pytest.approx(participation) and s["quality"] == pytest.approx(quality), s
    assert_error(api.leaderboard(code, 1, limit=5000), 422, "invalid_input")
