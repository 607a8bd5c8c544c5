"""Who is in the demo school: staff, classes, groups, children and their families.

Everything here is fixed data (names are drawn deterministically, not at random), so the
README's walkthrough can show what the demo answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.auth.models import Role
from app.school.models import PRIORITIES, Priority

SCHOOL_NAME = "课后演示小学"
# Every demo login shares it; it passes the password rules (8+ characters, mixed classes).
PASSWORD = "Kehou-demo-2026"
CHILDREN_PER_CLASS = 20

AFTERNOON = "课后活动"  # 15:30–16:30
EVENING = "晚托"  # 16:30–18:00


@dataclass(frozen=True)
class StaffMember:
    username: str
    name: str
    role: Role
    phone: str


ADMIN = StaffMember("admin", "王丽华", Role.SCHOOL_ADMIN, "13700000001")
DUTY = StaffMember("duty", "马春燕", Role.DUTY, "13700000002")
TEACHERS = (
    StaffMember("teacher.li", "李晓红", Role.TEACHER, "13700000011"),
    StaffMember("teacher.zhang", "张伟", Role.TEACHER, "13700000012"),
    StaffMember("teacher.wang", "王芳", Role.TEACHER, "13700000013"),
    StaffMember("teacher.zhao", "赵磊", Role.TEACHER, "13700000014"),
    StaffMember("teacher.sun", "孙丽", Role.TEACHER, "13700000015"),
    StaffMember("teacher.zhou", "周敏", Role.TEACHER, "13700000016"),
)


@dataclass(frozen=True)
class ClassPlan:
    name: str
    grade: int
    homeroom: str  # a teacher's username; they also lead the class's 课后活动 group


CLASSES = (
    ClassPlan("三年级1班", 3, "teacher.li"),
    ClassPlan("三年级2班", 3, "teacher.zhang"),
    ClassPlan("三年级3班", 3, "teacher.wang"),
    ClassPlan("四年级1班", 4, "teacher.zhao"),
    ClassPlan("四年级2班", 4, "teacher.sun"),
    ClassPlan("四年级3班", 4, "teacher.zhou"),
)


@dataclass(frozen=True)
class EveningGroup:
    name: str
    grade: int
    leader: str


# 课后活动 has a group per class (see ``ClassPlan.homeroom``); 晚托 one per grade.
EVENING_GROUPS = (
    EveningGroup("三年级晚托", 3, "teacher.zhang"),
    EveningGroup("四年级晚托", 4, "teacher.sun"),
)


def afternoon_group_name(class_name: str) -> str:
    return f"{class_name}{AFTERNOON}"


class Plan(StrEnum):
    """Where a child's enrollment ends up once the demo is seeded."""

    NONE = "none"  # the family has not applied
    ACTIVE = "active"
    PENDING_CLASS_REVIEW = "pending_class_review"
    PENDING_SCHOOL_REVIEW = "pending_school_review"
    WITHDRAWN = "withdrawn"
    WAITLISTED = "waitlisted"  # applied for 晚托 once it was full


@dataclass(frozen=True)
class GuardianPlan:
    name: str
    phone: str
    relationship: str
    login: bool = False  # registers with a binding code and the demo password


@dataclass(frozen=True)
class ChildPlan:
    name: str
    class_index: int
    seat: int  # 0..19 within the class; the student number follows it
    priority: tuple[Priority, ...]
    plan: Plan
    evening: bool  # 晚托 as well as 课后活动
    alternate_days: bool  # Monday, Wednesday and Friday only
    guardians: tuple[GuardianPlan, ...]

    def student_no(self, school_year: int) -> str:
        grade = CLASSES[self.class_index].grade
        entry_year = school_year - grade + 1
        class_in_grade = sum(1 for c in CLASSES[: self.class_index] if c.grade == grade) + 1
        return f"{entry_year}{class_in_grade:02d}{self.seat + 1:02d}"


# The two families with logins, and the children the walkthrough follows.
LIN_JING = GuardianPlan("林静", "13800000001", "母亲", login=True)
CHEN_ZHIQIANG = GuardianPlan("陈志强", "13900000001", "父亲")
LIU_YANG = GuardianPlan("刘洋", "13800000002", "父亲", login=True)
ZHAO_MIN = GuardianPlan("赵敏", "13900000002", "母亲")
# 林静's father, listed to collect her children.
PICKUP_PERSON = ("林建国", "13900000003", "外公")

# 陈思远 applies in the walkthrough; his sister is enrolled in both slots already.
CHEN_SIYUAN = ChildPlan(
    name="陈思远",
    class_index=0,
    seat=0,
    priority=(),
    plan=Plan.NONE,
    evening=False,
    alternate_days=False,
    guardians=(LIN_JING, CHEN_ZHIQIANG),
)
CHEN_SIQI = ChildPlan(
    name="陈思琪",
    class_index=3,
    seat=0,
    priority=(),
    plan=Plan.ACTIVE,
    evening=True,
    alternate_days=False,
    guardians=(LIN_JING, CHEN_ZHIQIANG),
)
LIU_ZIHAN = ChildPlan(
    name="刘子涵",
    class_index=1,
    seat=0,
    priority=(),
    plan=Plan.ACTIVE,
    evening=True,
    alternate_days=False,
    guardians=(LIU_YANG, ZHAO_MIN),
)
FIXED = {(c.class_index, c.seat): c for c in (CHEN_SIYUAN, CHEN_SIQI, LIU_ZIHAN)}
# On approved sick leave today (so 三年级1班's roster shows a child on leave).
SICK_TODAY = (0, 3)


def _words(text: str) -> tuple[str, ...]:
    """Space-separated names: easier to read and extend than a list literal."""
    return tuple(text.split())


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
)
_GIVEN = _words(
    "梓萱 浩然 宇轩 欣怡 雨桐 一诺 俊熙 诗涵 梓轩 沐阳 若汐 嘉懿 皓轩 依诺 明哲 锦程 "
    "可馨 子墨 芷若 博文 紫萱 晨曦 天佑 雨泽 星辰 梦琪 安然 书瑶 奕辰 语嫣 承泽 佳怡 "
    "嘉豪 思彤 睿泽 雅琪 宇航 欣妍 子轩 俊杰 晓彤 家乐 静怡 泽宇 心怡 铭轩 若曦 煜祺 "
    "可欣 昊然 美琪 文轩 诗琪 志豪 雨萱 瑞霖 欣然 子睿 语桐 浩宇 梦瑶 伟宸 晓萱 博涛 "
    "一鸣 婉清 天翊 紫涵 子豪 嘉怡 鹏涛 佳琪 弘文 梓琪 烨磊 雨欣 乐瑶 明轩"
)
_FATHERS = _words("建国 志强 宏 辉 军 勇 涛 明 超 鹏 浩 斌 刚 峰 杰 海涛 建华 文斌 晓东 国强")
_MOTHERS = _words("丽 静 敏 燕 芳 娟 霞 婷 艳 红 玲 梅 琳 颖 洁 晓燕 丽娟 雪梅 春梅 海燕")
_GRANDMOTHERS = _words("桂兰 秀英 淑芬 玉兰 秀兰 凤英")


def _plan(class_index: int, seat: int) -> Plan:
    if seat == 19:
        return Plan.NONE
    if seat in (17, 18):
        return Plan.PENDING_CLASS_REVIEW
    if seat == 16:
        return Plan.PENDING_SCHOOL_REVIEW
    if seat == 15 and class_index in (0, 3):
        return Plan.WITHDRAWN
    if seat == 14 and class_index in (0, 1, 3, 4):
        return Plan.WAITLISTED
    return Plan.ACTIVE


def _priority(n: int, plan: Plan, class_index: int) -> tuple[Priority, ...]:
    if plan is Plan.WAITLISTED:  # two of the four waiting for 晚托 are served first
        served_first: dict[int, tuple[Priority, ...]] = {1: ("left_behind",), 4: ("low_income",)}
        return served_first.get(class_index, ())
    return (PRIORITIES[(n // 9) % 4],) if n % 9 == 4 else ()


def _guardians(n: int, surname: str, phones: list[str]) -> tuple[GuardianPlan, ...]:
    father = GuardianPlan(surname + _FATHERS[n * 3 % len(_FATHERS)], phones[0], "父亲")
    mother_surname = _SURNAMES[(n * 13 + 11) % len(_SURNAMES)]
    mother = GuardianPlan(mother_surname + _MOTHERS[n * 7 % len(_MOTHERS)], phones[0], "母亲")
    match n % 5:
        case 0:
            return (mother, GuardianPlan(father.name, phones[1], "父亲"))
        case 1:
            return (father,)
        case 2:
            return (mother,)
        case 3:
            grandmother = mother_surname + _GRANDMOTHERS[n % len(_GRANDMOTHERS)]
            return (mother, GuardianPlan(grandmother, phones[1], "外婆"))
        case _:
            return (GuardianPlan(surname + _FATHERS[n % len(_FATHERS)], phones[0], "父亲"),)


def children() -> list[ChildPlan]:
    """All 120 children, class by class; names are unique in the school."""
    reserved = {c.name for c in FIXED.values()}
    used: set[str] = set(reserved)
    result: list[ChildPlan] = []
    phone_seq = 1000
    for class_index in range(len(CLASSES)):
        for seat in range(CHILDREN_PER_CLASS):
            fixed = FIXED.get((class_index, seat))
            if fixed is not None:
                result.append(fixed)
                continue
            n = class_index * CHILDREN_PER_CLASS + seat
            step = 0
            while True:
                surname = _SURNAMES[(n * 7 + step) % len(_SURNAMES)]
                name = surname + _GIVEN[(n * 11 + 3 + step) % len(_GIVEN)]
                if name not in used:
                    break
                step += 1
            used.add(name)
            phones = [f"139{phone_seq + 1:08d}", f"139{phone_seq + 2:08d}"]
            phone_seq += 2
            plan = _plan(class_index, seat)
            seat_holding = plan in (
                Plan.ACTIVE,
                Plan.PENDING_CLASS_REVIEW,
                Plan.PENDING_SCHOOL_REVIEW,
            )
            result.append(
                ChildPlan(
                    name=name,
                    class_index=class_index,
                    seat=seat,
                    priority=_priority(n, plan, class_index),
                    plan=plan,
                    evening=(seat_holding and seat % 3 == 1) or plan is Plan.WAITLISTED,
                    alternate_days=plan is Plan.ACTIVE and seat % 4 == 2,
                    guardians=_guardians(n, surname, phones),
                )
            )
    return result


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    who: str
    to_try: str


LOGINS = (
    Login(
        ADMIN.username,
        "school_admin",
        f"{ADMIN.name}（校长）",
        "school review (GET /enrollments?status=pending_school_review), survey results",
    ),
    Login(
        "teacher.li",
        "teacher",
        "李晓红（三年级1班班主任）",
        "review 三年级1班's applications, roll call of 三年级1班课后活动",
    ),
    Login(
        "teacher.zhang",
        "teacher",
        "张伟（三年级2班班主任，三年级晚托）",
        "decide 刘子涵's pending leave (GET /leave-requests?status=pending)",
    ),
    Login(
        DUTY.username,
        "duty",
        f"{DUTY.name}（值班老师）",
        "verify pickup passes, hand children over, GET /pickups?status=waiting",
    ),
    Login(
        LIN_JING.phone,
        "parent",
        "林静（陈思远、陈思琪的母亲）",
        "enrol 陈思远, make a pickup pass for 陈思琪",
    ),
    Login(
        LIU_YANG.phone,
        "parent",
        "刘洋（刘子涵的父亲）",
        "GET /leave-requests, answer the survey (GET /surveys)",
    ),
    Login(
        "district",
        "district_admin",
        "课后演示区教育局",
        "GET /district/schools, GET /district/stats.xlsx?month=, GET /district/complaints",
    ),
)
