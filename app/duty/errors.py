"""Error codes and messages of the duty rota."""

from app.core.i18n import register

register(
    {
        "duty.shift_not_found": ("值班记录不存在。", "Duty shift not found."),
        "duty.staff_not_found": (
            "值班人员须为本校在职教职工。",
            "The staff member on duty must be active staff of the school.",
        ),
        "duty.shift_overlaps": (
            "该教职工在这一时段已有值班。",
            "That staff member already has a shift overlapping this one.",
        ),
        "duty.not_your_shift": (
            "只有本班值班人员或管理员可以交班。",
            "Only the shift's staff member or an admin may hand it off.",
        ),
        "duty.to_shift_invalid": (
            "接班的值班记录须为本校的另一班次。",
            "The shift taking over must be another shift of the school.",
        ),
        "duty.range_invalid": (
            "日期范围无效（结束不早于开始，最长 92 天）。",
            "Bad date range ('to' not before 'from', at most 92 days).",
        ),
    }
)
