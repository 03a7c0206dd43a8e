"""系统管理 over the app `yibao serve` builds: the user forms (create, role, deactivate/reactivate, reset
password), each validated, audited by the library and refused to an inspector; the roles, the dated policy
parameters and the audit log."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from webfix import PASSWORD, ROLES, TestClient, cells, log_in

from yibao.audit.models import AuditEntry
from yibao.auth.models import User
from yibao.auth.roles import ROLE_LABELS, ROLE_PERMISSIONS, Permission, Role
from yibao.whistle.rewards import load_reward_rules

NEW_PASSWORD = "another-pass-2"


def _audit(case_db: str) -> list[tuple[str, str, str, str]]:
    engine = create_engine(case_db)
    with engine.connect() as con:
        rows = con.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.object_id, AuditEntry.payload).order_by(
                AuditEntry.seq
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def _user(case_db: str, username: str) -> User | None:
    engine = create_engine(case_db)
    with engine.connect() as con:
        row = con.execute(select(User).where(User.username == username)).first()
    engine.dispose()
    return row[0] if row else None


def _row(case_db: str, username: str) -> dict[str, object]:
    engine = create_engine(case_db)
    with engine.connect() as con:
        row = con.execute(
            select(User.id, User.role, User.cert_no, User.fixmedins_code, User.active).where(
                User.username == username
            )
        ).one()
    engine.dispose()
    return dict(row._mapping)


def _can_log_in(client: TestClient, username: str, password: str) -> bool:
    r = client.post("/console/login", data={"username": username, "password": password, "next": "/console/"})
    ok = r.status_code == 200 and "退出登录" in r.text
    if ok:
        client.post("/console/logout")
    return ok


NEW = {
    "username": "zhao",
    "display_name": "赵执法",
    "role": "case_officer",
    "cert_no": "执法0099",
    "fixmedins_code": "",
    "password": "zhao-pass-123",
    "password2": "zhao-pass-123",
}


def test_the_director_creates_a_user_who_can_log_in(app_client: TestClient, case_db: str) -> None:
    log_in(app_client, "boss")
    html = app_client.get("/console/").text
    assert '<a href="/console/admin">系统管理</a>' in html
    r = app_client.get("/console/admin")
    assert r.url.path == "/console/admin/users"
    rows = cells(r.text, "users")
    assert sorted(row[0] for row in rows) == sorted(ROLES)
    insp = next(row for row in rows if row[0] == "insp")
    assert insp[2] == "稽查员 inspector" and insp[4] == "执法insp" and insp[5] == "在用"
    assert next(row for row in rows if row[0] == "h2user")[3] == "H43010200002"
    # every control of the create form has a label
    form = r.text.split('action="/console/admin/users"', 1)[1].split("</form>", 1)[0]
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
    assert len(ids) == 7 and all(f'<label for="{i}">' in form for i in ids)

    r = app_client.post("/console/admin/users", data=NEW)
    assert r.url.path == "/console/admin/users" and "已创建用户：zhao" in r.text
    row = next(row for row in cells(r.text, "users") if row[0] == "zhao")
    assert row[1:6] == ["赵执法", "案件承办人 case_officer", "", "执法0099", "在用"]
    actor, action, _obj, payload = _audit(case_db)[-1]
    assert (actor, action) == ("boss", "user.create") and '"username":"zhao"' in payload
    app_client.post("/console/logout")
    assert _can_log_in(app_client, "zhao", "zhao-pass-123")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password2": "something-else"}, "两次输入的密码不一致"),
        ({"password": "short", "password2": "short"}, "密码至少8位"),
        ({"username": "insp"}, "用户名已存在：insp"),
        ({"username": "a b/c"}, "用户名须为2–64位字母、数字"),
        ({"role": "superuser"}, "请选择角色"),
        ({"role": "institution"}, "机构用户须指定机构编码"),
    ],
)
def test_the_create_form_validates_and_keeps_what_was_typed(
    app_client: TestClient, case_db: str, change: dict[str, str], message: str
) -> None:
    log_in(app_client, "boss")
    before = len(_audit(case_db))
    r = app_client.post("/console/admin/users", data={**NEW, **change})
    assert r.status_code == 400
    assert message in r.text and 'role="alert" id="create-error"' in r.text
    assert 'value="赵执法"' in r.text and 'value="执法0099"' in r.text  # typed values kept
    assert "zhao-pass-123" not in r.text  # passwords never echoed
    if change.get("username") != "insp":
        assert _user(case_db, change.get("username", "zhao")) is None
    assert len(_audit(case_db)) == before  # nothing written, nothing audited


def test_change_role_is_audited_and_validated(app_client: TestClient, case_db: str) -> None:
    log_in(app_client, "boss")
    page = app_client.get("/console/admin/users/insp").text
    for form in re.findall(r"<form method=\"post\".*?</form>", page, re.S):
        for i in re.findall(r'<(?:input|select)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', form):
            assert f'<label for="{i}">' in form
    uid = _row(case_db, "insp")["id"]
    r = app_client.post(
        "/console/admin/users/insp/role",
        data={"role": "case_officer", "cert_no": "执法7", "fixmedins_code": "X"},
    )
    assert r.url.path == "/console/admin/users/insp" and "已修改角色" in r.text
    assert 'data-testid="user-role">案件承办人<' in r.text
    assert _row(case_db, "insp") | {"id": 0} == {
        "id": 0,
        "role": "case_officer",
        "cert_no": "执法7",
        "fixmedins_code": None,  # only institution users carry an institution
        "active": True,
    }
    actor, action, obj, payload = _audit(case_db)[-1]
    assert (actor, action, obj) == ("boss", "user.role", str(uid))
    assert '"from":{"cert_no":"执法insp","fixmedins_code":null,"role":"inspector"}' in payload
    # the user's next request already carries the new role
    app_client.post("/console/logout")
    log_in(app_client, "insp")
    assert "案件承办人" in app_client.get("/console/").text
    app_client.post("/console/logout")
    log_in(app_client, "boss")
    # refused: an institution user without an institution, an unknown role, one's own role
    r = app_client.post("/console/admin/users/insp/role", data={"role": "institution", "fixmedins_code": ""})
    assert r.status_code == 400 and "机构用户须指定机构编码" in r.text
    r = app_client.post("/console/admin/users/insp/role", data={"role": "root"})
    assert r.status_code == 400 and "没有该角色：root" in r.text
    r = app_client.post("/console/admin/users/boss/role", data={"role": "inspector"})
    assert r.status_code == 400 and "不能修改自己的角色" in r.text
    assert _row(case_db, "boss")["role"] == "director" and _row(case_db, "insp")["role"] == "case_officer"
    assert app_client.get("/console/admin/users/nobody").status_code == 404
    r = app_client.post(
        "/console/admin/users/h2user/role", data={"role": "institution", "fixmedins_code": "H9"}
    )
    assert _row(case_db, "h2user")["fixmedins_code"] == "H9"


def test_deactivate_ends_sessions_and_reactivate_restores_login(
    app_client: TestClient, case_db: str, tmp_path: Path
) -> None:
    other = TestClient(app_client.app)
    log_in(other, "insp")
    assert other.get("/console/findings").url.path == "/console/findings"
    log_in(app_client, "boss")
    r = app_client.post("/console/admin/users/insp/active", data={"active": "0"})
    assert "已停用账号" in r.text and 'data-testid="user-active">停用<' in r.text
    assert _audit(case_db)[-1][:2] == ("boss", "user.deactivate")
    assert other.get("/console/findings").url.path == "/console/login"  # its session no longer works
    assert not _can_log_in(other, "insp", PASSWORD)
    r = app_client.post("/console/admin/users/insp/active", data={"active": "1"})
    assert "已启用账号" in r.text and _audit(case_db)[-1][:2] == ("boss", "user.activate")
    assert _can_log_in(other, "insp", PASSWORD)
    r = app_client.post("/console/admin/users/boss/active", data={"active": "0"})
    assert r.status_code == 400 and "不能停用自己的账号" in r.text
    assert _row(case_db, "boss")["active"] is True


def test_reset_password(app_client: TestClient, case_db: str) -> None:
    log_in(app_client, "boss")
    r = app_client.post(
        "/console/admin/users/legal/password", data={"password": NEW_PASSWORD, "password2": "x"}
    )
    assert r.status_code == 400 and "两次输入的密码不一致" in r.text
    r = app_client.post(
        "/console/admin/users/legal/password", data={"password": "short", "password2": "short"}
    )
    assert r.status_code == 400 and "密码至少8位" in r.text
    r = app_client.post(
        "/console/admin/users/legal/password", data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert "已重置密码" in r.text
    actor, action, obj, _payload = _audit(case_db)[-1]
    assert (actor, action, obj) == ("boss", "user.password", str(_row(case_db, "legal")["id"]))
    app_client.post("/console/logout")
    assert not _can_log_in(app_client, "legal", PASSWORD)
    assert _can_log_in(app_client, "legal", NEW_PASSWORD)


@pytest.mark.parametrize("username", ["insp", "officer", "legal", "h2user"])
def test_administration_is_refused_to_other_roles(
    app_client: TestClient, case_db: str, username: str
) -> None:
    log_in(app_client, username)
    assert "系统管理" not in app_client.get("/console/findings").text
    for path in ("/console/admin", "/console/admin/users", "/console/admin/users/boss", "/console/admin/roles",
                 "/console/admin/params", "/console/admin/audit"):  # fmt: skip
        assert app_client.get(path).status_code == 403, path
    before = len(_audit(case_db))
    assert app_client.post("/console/admin/users", data=NEW).status_code == 403
    assert app_client.post("/console/admin/users/boss/active", data={"active": "0"}).status_code == 403
    assert app_client.post("/console/admin/users/boss/role", data={"role": "inspector"}).status_code == 403
    data = {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert app_client.post("/console/admin/users/boss/password", data=data).status_code == 403
    assert _user(case_db, "zhao") is None and _row(case_db, "boss")["active"] is True
    assert len(_audit(case_db)) == before  # nothing changed, nothing audited
    assert _can_log_in(TestClient(app_client.app), "boss", PASSWORD)


def test_auditors_read_roles_parameters_and_the_log_but_not_users(app_client: TestClient) -> None:
    log_in(app_client, "auditor")
    assert '<a href="/console/admin">系统管理</a>' in app_client.get("/console/findings").text
    assert app_client.get("/console/admin").url.path == "/console/admin/audit"
    assert app_client.get("/console/admin/users").status_code == 403
    assert app_client.post("/console/admin/users", data=NEW).status_code == 403
    assert app_client.get("/console/admin/roles").status_code == 200
    assert app_client.get("/console/admin/params").status_code == 200


def test_roles_page_shows_each_roles_permissions(app_client: TestClient) -> None:
    log_in(app_client, "boss")
    html = app_client.get("/console/admin/roles").text
    header = html.split('id="roles"', 1)[1].split("</thead>", 1)[0]
    assert [label for label in re.findall(r'<th scope="col">([^<]+)<br>', header)] == list(
        ROLE_LABELS.values()
    )
    body = html.split('id="roles"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert len(rows) == len(Permission)
    for perm, row in zip(Permission, rows, strict=True):
        assert f'<span class="code">{perm.value}</span>' in row
        granted = [c == "有" for c in re.findall(r"<td>(.*?)</td>", row)]
        assert granted == [perm in ROLE_PERMISSIONS[Role(r)] for r in ROLE_LABELS]


def _param_rows(html: str, table: str) -> list[list[str]]:
    return cells(html, table)


def test_policy_parameters_show_the_row_in_force(
    app_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a local override folder with a rate change on 2026-01-01, as a region would add one
    local = tmp_path / "rewards"
    local.mkdir()
    (local / "000000.yaml").write_text(
        'description: 测试\nregion: "000000"\nregion_name: 全国\nvalues:\n'
        "  2023-01-01: {reference: 旧标准, ratio: 0.02, insider_ratio: 0.02, floor: 200, cap: 200000}\n"
        "  2026-01-01: {reference: 新标准, ratio: 0.05, insider_ratio: 0.06, floor: 300, cap: 300000}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("YIBAO_REWARD_PARAMS", str(local))
    log_in(app_client, "boss")
    html = app_client.get("/console/admin/params?on=2025-12-31").text
    for key in ("penalty_articles", "procedure", "discretion", "rewards", "credit_points", "credit_grades",
                "coverage", "model_thresholds", "rule_thresholds"):  # fmt: skip
        assert f'id="{key}"' in html, key
    rewards = _param_rows(html, "rewards")
    status = {(r[0].split()[-1], r[2]): r[6] for r in rewards}
    assert status == {
        ("000000", "2023-01-01"): "生效中",
        ("000000", "2026-01-01"): "未生效",
        ("4201", "2019-12-31"): "生效中",
    }
    # the same choice the library makes
    assert load_reward_rules().at("110101", date(2025, 12, 31)).effective == date(2023, 1, 1)
    html = app_client.get("/console/admin/params?on=2026-01-01").text
    status = {(r[0].split()[-1], r[2]): r[6] for r in _param_rows(html, "rewards")}
    assert status[("000000", "2023-01-01")] == "已被替代" and status[("000000", "2026-01-01")] == "生效中"
    assert "ratio = 0.05" in next(r[3] for r in _param_rows(html, "rewards") if r[2] == "2026-01-01")
    # penalty fine multiples per article, credit points before they took effect, rule thresholds undated
    articles = _param_rows(html, "penalty_articles")
    art38 = next(r for r in articles if r[1].startswith("第38条"))
    assert "fine_multiple = [1, 2]" in art38[3] and art38[6] == "生效中"
    old = app_client.get("/console/admin/params?on=2024-01-01").text
    assert [r[6] for r in _param_rows(old, "credit_points")] == ["未生效"]
    assert all(r[2] == "随规则版本" and r[6] == "生效中" for r in _param_rows(old, "rule_thresholds"))
    bad = app_client.get("/console/admin/params?on=yesterday").text
    assert "日期格式应为 YYYY-MM-DD" in bad and f'value="{date.today().isoformat()}"' in bad


def test_a_broken_parameter_file_is_refused_as_its_library_refuses_it(
    app_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = tmp_path / "rewards"
    local.mkdir()
    (local / "000000.yaml").write_text(
        'description: 测试\nregion: "000000"\nvalues:\n  2023-01-01: {ratio: 0.02}\n', encoding="utf-8"
    )
    monkeypatch.setenv("YIBAO_REWARD_PARAMS", str(local))
    log_in(app_client, "boss")
    r = app_client.get("/console/admin/params")
    assert r.status_code == 500 and "000000.yaml：values.2023-01-01.reference：每组取值须注明依据" in r.text


def test_audit_log_viewer_filters_verifies_and_is_audited(app_client: TestClient, case_db: str) -> None:
    log_in(app_client, "boss")
    app_client.post("/console/admin/users", data=NEW)
    html = app_client.get("/console/admin/audit?action=user.create").text
    rows = cells(html, "audit")
    assert all(r[3] == "user.create" for r in rows)
    assert rows[0][2] == "boss" and '"username":"zhao"' in rows[0][5].replace("&#34;", '"').replace(" ", "")
    assert len(rows) == len(ROLES) + 1  # the fixture's users and zhao
    assert _audit(case_db)[-1][:2] == ("boss", "audit.read")
    html = app_client.get("/console/admin/audit?actor=nobody").text
    assert cells(html, "audit") == [["没有符合条件的条目。"]]
    html = app_client.get("/console/admin/audit?verify=1").text
    assert 'data-testid="audit-verify">审计日志完整' in html
    # newest first, 50 a page
    html = app_client.get("/console/admin/audit").text
    seqs = [int(r[0]) for r in cells(html, "audit")]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == min(50, seqs[0])
