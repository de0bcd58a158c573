"""The question bank and the exclusion list through the gateway (issue 13; API.md "Contest setup"):
list and search the bank, edit a question no attempt has drawn (its new key is the one an attempt
is graded by), 409 question_in_use once drawn, deactivate/reactivate; the exclusion list with the
staff accounts, removal (404, 409 staff_member), each bad line of a pasted list reported; roles.
"""
import pytest

from tests.e2e.quizclient import KEYS, Client, Ids, make_bank, open_rounds, tag, wait_graded
from tests.e2e.test_quiz_api import assert_error

SETTINGS = {"questions_per_attempt": 4, "time_limit_s": 600, "max_attempts_per_round": 3, "grace_s": 1}


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def world(api, admin_headers):
    """A unit, a contest whose attempts draw its whole bank of 4 questions, staff of every role."""
    t = tag()
    unit = f"E2E-{t}-NH"
    api.setup_units(admin_headers, [(unit, "Sở Tư pháp (kiểm thử ngân hàng)", "province_dept", "", 5)])
    code = f"e2e-bank-{t}"
    bank = make_bank(code, 4)
    bank[0]["text"] = f"Đề án {t}: Cải cách thủ tục hành chính ở đâu?"
    api.setup_contest(admin_headers, code, open_rounds(), SETTINGS, bank)
    staff = {}
    for role in ("expert", "judge", "monitor"):
        id_number = Ids.next()[0]
        username = f"{role}.{t}"
        resp = api.create_staff(admin_headers, username=username, password="mật-khẩu-nhân-viên", role=role,
                                full_name=f"Cán bộ {role} {t}", id_number=id_number, unit_code=unit)
        assert resp.status_code == 201, resp.text
        staff[role] = {"headers": api.headers(username, "mật-khẩu-nhân-viên"), "id_number": id_number}
    return {"tag": t, "unit": unit, "contest": code, "bank": bank, "staff": staff}


def questions(api, headers, contest, **params):
    return api.http.get(f"/admin/contests/{contest}/questions", params=params, headers=headers)


def patch(api, headers, contest, qid, **body):
    return api.http.patch(f"/admin/contests/{contest}/questions/{qid}", json=body, headers=headers)


def by_text(api, headers, contest):
    resp = questions(api, headers, contest)
    assert resp.status_code == 200, resp.text
    return {q["text"]: q for q in resp.json()}


def audit(api, headers, contest, action):
    resp = api.http.get("/admin/audit", params={"contest": contest, "action": action}, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_list_search_and_roles(api, world, admin_headers):
    contest, expert = world["contest"], world["staff"]["expert"]["headers"]
    resp = questions(api, admin_headers, contest)
    assert resp.status_code == 200, resp.text
    assert resp.headers["x-total-count"] == "4"
    rows = resp.json()
    assert {q["text"] for q in rows} == {q["text"] for q in world["bank"]}
    one = next(q for q in rows if q["text"] == world["bank"][1]["text"])
    assert one["answer"] == world["bank"][1]["answer"] and one["active"] is True and one["used"] is False
    assert one["options"] == [{"key": k, "text": world["bank"][1][k.lower()]} for k in KEYS]
    # Without diacritics, any case.
    resp = questions(api, expert, contest, q=f"DE AN {world['tag']}: cai cach")
    assert resp.status_code == 200 and [q["text"] for q in resp.json()] == [world["bank"][0]["text"]]
    resp = questions(api, admin_headers, contest, limit=3, offset=2)
    assert resp.headers["x-total-count"] == "4" and len(resp.json()) == 2
    assert questions(api, admin_headers, contest, used="true").json() == []
    assert_error(questions(api, admin_headers, "khong-co-hoi-thi"), 404, "contest_not_found")
    for role in ("judge", "monitor"):
        assert_error(questions(api, world["staff"][role]["headers"], contest), 403, "forbidden")
    person = api.new_contestant(world["unit"])
    assert_error(questions(api, person["headers"], contest), 403, "forbidden")
    assert_error(api.http.get(f"/admin/contests/{contest}/questions"), 401, "not_authenticated")
    assert_error(patch(api, person["headers"], contest, one["id"], active=False), 403, "forbidden")
    assert_error(patch(api, world["staff"]["judge"]["headers"], contest, one["id"], active=False), 403, "forbidden")


def test_edited_key_of_unused_question_grades_the_attempt(api, world, admin_headers):
    """The key of a question no attempt has drawn is changed; an attempt that then draws it is
    graded by the new key (scoring's copy follows), and the question is in use from then on."""
    contest, expert = world["contest"], world["staff"]["expert"]["headers"]
    bank = {q["text"]: dict(q) for q in world["bank"]}
    target = by_text(api, admin_headers, contest)[world["bank"][2]["text"]]
    old = target["answer"]
    new = KEYS[(KEYS.index(old) + 1) % 4]
    edited_text = f"Câu hỏi đã sửa {world['tag']}: đáp án đúng là phương án nào?"
    options = [{"key": k, "text": f"Phương án {k} (đã sửa)"} for k in KEYS]
    resp = patch(api, expert, contest, target["id"], text=edited_text, options=options, answer=new,
                 reason="Đáp án cũ sai")
    assert resp.status_code == 200, resp.text
    edited = resp.json()
    assert (edited["text"], edited["answer"], edited["used"]) == (edited_text, new, False)
    assert edited["options"] == options and edited["id"] != target["id"]
    (entry,) = audit(api, admin_headers, contest, "question.update")
    assert entry["reason"] == "Đáp án cũ sai" and entry["role"] == "expert"
    assert (entry["before"]["answer"], entry["after"]["answer"]) == (old, new)
    assert_error(patch(api, admin_headers, contest, target["id"], active=False), 404, "question_not_found")
    del bank[world["bank"][2]["text"]]
    bank[edited_text] = {"text": edited_text, **{k.lower(): o["text"] for k, o in zip(KEYS, options)}, "answer": new}

    person = api.new_contestant(world["unit"])
    resp = api.start(person["headers"], contest, 1)
    assert resp.status_code == 201, resp.text
    paper = resp.json()
    assert edited["id"] in {q["id"] for q in paper["questions"]}
    answers = {}
    for q in paper["questions"]:
        right = bank[q["text"]][bank[q["text"]]["answer"].lower()]
        answers[q["id"]] = next(o["key"] for o in q["options"] if o["text"] == right)
    assert api.submit(person["headers"], paper["attempt_id"], answers, prediction=3).status_code == 202
    graded = wait_graded(api, person["headers"], paper["attempt_id"])
    assert (graded["correct"], graded["total"]) == (4, 4)

    # Drawn now: its text, options and answer are fixed; it can still be taken out of the draws.
    now_used = by_text(api, admin_headers, contest)[edited_text]
    assert now_used["used"] is True
    other_options = [{"key": o["key"], "text": o["text"] + " (lần hai)"} for o in options]
    for body in ({"text": "Khác?"}, {"answer": old}, {"options": other_options}):
        assert_error(patch(api, admin_headers, contest, edited["id"], **body), 409, "question_in_use")
    resp = patch(api, admin_headers, contest, edited["id"], active=False, reason="Thay bằng câu mới")
    assert resp.status_code == 200 and resp.json()["active"] is False
    assert [q["id"] for q in questions(api, admin_headers, contest, active="false").json()] == [edited["id"]]
    resp = patch(api, expert, contest, edited["id"], active=True)
    assert resp.status_code == 200 and resp.json()["active"] is True
    assert len(audit(api, admin_headers, contest, "question.update")) == 3


def test_patch_errors(api, world, admin_headers):
    # A contest of its own: every question of the module's contest has been drawn by now.
    other = f"e2e-bank-{world['tag']}-2"
    other_bank = make_bank(other, 4)
    api.setup_contest(admin_headers, other, open_rounds(), SETTINGS, other_bank)
    rows = by_text(api, admin_headers, other)
    qid = rows[other_bank[3]["text"]]["id"]
    assert_error(patch(api, admin_headers, other, qid, answer="E"), 422, "invalid_question")
    assert_error(patch(api, admin_headers, other, qid, text="   "), 422, "invalid_question")
    resp = patch(api, admin_headers, other, qid, options=[{"key": "A", "text": "x"}])
    assert resp.status_code == 422, resp.text
    assert_error(patch(api, admin_headers, other, qid, text=other_bank[1]["text"]), 409, "question_exists")
    assert_error(patch(api, admin_headers, other, "khongco", active=False), 404, "question_not_found")
    assert_error(patch(api, admin_headers, "khong-co-hoi-thi", qid, active=False), 404, "contest_not_found")
    # A question of another contest is not found under this one.
    mine = by_text(api, admin_headers, world["contest"])[world["bank"][3]["text"]]["id"]
    assert_error(patch(api, admin_headers, other, mine, active=False), 404, "question_not_found")
    assert by_text(api, admin_headers, other)[other_bank[3]["text"]]["active"] is True


def test_exclusions_list_remove_and_bad_lines(api, world, admin_headers):
    contest, path = world["contest"], f"/admin/contests/{world['contest']}/exclusions"
    person = api.new_contestant(world["unit"], full_name="Lê Thị Mỹ Duyên")
    listed = Ids.next()[0]
    resp = api.exclude(admin_headers, contest, [person["id_number"], "abc", listed, "12345"])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["added"] == 2 and [e["row"] for e in body["errors"]] == [2, 4]
    assert "«abc»" in body["errors"][0]["message"]
    resp = api.http.get(path, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    rows = {r["id_number"]: r for r in resp.json()}
    assert rows[person["id_number"]] == {"id_number": person["id_number"], "full_name": "Lê Thị Mỹ Duyên",
                                         "source": "list"}
    assert rows[listed]["source"] == "list"
    expert = world["staff"]["expert"]
    assert rows[expert["id_number"]]["source"] == "staff"
    assert_error(api.start(person["headers"], contest, 1), 403, "excluded")

    resp = api.http.request("DELETE", f"{path}/{person['id_number']}", json={"reason": "Không phải cán bộ phục vụ"},
                            headers=admin_headers)
    assert resp.status_code == 204, resp.text
    assert api.start(person["headers"], contest, 1).status_code == 201
    assert_error(api.http.delete(f"{path}/{person['id_number']}", headers=admin_headers), 404, "exclusion_not_found")
    assert_error(api.http.delete(f"{path}/{expert['id_number']}", headers=admin_headers), 409, "staff_member")
    assert_error(api.http.delete(f"/admin/contests/khong-co-hoi-thi/exclusions/{listed}", headers=admin_headers),
                 404, "contest_not_found")
    (entry,) = audit(api, admin_headers, contest, "exclusion.remove")
    assert entry["reason"] == "Không phải cán bộ phục vụ" and entry["before"]["id_number"] == person["id_number"]
    assert audit(api, admin_headers, contest, "exclusions.add")
    for role in ("expert", "judge", "monitor"):
        headers = world["staff"][role]["headers"]
        assert_error(api.http.get(path, headers=headers), 403, "forbidden")
        assert_error(api.http.delete(f"{path}/{listed}", headers=headers), 403, "forbidden")
    assert_error(api.http.get(path, headers=person["headers"]), 403, "forbidden")
    assert_error(api.http.delete(f"{path}/{listed}"), 401, "not_authenticated")
    assert listed in {r["id_number"] for r in api.http.get(path, headers=admin_headers).json()}
