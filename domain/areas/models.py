"""Thailand's areas: province (2-digit code) → district (4) → sub-district (6)."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Field

from domain.table import Table


class AreaLevel(StrEnum):
    PROVINCE = "PROVINCE"
    DISTRICT = "DISTRICT"
    SUBDISTRICT = "SUBDISTRICT"


LEVEL_BY_CODE_LENGTH = {2: AreaLevel.PROVINCE, 4: AreaLevel.DISTRICT, 6: AreaLevel.SUBDISTRICT}


class Area(Table, table=True):
    """One official area; each code starts with its parent's, so scope is a prefix match."""

    __tablename__ = "area"

    code: str = Field(primary_key=True, max_length=6)
    level: str = Field(max_length=12)
    parent_code: str | None = Field(default=None, max_length=6, index=True)
    name_th: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    postal_code: str | None = Field(default=None, max_length=5)
