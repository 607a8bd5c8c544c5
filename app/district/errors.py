"""Error codes and messages of the district: its schools, plans, statistics and complaints."""

from app.core.i18n import register

register(
    {
        "district.not_found": ("教育局不存在。", "District not found."),
        "district.month_invalid": (
            "月份格式应为 YYYY-MM。",
            "The month must be given as YYYY-MM.",
        ),
        "term.plan_not_approved": (
            "本学期课后服务实施方案尚未经教育局审核同意，暂不能报名。",
            "Enrollment for this term opens once the district has approved the school's plan.",
        ),
        "plan.not_found": ("实施方案不存在。", "Plan not found."),
        "plan.not_editable": (
            "方案已提交或已通过审核，不能修改。",
            "A submitted or approved plan cannot be changed.",
        ),
        "plan.not_submittable": (
            "只有草稿或退回修改的方案可以提交。",
            "Only a draft or a returned plan can be submitted.",
        ),
        "plan.no_district": (
            "学校尚未划归教育局，方案无处备案。",
            "The school belongs to no district to file its plan with.",
        ),
        "plan.not_submitted": (
            "只能审核已提交的方案。",
            "Only a submitted plan can be decided.",
        ),
        "complaint.not_found": ("投诉不存在。", "Complaint not found."),
        "complaint.school_invalid": (
            "只能就孩子就读的学校投诉。",
            "A complaint is about a school one of your children attends.",
        ),
        "complaint.resolved": (
            "该投诉已办结。",
            "This complaint has already been resolved.",
        ),
    }
)
