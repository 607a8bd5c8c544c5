"""Error codes and messages of surveys."""

from app.core.errors import Conflict, Invalid, NotFound


class SurveyNotFound(NotFound):
    code = "survey.not_found"
    messages = ("意愿征询不存在。", "Survey not found.")


class SurveyNotDraft(Conflict):
    code = "survey.not_draft"
    messages = (
        "意愿征询已发布，不能再修改或删除。",
        "The survey is no longer a draft and cannot be changed or deleted.",
    )


class SurveyNotPublished(Conflict):
    code = "survey.not_published"
    messages = ("意愿征询尚未发布。", "The survey has not been published.")


class SurveyNotOpen(Conflict):
    code = "survey.not_open"
    messages = (
        "意愿征询尚未开始，请在 {opens_at} 之后填写。",
        "The survey is not open yet; answer after {opens_at}.",
    )


class SurveyClosed(Conflict):
    code = "survey.closed"
    messages = ("意愿征询已截止。", "The survey is closed.")


class SurveyNotInAudience(NotFound):
    code = "survey.not_in_audience"
    messages = (
        "该学生不在此意愿征询的范围内。",
        "This student is not in the survey's audience.",
    )


class SurveyResponseNotFound(NotFound):
    code = "survey.response_not_found"
    messages = (
        "尚未为该学生填写此意愿征询。",
        "No answer has been given for this student yet.",
    )


class SurveyTermUnknown(Invalid):
    code = "survey.term_unknown"
    messages = ("学期不存在。", "Term not found.")


class SurveyClassUnknown(Invalid):
    code = "survey.class_unknown"
    messages = ("班级不存在。", "Class not found.")


class SurveyGradeDuplicate(Invalid):
    code = "survey.grade_duplicate"
    messages = ("年级重复。", "A grade is listed twice.")


class SurveyClassDuplicate(Invalid):
    code = "survey.class_duplicate"
    messages = ("班级重复。", "A class is listed twice.")


class SurveyWindowInvalid(Invalid):
    code = "survey.window_invalid"
    messages = (
        "开始时间必须早于截止时间。",
        "opens_at must be before closes_at.",
    )


class SurveyClosesInPast(Invalid):
    code = "survey.closes_in_past"
    messages = ("截止时间已过。", "closes_at is in the past.")


class SurveyQuestionDuplicate(Invalid):
    code = "survey.question_duplicate"
    messages = (
        "题目编号“{question}”重复。",
        "Question id '{question}' is used twice.",
    )


class SurveyOptionsRequired(Invalid):
    code = "survey.options_required"
    messages = (
        "单选题至少需要两个选项，多选题至少需要一个选项。",
        "A single-choice question needs two or more options, a multi-choice one at least one.",
    )


class SurveyOptionsNotAllowed(Invalid):
    code = "survey.options_not_allowed"
    messages = (
        "填空题不能设置选项。",
        "A text question takes no options.",
    )


class SurveyOptionDuplicate(Invalid):
    code = "survey.option_duplicate"
    messages = (
        "选项“{option}”重复。",
        "Option '{option}' is listed twice.",
    )


class SurveyAnswerUnknownQuestion(Invalid):
    code = "survey.answer_unknown_question"
    messages = (
        "没有编号为“{question}”的题目。",
        "There is no question '{question}'.",
    )


class SurveyAnswerOptionNotOffered(Invalid):
    code = "survey.answer_option_not_offered"
    messages = (
        "“{option}”不是该题的选项。",
        "'{option}' is not an option of this question.",
    )


class SurveyAnswerWrongType(Invalid):
    code = "survey.answer_wrong_type"
    messages = (
        "答案格式不符合题型（单选和填空为文字，多选为文字列表）。",
        "The answer does not fit the question (single and text take a string, multi a list).",
    )


class SurveyAnswerRequired(Invalid):
    code = "survey.answer_required"
    messages = ("此题必须回答。", "This question must be answered.")


class SurveyAnswerTooLong(Invalid):
    code = "survey.answer_too_long"
    messages = (
        "回答不能超过 {max_length} 个字。",
        "The answer may not exceed {max_length} characters.",
    )


class SurveyTemplateUnknown(Invalid):
    code = "survey.template_unknown"
    messages = ("没有这个意愿征询模板。", "No such survey template.")


class SurveyTemplateTermHasNoSlots(Invalid):
    code = "survey.template_term_has_no_slots"
    messages = (
        "该学期尚未设置课后服务时段，请先添加时段。",
        "The term has no slots yet; add them before starting from this template.",
    )
