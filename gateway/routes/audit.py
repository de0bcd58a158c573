"""The audit log (SPEC 6): one reader over the logs the services keep (quiz, media, awards).

Each service writes its own hash-chained log in the transaction of the change it records; here the
gateway asks each for its entries and merges them, newest first. An entry is named by `(service, seq)`:
`seq` is its position in that service's chain (never renumbered), `service` which chain.
"""
import asyncio
import datetime as dt
import json
from typing import Annotated

import openpyxl
from fastapi import APIRouter, Query, Response

from common import xlsx
from gateway import schemas
from gateway.auth import MonitoringStaff
from gateway.deps import Rpc
from gateway.errors import ApiError
from gateway.routes import API_PREFIX
from gateway.routes.awards import file_response_bytes

router = APIRouter(prefix=API_PREFIX, tags=["Nhật ký thay đổi"])

# The services that keep an audit log, in the order their entries are listed on a tie of time.
AUDITED = ("quiz", "media", "awards")
EXPORT_LIMIT = 1000

Contest = Annotated[schemas.ContestCodeStr | None, Query(description="Mã hội thi")]
ActorQ = Annotated[str | None, Query(min_length=1, max_length=128, pattern=r"^#?[\w.@+-]+$",
                                     description="Tên đăng nhập hoặc mã tài khoản")]
ActionQ = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[a-z_]+(\.[a-z_]*)?$",
                                      description="Hành động, ví dụ award_set.approve, hoặc tiền tố award_set.")]
Since = Annotated[dt.datetime | None, Query(description="Từ thời điểm (ISO 8601)")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Số dòng tối đa")]


async def gather_entries(rpc, actor, filters, limit):
    """Every service's newest `limit` matching entries, merged newest first, cut to `limit`."""
    answers = await asyncio.gather(*(rpc.call(s, "audit_log", actor, {**filters, "limit": limit})
                                      for s in AUDITED))
    order = {s: i for i, s in enumerate(AUDITED)}
    merged = [e for answer in answers for e in answer]
    merged.sort(key=lambda e: (e["at"], -order[e["service"]], e["seq"]), reverse=True)
    return merged[:limit]


def _filters(contest, actor_q, action, since):
    if since is not None:
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.timezone.utc)
        try:
            # In UTC before it travels: the database takes any year from 1 to 9999 in UTC, not
            # every offset a client may send (0001-01-01T00:00+14:00 is in year 0 in UTC).
            since = since.astimezone(dt.timezone.utc)
        except (OverflowError, ValueError):
            raise ApiError(422, "invalid_input", "Dữ liệu gửi lên không hợp lệ: since nằm ngoài khoảng thời gian hợp lệ.")
    return {"contest": contest, "actor": actor_q, "action": action,
            "since": since.isoformat() if since else None}


@router.get("/admin/audit", response_model=list[schemas.AuditEntryOut],
            summary="Nhật ký thay đổi (mới nhất trước)")
async def audit_log(actor: MonitoringStaff, rpc: Rpc, contest: Contest = None,
                    actor_q: Annotated[ActorQ, Query(alias="actor")] = None, action: ActionQ = None,
                    since: Since = None, limit: Limit = 100):
    return await gather_entries(rpc, actor, _filters(contest, actor_q, action, since), limit)


@router.get("/admin/audit/verify", response_model=schemas.AuditVerifyOut,
            summary="Kiểm tra chuỗi băm của nhật ký thay đổi")
async def audit_verify(actor: MonitoringStaff, rpc: Rpc):
    answers = await asyncio.gather(*(rpc.call(s, "audit_verify", actor) for s in AUDITED))
    bad = next((a for a in answers if not a["ok"]), None)
    return {"entries": sum(a["entries"] for a in answers), "ok": bad is None,
            "first_bad_seq": bad["first_bad_seq"] if bad else None,
            "first_bad_service": bad["service"] if bad else None, "services": answers}


HEADERS = ["Dịch vụ", "Số thứ tự", "Thời điểm", "Người thực hiện", "Vai trò", "Hành động", "Đối tượng",
           "Hội thi", "Trước", "Sau", "Lý do", "Mã băm", "Mã băm trước"]


@router.get("/admin/audit.xlsx", summary="Xuất nhật ký thay đổi (xlsx)", response_class=Response,
            responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
async def audit_xlsx(actor: MonitoringStaff, rpc: Rpc, contest: Contest = None):
    entries = await gather_entries(rpc, actor, _filters(contest, None, None, None), EXPORT_LIMIT)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Nhật ký"
    xlsx.append(sheet, HEADERS)
    dump = lambda v: None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True)  # noqa: E731
    for e in entries:
        xlsx.append(sheet, [e["service"], e["seq"], e["at"], e["actor"], e["role"], e["action"], e["target"],
                            e["contest"], dump(e["before"]), dump(e["after"]), e["reason"], e["hash"],
                            e["prev_hash"]])
    name = f"nhat-ky-{contest}.xlsx" if contest else "nhat-ky.xlsx"
    return file_response_bytes(xlsx.to_bytes(book), name,
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
