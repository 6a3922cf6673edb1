"""What `make pages` leaves beside the assets (web/build.mjs): its manifest."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# A built asset's name: the source's, a hyphen, esbuild's content hash, its extension.
HASHED_NAME = r"^[a-z]+-[A-Z0-9]{8}\.(js|css)$"


class Manifest(BaseModel):
    """Each page's script and the stylesheet, by their hashed names."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    share: str = Field(alias="share.js", pattern=HASHED_NAME)
    request: str = Field(alias="request.js", pattern=HASHED_NAME)
    style: str = Field(alias="style.css", pattern=HASHED_NAME)
