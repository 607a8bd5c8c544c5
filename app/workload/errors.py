"""Error codes and messages of the workload and its publication."""

from app.core.errors import Conflict, Invalid, NotFound


class WorkloadAlreadyPublished(Conflict):
    code = "workload.already_published"
    messages = (
        "{month} 的工作量已公示；之后的变动作为更正列出。",
        "The workload of {month} is already published; later changes show as corrections.",
    )


class WorkloadNotPublished(NotFound):
    code = "workload.not_published"
    messages = (
        "{month} 的工作量尚未公示。",
        "The workload of {month} has not been published.",
    )


class WorkloadMonthNotStarted(Invalid):
    code = "workload.month_not_started"
    messages = (
        "不能公示尚未开始的月份。",
        "A month that has not begun cannot be published.",
    )
