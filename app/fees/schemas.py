"""Request and response bodies of bills, payments and the monthly statement."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.core.schemas import Input, Output
from app.fees.models import BillStatus, RefundReason, RefundStatus

Fen = Annotated[int, Field(strict=True, gt=0, le=100_000_000, description="Amount in fen (分).")]


class RefundOut(Output):
    """Money given back on a bill, and how it goes back."""

    id: uuid.UUID
    reason: RefundReason
    days: int = Field(description="Service days given back (0 for a second payment).")
    amount_fen: int
    status: RefundStatus = Field(
        description="pending/processing/succeeded/failed through WeChat Pay; "
        "offline when the school pays it back by hand."
    )
    created_at: datetime


class BillOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3c59dc04-8e1a-4b5c-9d7e-1f2a3b4c5d6e",
                    "student_id": "e4da3b7f-bbce-4345-9d77-7c6b5a4f3e2d",
                    "enrollment_id": "a87ff679-a2f3-471d-8c9e-0b1c2d3e4f5a",
                    "term_id": "8f14e45f-ceea-467f-a8f8-2a1b3c4d5e60",
                    "period": "2026-10",
                    "period_start": "2026-10-08",
                    "period_end": "2026-10-31",
                    "service_days": 17,
                    "amount_fen": 30000,
                    "waived_fen": 0,
                    "due_date": "2026-10-15",
                    "paid_fen": 30000,
                    "refunded_fen": 0,
                    "status": "paid",
                    "refunds": [
                        {
                            "id": "1f0e3dad-9990-4a4b-8c6d-7e8f9a0b1c2d",
                            "reason": "closure",
                            "days": 1,
                            "amount_fen": 1_765,
                            "status": "succeeded",
                            "created_at": "2026-10-20T16:10:00+08:00",
                        }
                    ],
                    "created_at": "2026-10-01T00:05:00+08:00",
                }
            ]
        }
    )

    id: uuid.UUID
    student_id: uuid.UUID
    enrollment_id: uuid.UUID
    term_id: uuid.UUID
    period: str = Field(description='"2026-10" (per month) or "2026-09-01/2027-01-15" (per term).')
    period_start: date
    period_end: date
    service_days: int = Field(description="Service days charged for when the bill was made.")
    amount_fen: int = Field(description="The charge now (less days taken off since).")
    waived_fen: int
    due_date: date
    paid_fen: int
    refunded_fen: int
    status: BillStatus
    refunds: list[RefundOut] = Field(default_factory=list)
    created_at: datetime


class RequestPaymentOut(Output):
    """Pass as-is to ``wx.requestPayment``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "appId": "wx1234567890abcdef",
                    "timeStamp": "1791000000",
                    "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                    "package": "prepay_id=wx201410272009395522657a690389285100",
                    "signType": "RSA",
                    "paySign": "oR9d8PuhnIc+YZ8cBHFCwfgpaK9gd7vaRvkYD7rthRAZ…",
                }
            ]
        }
    )

    appId: str  # noqa: N815 (wx.requestPayment's own names)
    timeStamp: str  # noqa: N815
    nonceStr: str  # noqa: N815
    package: str
    signType: Literal["RSA"]  # noqa: N815
    paySign: str  # noqa: N815


class OfflinePaymentIn(Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"amount_fen": 30000, "method": "cash"}]}
    )

    amount_fen: Fen
    method: Literal["cash", "bank"]


class NotifyAck(Output):
    code: Literal["SUCCESS"] = "SUCCESS"
    message: str = "成功"


class StatementRow(Output):
    class_name: str
    slot_name: str
    children: int = Field(description="Children of this class billed for this slot.")
    charged_fen: int
    waived_fen: int
    paid_fen: int
    refunded_fen: int


class StatementTotals(Output):
    bills: int = Field(description="Bills of the month (a child billed once per period).")
    charged_fen: int
    waived_fen: int
    paid_fen: int
    refunded_fen: int


class StatementOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "month": "2026-10",
                    "mode": "per_month",
                    "rows": [
                        {
                            "class_name": "三年级1班",
                            "slot_name": "晚托",
                            "children": 31,
                            "charged_fen": 930_000,
                            "waived_fen": 60_000,
                            "paid_fen": 840_000,
                            "refunded_fen": 15_000,
                        }
                    ],
                    "totals": {
                        "bills": 31,
                        "charged_fen": 930_000,
                        "waived_fen": 60_000,
                        "paid_fen": 840_000,
                        "refunded_fen": 15_000,
                    },
                }
            ]
        }
    )

    month: str
    mode: str = Field(description="The school's fee mode now (free, per_term, per_month).")
    rows: list[StatementRow]
    totals: StatementTotals
