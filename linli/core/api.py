"""The GB/T 2260 region list over the API: what an app's "came from" field searches."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from linli.core import regions
from linli.core.access import route
from linli.core.api_auth import ERRORS

router = Router()


class RegionOut(Schema):
    code: str = Field(description="GB/T 2260, six digits")
    name: str = Field(description="the region's own name: 江岸区")
    full_name: str = Field(description="as people write it: 湖北省武汉市江岸区")
    level: str = Field(description="province, city or district")


@router.get("", response={200: list[RegionOut], **ERRORS},
            summary="Regions in use matching a name (武汉, 武汉市江岸区), pinyin (wuhan, whs) or a code's first digits")
@route(signed_in=True)
def search_regions(request: HttpRequest,
                   q: Annotated[str, Query(max_length=regions.MAX_QUERY, description="what the person typed")],
                   limit: Annotated[int, Query(ge=1, le=50)] = 20) -> list[dict[str, Any]]:
    return [{"code": r.code, "name": r.name, "full_name": r.full_name, "level": r.level}
            for r in regions.search(q, limit=limit)]
