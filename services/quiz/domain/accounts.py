"""Contestants and staff: registration, staff accounts, exclusion checks, login with throttling."""
import datetime as dt
import ipaddress
import logging
import re
import secrets

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from common import prod_secrets
from common.auth import STAFF_ROLES, require
from common.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthorized
from common.time import utcnow
from services.quiz import config
from services.quiz.domain.passwords import DUMMY_HASH, hash_password, verify_password
from services.quiz.errors import err
from services.quiz.domain import rosters
from services.quiz.models import Exclusion, LoginFailure, RegistrationHit, Round, Unit, User
from services.quiz.schemas import nfc, normalize_id_number, normalize_phone, user_out

log = logging.getLogger(__name__)

# Starts with a letter so that a username never looks like a phone number or a CCCD.
USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")



# The 409 `already_registered` by field (its generic message stays in errors.py for the race below).
TAKEN_MESSAGES = {"id_number": "Số CCCD này đã được đăng ký.",
                  "phone": "Số điện thoại này đã được đăng ký."}

def is_excluded(session, id_number, contest_code):
    """Whether `id_number` may not take part in `contest_code`: a staff CCCD (on every contest's
    list automatically) or a CCCD on that contest's own exclusion list. A listing in one contest
    never says anything about another (SPEC 2)."""
    staff = select(User.id_number).where(User.kind == "staff", User.id_number == id_number)
    listed = select(Exclusion.id_number).where(Exclusion.id_number == id_number,
                                               Exclusion.contest_code == contest_code)
    return session.execute(staff.union_all(listed).limit(1)).first() is not None


def registration_blocked(session, id_number, now):
    """Whether registration is refused to `id_number` now (SPEC 2): a staff CCCD, or a CCCD listed
    by a contest that is open now (its first round opened, its last round not closed). A listing in
    a contest that is over or not yet begun blocks nothing here: that contest refuses the person's
    attempts itself (403 `excluded` at start), and other contests must stay open to them."""
    staff = select(User.id_number).where(User.kind == "staff", User.id_number == id_number)
    span = (select(Round.contest_code).group_by(Round.contest_code)
            .having(func.min(Round.opens_at) <= now, func.max(Round.closes_at) > now))
    listed = select(Exclusion.id_number).where(Exclusion.id_number == id_number,
                                               Exclusion.contest_code.in_(span))
    return session.execute(staff.union_all(listed).limit(1)).first() is not None


def _required_text(data, key, max_len=255):
    value = nfc(data.get(key))
    if not value or len(value) > max_len:
        raise err(Invalid, "invalid_input", f"Thiếu hoặc sai trường «{key}».")
    return value


def _password(data):
    password = data.get("password")
    if not isinstance(password, str) or len(password) < 6:
        raise err(Invalid, "invalid_password")
    return password


def _unit_exists(session, code):
    if not code or session.get(Unit, code) is None:
        raise err(Invalid, "unknown_unit")


def _exempt(address, listed):
    """Whether `address` is in REGISTRATION_EXEMPT_ADDRESSES (addresses or networks, comma-separated)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for item in (x.strip() for x in listed.split(",")):
        try:
            if item and ip in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            log.warning("REGISTRATION_EXEMPT_ADDRESSES: %r is not an address or network", item)
    return False


def throttle_registration(uow, source_ip):
    """Count this request to register against its source address; RateLimited
    `too_many_registrations` once REGISTRATION_MAX_PER_ADDRESS were made in the window.

    Every request counts, whatever its outcome, and the count is committed before the
    registration runs: a refused one (a malformed CCCD, a CCCD not on the roster) still costs the
    sender, and a flood of fake accounts from one address stops at the limit in every mode.
    A caller without an address (a service, a test calling quiz directly) is not counted.
    """
    limits = config.current()
    if not source_ip or _exempt(source_ip, limits.registration_exempt_addresses):
        return
    session, now = uow.session, utcnow()
    key = f"ip:{source_ip}"[:128]
    since = now - dt.timedelta(seconds=limits.registration_window_s)
    made = session.scalar(select(func.count()).select_from(RegistrationHit)
                          .where(RegistrationHit.key == key, RegistrationHit.at >= since))
    if made >= limits.registration_max_per_address:
        raise err(RateLimited, "too_many_registrations")
    session.add(RegistrationHit(key=key, at=now))
    session.commit()  # counted even when the registration below is refused (it rolls back)


def prune_registration_hits(uow, now=None):
    """Drop counted registrations older than the window (run by the sweep)."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=config.current().registration_window_s)
    return uow.session.execute(delete(RegistrationHit).where(RegistrationHit.at < cutoff)).rowcount


def register_contestant(uow, data, source_ip=None):
    session = uow.session
    throttle_registration(uow, source_ip)
    if not isinstance(data, dict):
        raise err(Invalid, "invalid_input")
    full_name = _required_text(data, "full_name")
    id_number = normalize_id_number(data.get("id_number"))
    phone = normalize_phone(data.get("phone"))
    unit_code = nfc(data.get("unit_code"))
    position = _required_text(data, "position")
    password = _password(data)
    email = nfc(data.get("email")) or None
    if email and not EMAIL_RE.match(email):
        raise err(Invalid, "invalid_input", "Địa chỉ e-mail không hợp lệ.")
    date_of_birth = None
    if data.get("date_of_birth"):
        try:
            date_of_birth = dt.date.fromisoformat(str(data["date_of_birth"]))
        except ValueError:
            raise err(Invalid, "invalid_input", "Ngày sinh không hợp lệ (định dạng YYYY-MM-DD).")
    _unit_exists(session, unit_code)
    # 409 before 403 (API.md's order): were exclusion checked first, a CCCD sent with a phone that
    # is already taken would answer 403 `excluded` for a staff member and 409 for anyone else, telling
    # who sits on the jury without registering anybody.
    taken = select(User.id_number).where(
        User.kind == "contestant", or_(User.id_number == id_number, User.phone == phone))
    holders = session.scalars(taken.limit(2)).all()
    if holders:
        # Which one is taken (`field` in the 409 body), so the form can say it beside that field:
        # the CCCD when it is (whatever the phone), else the phone.
        field = "id_number" if id_number in holders else "phone"
        raise Conflict("already_registered", TAKEN_MESSAGES[field], {"field": field})
    rosters.check_registration(session, unit_code, id_number)
    if registration_blocked(session, id_number, utcnow()):
        raise err(Forbidden, "excluded")
    user = User(kind="contestant", role="contestant", full_name=full_name, id_number=id_number,
                phone=phone, unit_code=unit_code, position=position, email=email,
                date_of_birth=date_of_birth, password_hash=hash_password(password))
    session.add(user)
    try:
        session.flush()  # a concurrent registration of the same CCCD/phone loses here
    except IntegrityError:
        raise err(Conflict, "already_registered")
    return {"id": user.id, "full_name": user.full_name, "unit_code": user.unit_code}


def create_staff(uow, actor, data, _bootstrap=False):
    if not _bootstrap:
        require(actor, "organizer")
    session = uow.session
    if not isinstance(data, dict):
        raise err(Invalid, "invalid_input")
    username = nfc(data.get("username")).lower()
    if not USERNAME_RE.match(username):
        raise err(Invalid, "invalid_input", "Tên đăng nhập bắt đầu bằng chữ cái, chỉ gồm chữ thường không dấu, số, '.', '_', '-' (3–64 ký tự).")
    role = data.get("role")
    if role not in STAFF_ROLES:
        raise err(Invalid, "invalid_role")
    # The bootstrap password comes from the operator (default admin/admin outside production).
    password = str(data.get("password")) if _bootstrap else _password(data)
    full_name = _required_text(data, "full_name")
    id_number = normalize_id_number(data.get("id_number")) if (data.get("id_number") or not _bootstrap) else None
    unit_code = nfc(data.get("unit_code")) or None
    if unit_code:
        _unit_exists(session, unit_code)
    if session.scalar(select(User.id).where(User.username == username)):
        raise err(Conflict, "username_taken")
    if role == "judge" and not unit_code:
        # SPEC 5: the own-unit rule needs every judge's unit.
        raise err(Invalid, "unit_required")
    user = User(kind="staff", role=role, username=username, full_name=full_name, id_number=id_number,
                unit_code=unit_code, password_hash=hash_password(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise err(Conflict, "username_taken")
    out = {"id": user.id, "username": username, "role": role, "full_name": full_name, "unit_code": unit_code,
           "active": True}
    # Never the password or its hash.
    uow.record(actor, "staff.create", f"user:{user.id}", None, dict(out))
    return out


def staff_out(user):
    return {"id": user.id, "username": user.username, "role": user.role, "full_name": user.full_name,
            "unit_code": user.unit_code, "active": bool(user.active)}


def list_all_staff(session, actor):
    """Every staff account, `[{id, username, role, full_name, unit_code, active}]` by username."""
    require(actor, "organizer")
    users = session.scalars(select(User).where(User.kind == "staff").order_by(User.username)).all()
    return [staff_out(u) for u in users]


def _same_account(actor, user):
    return str((actor or {}).get("id")) == user.id


def end_sessions(uow, user, why):
    """Every token of `user` issued so far stops working: its version moves on, and the gateways
    learn it at once from `account_sessions_ended` (their cache of versions, gateway/sessions.py)."""
    user.token_version = (user.token_version or 0) + 1
    uow.session.flush()
    uow.emit("account_sessions_ended", {"user_id": user.id, "version": user.token_version,
                                        "active": bool(user.active), "reason": why})


_STAFF_FIELDS = ("active", "role", "unit_code", "full_name")


def update_staff(uow, actor, user_id, data):
    """An organizer changes a staff account: active, role, unit, full name (SPEC 6). Deactivating it
    ends its sessions at once; an organizer cannot deactivate or demote their own account (the
    platform would be left without the person doing it, or without any organizer)."""
    require(actor, "organizer")
    session = uow.session
    if not isinstance(data, dict):
        raise err(Invalid, "invalid_input")
    user = session.get(User, str(user_id)) if user_id else None
    if user is None or user.kind != "staff":
        raise err(NotFound, "user_not_found")
    before = staff_out(user)
    if "active" in data and data["active"] is not None:
        if not isinstance(data["active"], bool):
            raise err(Invalid, "invalid_input", "Trường «active» phải là true hoặc false.")
        if not data["active"] and _same_account(actor, user):
            raise err(Conflict, "own_account")
        user.active = data["active"]
    if data.get("role") is not None:
        role = data["role"]
        if role not in STAFF_ROLES:
            raise err(Invalid, "invalid_role")
        if role != "organizer" and user.role == "organizer" and _same_account(actor, user):
            raise err(Conflict, "own_account")
        user.role = role
    if "unit_code" in data:
        unit_code = nfc(data.get("unit_code")) or None
        if unit_code:
            _unit_exists(session, unit_code)
        user.unit_code = unit_code
    if data.get("full_name") is not None:
        user.full_name = _required_text(data, "full_name")
    if user.role == "judge" and not user.unit_code:
        raise err(Invalid, "unit_required")
    after = staff_out(user)
    if after == before:
        return after
    # A role or unit the tokens carry changed too: the old claims must not keep working.
    if (before["active"] and not after["active"]) or before["role"] != after["role"] \
            or before["unit_code"] != after["unit_code"]:
        end_sessions(uow, user, "deactivated" if not after["active"] else "changed")
    uow.record(actor, "staff.update", f"user:{user.id}", before, after, nfc(data.get("reason")) or None)
    return after


# No 0/O, 1/l/I: read aloud or copied from a screen by the person who lost their password.
_TEMP_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def temporary_password(length=12):
    return "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(length))


def reset_password(uow, actor, user_id, reason=None):
    """An organizer issues a one-time password to anyone who lost theirs (SPEC 6): the old password
    and every token stop working, and the next login must set a new password. The audit entry
    names the account and the reason, never the password."""
    require(actor, "organizer")
    session = uow.session
    user = session.get(User, str(user_id)) if user_id else None
    if user is None:
        raise err(NotFound, "user_not_found")
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_sessions(uow, user, "password_reset")
    uow.record(actor, "account.password_reset", f"user:{user.id}", None,
               {"must_change_password": True}, nfc(reason) or None)
    return {"id": user.id, "temporary_password": password}


def change_password(uow, actor, current_password, new_password):
    """The account owner sets a new password (also the forced change after a one-time password);
    every token issued before stops working."""
    session = uow.session
    user = session.get(User, str((actor or {}).get("id") or "")) or None
    if user is None:
        raise err(NotFound, "user_not_found")
    current = current_password if isinstance(current_password, str) else ""
    if not verify_password(user.password_hash, current):
        raise err(Invalid, "wrong_password")
    new = _password({"password": new_password})
    if new == current:
        raise err(Invalid, "same_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_sessions(uow, user, "password_changed")
    return None


def token_state(session, user_id):
    """`{version, active}` of an account, what the gateway compares a token's `ver` with;
    `{version: None, active: False}` for an account that does not exist."""
    user = session.get(User, str(user_id)) if user_id else None
    if user is None:
        return {"version": None, "active": False}
    return {"version": user.token_version or 0, "active": bool(user.active)}


def token_states(session, user_ids):
    """token_state of many accounts in one query (the gateway's coalesced checks at a round's opening)."""
    wanted = {str(u) for u in user_ids if u}
    rows = {row.id: row for row in session.execute(
        select(User.id, User.token_version, User.active).where(User.id.in_(wanted)))} if wanted else {}
    return [{"version": rows[str(u)].token_version or 0, "active": bool(rows[str(u)].active)}
            if u and str(u) in rows else {"version": None, "active": False} for u in user_ids]


def list_staff(session, role):
    """Staff accounts of one role, `[{id, full_name, unit_code}]` ordered by id.

    A contest's jury defaults to every judge (domain/jury.py); media asks `list_jury`, not this.
    """
    if role not in STAFF_ROLES:
        raise err(Invalid, "invalid_role")
    users = session.scalars(
        select(User).where(User.kind == "staff", User.role == role).order_by(User.id)
    ).all()
    return [{"id": u.id, "full_name": u.full_name, "unit_code": u.unit_code} for u in users]


def get_user(session, user_id):
    user = session.get(User, str(user_id)) if user_id else None
    if user is None:
        raise err(NotFound, "user_not_found")
    if user.kind == "staff":
        # Staff are named by login too (the awards' decision documents name their approver so).
        return {**user_out(user), "username": user.username}
    return user_out(user)


def _login_key(username):
    """The account key counted by the throttle: staff username, or a contestant's phone/CCCD."""
    name = nfc(username).lower()
    try:
        return normalize_phone(name)
    except Invalid:
        return name


def _find_login(session, login):
    if re.fullmatch(r"\d{12}", login):
        return session.scalar(select(User).where(User.kind == "contestant", User.id_number == login))
    if re.fullmatch(r"0\d{9}", login):
        return session.scalar(select(User).where(User.kind == "contestant", User.phone == login))
    return session.scalar(select(User).where(User.username == login))


def _failures(session, key, since):
    return session.scalar(select(func.count()).select_from(LoginFailure)
                          .where(LoginFailure.key == key, LoginFailure.at >= since))


def _account_key(user, login):
    return f"user:{user.id}" if user is not None else login


def _pair_prefix(account):
    """Key prefix of one account's failures from every address (an unlock clears them all)."""
    return f"acct:{account[:80]}@"


def authenticate(uow, username, password, source_ip):
    """Check credentials. Failed logins are counted (and committed even though we raise).

    Failures are counted per account *and* address: hammering an account from one address locks
    that address out of it, never its owner logging in from elsewhere (five wrong passwords for
    `admin` from anywhere would otherwise lock the organizer out, again and again). Failures per
    address over every account stop password spraying. The address is the gateway's client address
    (a proxy's header counts only when the proxy is trusted: FORWARDED_ALLOW_IPS).
    """
    session, limits = uow.session, config.current()
    now = utcnow()
    since = now - dt.timedelta(seconds=limits.login_window_s)
    login = _login_key(username or "")
    # Looked up before the counters (a cheap query, no hash): an account is counted as one whether
    # it is named by its phone or its CCCD; a name that finds nobody is counted by that name.
    user = _find_login(session, login) if login else None
    address = (source_ip or "-")[:45]
    pair_key, ip_key = _pair_prefix(_account_key(user, login)) + address, f"ip:{address}"
    if (_failures(session, pair_key, since) >= limits.login_max_failures_per_account
            or _failures(session, ip_key, since) >= limits.login_max_failures_per_ip):
        raise err(RateLimited, "too_many_attempts")
    password = password if isinstance(password, str) else ""
    ok = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if user is None or not ok:
        session.add_all([LoginFailure(key=pair_key, at=now), LoginFailure(key=ip_key, at=now)])
        # Commit before raising: the caller's transaction rolls back on the exception, and the
        # failure must still count.
        session.commit()
        raise err(Unauthorized, "invalid_credentials")
    # A success clears this address's failures on the account (the user's own typos); successes
    # are never counted (a whole agency may share one address). Another address's count stays.
    session.execute(delete(LoginFailure).where(LoginFailure.key == pair_key))
    if not user.active:
        # Told only to whoever knows the password: the owner learns why, nobody else learns anything.
        session.commit()
        raise err(Unauthorized, "account_inactive")
    # The login too, for staff: the gateway puts it in the token, so the audit log names its actors;
    # and the token version (`ver`), so that the account's sessions can be ended (token_state).
    return {**user_out(user), "username": user.username, "token_version": user.token_version,
            "must_change_password": bool(user.must_change_password)}


def unlock_account(uow, actor, user_id, reason=None):
    """An organizer clears an account's failed logins from every address (a user locked out at
    their agency's shared address, say); recorded in the audit log."""
    require(actor, "organizer")
    session = uow.session
    user = session.get(User, str(user_id)) if user_id else None
    if user is None:
        raise err(NotFound, "user_not_found")
    prefix = _pair_prefix(_account_key(user, None))
    cleared = session.execute(delete(LoginFailure).where(
        LoginFailure.key.startswith(prefix, autoescape=True))).rowcount
    uow.record(actor, "account.unlock", f"user:{user.id}", {"failed_logins": cleared}, {"failed_logins": 0},
               nfc(reason) or None)
    return {"id": user.id, "cleared": cleared}


def prune_login_failures(uow, now=None):
    """Drop failures older than the window (run by the sweep)."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=config.current().login_window_s)
    return uow.session.execute(delete(LoginFailure).where(LoginFailure.at < cutoff)).rowcount


def _refuse_weak_bootstrap_password(username, password):
    """Production: the first organizer's password passes the rules every password does, and is no
    value anyone can read (.env.example's, admin, its own username). Checked on every start, also
    when the account exists, so that a weak value in the environment is noticed and changed."""
    weak = [f"BOOTSTRAP_ADMIN_PASSWORD: {why}" for why, bad in (
        ("fails the password rules", not _password_ok(password)),
        ("the same as the username", password.strip().lower() == username.strip().lower()),
        ("a published value (.env.example or a built-in default)", prod_secrets.known_secret(password)),
    ) if bad]
    if weak:
        raise RuntimeError("APP_ENV=production refuses " + "; ".join(weak))


def _password_ok(password):
    try:
        _password({"password": password})
    except Invalid:
        return False
    return True


def bootstrap_admin(uow):
    """Create the first organizer from BOOTSTRAP_ADMIN_* (admin/admin outside production)."""
    settings = config.current()
    username, password = settings.bootstrap_admin_username, settings.bootstrap_admin_password
    if not username or not password:
        if settings.app_env == "production":
            raise RuntimeError("APP_ENV=production: set BOOTSTRAP_ADMIN_USERNAME and BOOTSTRAP_ADMIN_PASSWORD")
        log.warning("BOOTSTRAP_ADMIN_USERNAME/PASSWORD not set: using admin/admin (never in production)")
        username, password = username or "admin", password or "admin"
    if settings.app_env == "production":
        _refuse_weak_bootstrap_password(username, password)
    if uow.session.scalar(select(User.id).where(User.username == username.lower())):
        return None
    return create_staff(uow, None, {"username": username, "password": password, "role": "organizer",
                                        "full_name": "Quản trị hệ thống"}, _bootstrap=True)
