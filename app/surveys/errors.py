"""Error codes and messages of surveys."""

from app.core.i18n import register

register(
    {
        "survey.not_found": ("意愿征询不存在。", "Survey not found."),
        "survey.not_draft": (
            "意愿征询已发布，不能再修改或删除。",
            "The survey is no longer a draft and cannot be changed or deleted.",
        ),
        "survey.not_published": ("意愿征询尚未发布。", "The survey has not been published."),
        "survey.not_open": (
            "意愿征询尚未开始，请在 {opens_at} 之后填写。",
            "The survey is not open yet; answer after {opens_at}.",
        ),
        "survey.closed": ("意愿征询已截止。", "The survey is closed."),
        "survey.not_in_audience": (
            "该学生不在此意愿征询的范围内。",
            "This student is not in the survey's audience.",
        ),
        "survey.response_not_found": (
            "尚未为该学生填写此意愿征询。",
            "No answer has been given for this student yet.",
        ),
        "survey.term_unknown": ("学期不存在。", "Term not found."),
        "survey.class_unknown": ("班级不存在。", "Class not found."),
        "survey.grade_duplicate": ("年级重复。", "A grade is listed twice."),
        "survey.class_duplicate": ("班级重复。", "A class is listed twice."),
        "survey.window_invalid": (
            "开始时间必须早于截止时间。",
            "opens_at must be before closes_at.",
        ),
        "survey.closes_in_past": ("截止时间已过。", "closes_at is in the past."),
        "survey.question_duplicate": (
            "题目编号“{question}”重复。",
            "Question id '{question}' is used twice.",
        ),
        "survey.options_required": (
            "单选题至少需要两个选项，多选题至少需要一个选项。",
            "A single-choice question needs two or more options, a multi-choice one at least one.",
        ),
        "survey.options_not_allowed": (
            "填空题不能设置选项。",
            "A text question takes no options.",
        ),
        "survey.option_duplicate": (
            "选项“{option}”重复。",
            "Option '{option}' is listed twice.",
        ),
        "survey.answer_unknown_question": (
            "没有编号为“{question}”的题目。",
            "There is no question '{question}'.",
        ),
        "survey.answer_option_not_offered": (
            "“{option}”不是该题的选项。",
            "'{option}' is not an option of this question.",
        ),
        "survey.answer_wrong_type": (
            "答案格式不符合题型（单选和填空为文字，多选为文字列表）。",
            "The answer does not fit the question (single and text take a string, multi a list).",
        ),
        "survey.answer_required": ("此题必须回答。", "This question must be answered."),
        "survey.answer_too_long": (
            "回答不能超过 {max_length} 个字。",
            "The answer may not exceed {max_length} characters.",
        ),
        "survey.template_unknown": ("没有这个意愿征询模板。", "No such survey template."),
        "survey.template_term_has_no_slots": (
            "该学期尚未设置课后服务时段，请先添加时段。",
            "The term has no slots yet; add them before starting from this template.",
        ),
    }
)
