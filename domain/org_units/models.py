"""The five agencies of the ministry and their provincial offices (org units)."""

from __future__ import annotations

from sqlmodel import Field

from domain.table import Table


class Agency(Table, table=True):
    __tablename__ = "agency"

    code: str = Field(primary_key=True, max_length=8)
    name_th: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    office_name_th: str = Field(max_length=200)
    office_name_en: str = Field(max_length=200)


class OrgUnit(Table, table=True):
    """One agency's office in one province, `{AGENCY}-{province code}` (e.g. `DLPW-43`)."""

    __tablename__ = "org_unit"

    code: str = Field(primary_key=True, max_length=20)
    agency_code: str = Field(foreign_key="agency.code", max_length=8, index=True)
    province_code: str = Field(foreign_key="area.code", max_length=6, index=True)
    name_th: str = Field(max_length=250)
    name_en: str = Field(max_length=250)
