"""B1's floor: the same ASGI server, database and serializer doing only the unavoidable work —
one indexed home-feed query for 40 posts, serialized with orjson; no auth, no hydration. Its connections
are evened out between processes as Spark's are (spark/api/keepalive.py): that is the server, not the work.

Run as: SPARK_DATABASE_URL=... uvicorn --factory bench.floor_app:create_app
"""

from __future__ import annotations

import os

import orjson
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import Route

from spark.adapters.db import schema as t
from spark.adapters.db.database import Database
from spark.api.keepalive import KeepAliveLimit
from spark.config import Settings, normalize_database_url


def create_app() -> Starlette:
    db = Database(normalize_database_url(os.environ["SPARK_DATABASE_URL"]))
    columns = list(t.statuses.c)
    names = [str(c.name) for c in columns]  # plain str: orjson refuses str subclasses as keys

    async def home(request):
        reader = int(request.query_params["reader"])
        query = (select(*columns).join(t.home_feed, t.home_feed.c.status_id == t.statuses.c.id)
                 .where(t.home_feed.c.account_id == reader).order_by(t.home_feed.c.status_id.desc()).limit(40))
        async with db.read() as conn:
            rows = (await conn.execute(query)).all()
        body = orjson.dumps([{k: (str(v) if k.endswith("id") and v is not None else v)
                              for k, v in zip(names, row, strict=True)} for row in rows])
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/floor/home", home)],
                     middleware=[Middleware(KeepAliveLimit, every=Settings().keepalive_requests)])
