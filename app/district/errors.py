"""Error codes and messages of the district: its schools, plans, statistics and complaints."""

from app.core.errors import Conflict, Invalid, NotFound


class DistrictNotFound(NotFound):
    code = "district.not_found"
    messages = ("教育局不存在。", "District not found.")


class DistrictMonthInvalid(Invalid):
    code = "district.month_invalid"
    messages = (
        "月份格式应为 YYYY-MM。",
        "The month must be given as YYYY-MM.",
    )


class TermPlanNotApproved(Conflict):
    code = "term.plan_not_approved"
    messages = (
        "本学期课后服务实施方案尚未经教育局审核同意，暂不能报名。",
        "Enrollment for this term opens once the district has approved the school's plan.",
    )


class PlanNotFound(NotFound):
    code = "plan.not_found"
    messages = ("实施方案不存在。", "Plan not found.")


class PlanNotEditable(Conflict):
    code = "plan.not_editable"
    messages = (
        "方案已提交或已通过审核，不能修改。",
        "A submitted or approved plan cannot be changed.",
    )


class PlanNotSubmittable(Conflict):
    code = "plan.not_submittable"
    messages = (
        "只有草稿或退回修改的方案可以提交。",
        "Only a draft or a returned plan can be submitted.",
    )


class PlanNoDistrict(Conflict):
    code = "plan.no_district"
    messages = (
        "学校尚未划归教育局，方案无处备案。",
        "The school belongs to no district to file its plan with.",
    )


class PlanNotSubmitted(Conflict):
    code = "plan.not_submitted"
    messages = (
        "只能审核已提交的方案。",
        "Only a submitted plan can be decided.",
    )


class ComplaintNotFound(NotFound):
    code = "complaint.not_found"
    messages = ("投诉不存在。", "Complaint not found.")


class ComplaintSchoolInvalid(Invalid):
    code = "complaint.school_invalid"
    messages = (
        "只能就孩子就读的学校投诉。",
        "A complaint is about a school one of your children attends.",
    )


class ComplaintResolved(Conflict):
    code = "complaint.resolved"
    messages = (
        "该投诉已办结。",
        "This complaint has already been resolved.",
    )
