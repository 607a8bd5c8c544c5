"""Error codes and messages of outside staff and their vetting."""

from app.core.errors import Forbidden, Invalid


class StaffVettingExpired(Forbidden):
    code = "staff.vetting_expired"
    messages = (
        "资格审查已于{valid_until}到期，复审前不能点名或签到。",
        "Vetting expired on {valid_until}: no roll call or check-in until renewed.",
    )


class StaffVettingRequired(Invalid):
    code = "staff.vetting_required"
    messages = (
        "校外人员和志愿者必须填写资格审查信息。",
        "External staff and volunteers need a vetting record.",
    )


class StaffVettingNotOutside(Invalid):
    code = "staff.vetting_not_outside"
    messages = (
        "本校教职工无需资格审查信息。",
        "School staff carry no vetting record.",
    )
