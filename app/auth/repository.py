"""Auth's prebuilt statements: the check every authenticated request runs."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, Uuid, and_, bindparam, select

from app.auth.models import RefreshFamily, User


@cache
def access_check_select(*, signed_in: bool) -> Select[*tuple[Any, ...]]:
    """The account an access token names (and, ``signed_in``, the token's family), by key.

    Columns: ``roles``, ``school_id``, ``district_id``, ``is_active``, ``token_version``
    (and ``revoked_at``); no row when the account (or that family of it) is gone.
    Parameters ``user_id`` and ``family_id``. Built once: every request runs it, and
    building the select cost about as much as its round trip to PostgreSQL (measured in
    ``tokens.principal_for``).
    """
    stmt: Select[*tuple[Any, ...]] = select(
        User.roles, User.school_id, User.district_id, User.is_active, User.token_version
    ).where(User.id == bindparam("user_id", type_=Uuid()))
    if not signed_in:
        return stmt
    family_id = bindparam("family_id", type_=Uuid())
    return stmt.add_columns(RefreshFamily.revoked_at).join(
        RefreshFamily, and_(RefreshFamily.id == family_id, RefreshFamily.user_id == User.id)
    )
