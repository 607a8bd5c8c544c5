"""Error codes and messages of announcements."""

from app.core.i18n import register

register(
    {
        "announcement.not_found": ("通知不存在。", "Announcement not found."),
        "announcement.audience_invalid": (
            "通知对象中的班级或时段不属于本校。",
            "A class or slot of the audience is not one of this school's.",
        ),
        "announcement.audience_empty": (
            "通知对象中没有学生，请调整年级、班级或时段。",
            "No child is in this audience; adjust the grades, classes or slots.",
        ),
    }
)
