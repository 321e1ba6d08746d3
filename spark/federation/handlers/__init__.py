"""One handler per activity type; adding a type is a module and a line here."""

from __future__ import annotations

from spark.federation.handlers import (
    accept,
    announce,
    block,
    create,
    delete,
    featured,
    flag,
    follow,
    like,
    move,
    quote_request,
    reject,
    undo,
    update,
)

DISPATCH = {
    "Follow": follow.handle,
    "Accept": accept.handle,
    "Reject": reject.handle,
    "Undo": undo.handle,
    "Create": create.handle,
    "Update": update.handle,
    "Delete": delete.handle,
    "Like": like.handle,
    "EmojiReact": like.handle,
    "Announce": announce.handle,
    "Block": block.handle,
    "Add": featured.add,
    "Remove": featured.remove,
    "Move": move.handle,
    "QuoteRequest": quote_request.handle,
    "Flag": flag.handle,
}
