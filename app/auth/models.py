"""Accounts and their roles."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base, IdMixin


class Role(StrEnum):
    PARENT = "parent"
    TEACHER = "teacher"  # homeroom teacher and/or after-school group leader
    DUTY = "duty"  # staff at the gate
    SCHOOL_ADMIN = "school_admin"
    DISTRICT_ADMIN = "district_admin"


STAFF_ROLES = frozenset({Role.TEACHER, Role.DUTY, Role.SCHOOL_ADMIN})


class User(IdMixin, Base):
    """An account. Staff belong to one school; a parent's reach comes from linked children."""

    __tablename__ = "users"

    school_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    wechat_openid: Mapped[str | None] = mapped_column(String(128), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())
