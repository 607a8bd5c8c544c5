"""Error codes and messages of outside staff and their vetting."""

from app.core.i18n import register

register(
    {
        "staff.vetting_expired": (
            "资格审查已于{valid_until}到期，复审前不能点名或签到。",
            "Vetting expired on {valid_until}: no roll call or check-in until renewed.",
        ),
        "staff.vetting_required": (
            "校外人员和志愿者必须填写资格审查信息。",
            "External staff and volunteers need a vetting record.",
        ),
        "staff.vetting_not_outside": (
            "本校教职工无需资格审查信息。",
            "School staff carry no vetting record.",
        ),
    }
)
