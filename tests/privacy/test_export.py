"""GET /me/data: everything held about the caller and their children, and nothing else."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.models_registry import metadata
from app.privacy.service import sections
from tests.factories import auth, create_class, create_parent, create_student
from tests.pickup.factories import build_gate
from tests.privacy.factories import one_of_everything

# Tables with a user_id/student_id column that hold nothing a family's export should show.
NOT_PERSONAL_DATA = {
    "binding_codes": "a short-lived secret the school hands out, not a fact about anyone",
    "push_coalescing": "when the last push went out: delivery bookkeeping",
    "staff_check_ins": "a staff member's own work record, never a family's",
    "staff_vettings": "an outside instructor's vetting record, never a family's",
}
PERSONAL_COLUMNS = {"user_id", "student_id", "student_ids"}


def test_every_table_about_a_person_is_in_a_section() -> None:
    """A new table holding a user_id or student_id fails here until a section declares it."""
    about_people = {
        t.name for t in metadata.sorted_tables if PERSONAL_COLUMNS & set(t.columns.keys())
    }
    declared = {table for s in sections() for table in s.tables}
    assert declared <= set(metadata.tables), declared - set(metadata.tables)
    assert about_people - declared - set(NOT_PERSONAL_DATA) == set()
    assert not declared & set(NOT_PERSONAL_DATA)


def test_sections_have_distinct_names() -> None:
    names = [s.name for s in sections()]
    assert len(names) == len(set(names))


async def test_a_family_with_one_of_everything_sees_every_kind_of_record(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    await one_of_everything(session, gate)

    response = await client.get("/me/data", headers=auth(gate.mother))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["privacy_notice_version"] == 1
    data = body["sections"]
    assert set(data) == {s.name for s in sections()}
    account = data["account"]["account"]
    assert (account["name"], account["phone"]) == ("张妈妈", "13800001111")
    assert "password_hash" not in account
    empty = [
        f"{name}.{kind}"
        for name, section in data.items()
        for kind, records in section.items()
        if not records
    ]
    assert empty == []
    assert data["children"]["children"][0]["name"] == "小明"
    assert data["pickup"]["handovers"][0]["adult_name"] == "张妈妈"
    assert data["pickup"]["pickup_persons"][0]["name"] == "王外婆"
    # a custody order's adult is a third party: the fact is shown, not who
    assert "name" not in data["pickup"]["blocked_adults"][0]
    assert data["surveys"]["survey_responses"][0]["answers"] == {"q1": "很好"}
    assert data["notifications"]["devices"][0]["token_ending"] == "r-0001"
    assert "fcm-token" not in response.text
    assert data["privacy"]["consents"][0]["version"] == 1
    [read] = data["privacy"]["record_reads"]
    assert read["endpoint"] == "GET /rosters"
    assert read["student_ids"] == [str(gate.child.id)]  # not the other child on the roster
    assert "actor_id" not in data["privacy"]["record_reads"][0]
    assert data["activity"]["activity"][0]["action"] == "user.renamed"


async def test_another_familys_records_never_appear(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    await one_of_everything(session, gate)
    other_child = await create_student(session, await create_class(session, gate.school))
    stranger = await create_parent(session, other_child, name="陌生家长")
    await session.commit()

    response = await client.get("/me/data", headers=auth(stranger))

    assert response.status_code == 200
    data = response.json()["sections"]
    assert [c["name"] for c in data["children"]["children"]] == [other_child.name]
    assert "小明" not in response.text and "张妈妈" not in response.text
    assert data["pickup"]["handovers"] == [] and data["enrollment"]["enrollments"] == []


async def test_staff_are_refused_and_no_token_is_401(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    gate = await build_gate(session)
    for staff in (gate.admin, gate.teacher, gate.duty):
        response = await client.get("/me/data", headers=auth(staff))
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/me/data")).status_code == 401


async def test_a_parent_without_children_gets_their_account_and_empty_lists(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    parent = await create_parent(session, name="刚注册的家长")
    await session.commit()

    response = await client.get("/me/data", headers=auth(parent))

    assert response.status_code == 200
    data = response.json()["sections"]
    assert data["account"]["account"]["name"] == "刚注册的家长"
    assert data["children"]["children"] == []
    assert data["pickup"]["handovers"] == [] and data["privacy"]["record_reads"] == []
