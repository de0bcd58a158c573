"""HTTP routes of /api/v1, one module per section of API.md, and the path parameters they share."""
from typing import Annotated

from fastapi import Path

from gateway.schemas import ContestCodeStr

# Set on each router (not at include time) so every route's own `path` is the full template the
# metrics label by.
API_PREFIX = "/api/v1"

ContestCode = Annotated[ContestCodeStr, Path(description="Mã hội thi, ví dụ cchc-2023")]
RoundNumber = Annotated[int, Path(ge=1, le=1000, description="Số thứ tự tuần thi, từ 1")]
