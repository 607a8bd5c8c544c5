"""Error codes and messages of school set-up."""

from app.core.i18n import register

register(
    {
        "student.not_found": ("学生不存在。", "Student not found."),
    }
)
