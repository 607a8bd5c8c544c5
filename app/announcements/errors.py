"""Error codes and messages of announcements."""

from app.core.errors import Invalid, NotFound


class AnnouncementNotFound(NotFound):
    code = "announcement.not_found"
    messages = ("通知不存在。", "Announcement not found.")


class AnnouncementAudienceInvalid(Invalid):
    code = "announcement.audience_invalid"
    messages = (
        "通知对象中的班级或时段不属于本校。",
        "A class or slot of the audience is not one of this school's.",
    )


class AnnouncementAudienceEmpty(Invalid):
    code = "announcement.audience_empty"
    messages = (
        "通知对象中没有学生，请调整年级、班级或时段。",
        "No child is in this audience; adjust the grades, classes or slots.",
    )
