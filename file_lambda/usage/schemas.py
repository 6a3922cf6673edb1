"""Response bodies of a tenant's usage (their OpenAPI schemas)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class UsageTotals(BaseModel):
    size: int = Field(description="Bytes")
    objects: int


class FolderUsage(BaseModel):
    folder: str = Field(description="A top-level folder; empty for the files at the root")
    current: UsageTotals
    all_versions: UsageTotals


class TenantUsage(BaseModel):
    current: UsageTotals = Field(description="Current versions: the files listings show")
    all_versions: UsageTotals = Field(
        description="Every version kept, the current ones, older versions and the trash"
    )
    folders: list[FolderUsage] = Field(description="By top-level folder, in name order")
