"""The GB/T 2260 region list over the API (what an app's "came from" field searches), and the
lawful purposes full values are handed out for."""

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema

from linli.core import purposes, regions
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


purposes_router = Router()


class PurposeOut(Schema):
    code: str = Field(description="what to send as purpose_code")
    name: str = Field(description="the purpose in English")
    name_zh: str = Field(description="the purpose in Chinese")
    needs_text: bool = Field(description='"other": the purpose must be described in a sentence')


@purposes_router.get("", response={200: list[PurposeOut], **ERRORS},
                     summary="The lawful purposes full ID numbers and phones are revealed or exported for")
@route(signed_in=True)
def lawful_purposes(request: HttpRequest) -> list[dict[str, Any]]:
    items = []
    for purpose in purposes.offered():
        with translation.override("en"):
            name = purpose.label
        items.append({"code": purpose.code, "name": name, "name_zh": purpose.label_zh,
                      "needs_text": purpose.code == purposes.OTHER})
    return items
