"""Error codes and messages of the workload and its publication."""

from app.core.i18n import register

register(
    {
        "workload.already_published": (
            "{month} 的工作量已公示；之后的变动作为更正列出。",
            "The workload of {month} is already published; later changes show as corrections.",
        ),
        "workload.not_published": (
            "{month} 的工作量尚未公示。",
            "The workload of {month} has not been published.",
        ),
        "workload.month_not_started": (
            "不能公示尚未开始的月份。",
            "A month that has not begun cannot be published.",
        ),
    }
)
