"""Error codes and messages of the duty rota."""

from app.core.errors import Conflict, Forbidden, Invalid, NotFound


class DutyShiftNotFound(NotFound):
    code = "duty.shift_not_found"
    messages = ("值班记录不存在。", "Duty shift not found.")


class DutyStaffNotFound(Invalid):
    code = "duty.staff_not_found"
    messages = (
        "值班人员须为本校在职教职工。",
        "The staff member on duty must be active staff of the school.",
    )


class DutyShiftOverlaps(Conflict):
    code = "duty.shift_overlaps"
    messages = (
        "该教职工在这一时段已有值班。",
        "That staff member already has a shift overlapping this one.",
    )


class DutyNotYourShift(Forbidden):
    code = "duty.not_your_shift"
    messages = (
        "只有本班值班人员或管理员可以交班。",
        "Only the shift's staff member or an admin may hand it off.",
    )


class DutyToShiftInvalid(Invalid):
    code = "duty.to_shift_invalid"
    messages = (
        "接班的值班记录须为本校的另一班次。",
        "The shift taking over must be another shift of the school.",
    )


class DutyRangeInvalid(Invalid):
    code = "duty.range_invalid"
    messages = (
        "日期范围无效（结束不早于开始，最长 92 天）。",
        "Bad date range ('to' not before 'from', at most 92 days).",
    )
