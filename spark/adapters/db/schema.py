"""The database schema (SQLAlchemy Core). Ids are snowflakes made by spark.domain.ids."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id() -> Column:
    return Column("id", BigInteger, primary_key=True, autoincrement=False)


def _ref(name: str, *, nullable: bool = False, index: bool = False) -> Column:
    # Plain bigint references: integrity is kept by the services, and deletes cascade there.
    return Column(name, BigInteger, nullable=nullable, index=index)


def _created() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


accounts = Table(
    "accounts",
    metadata,
    _id(),
    Column("username", String(64), nullable=False),
    Column("domain", String(255), nullable=False, server_default=""),  # "" = local
    Column("display_name", String(255), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),  # HTML
    Column("note_source", Text, nullable=False, server_default=""),
    Column("fields", JSON, nullable=False, default=list),  # [{"name", "value"(html), "source"}]
    Column("locked", Boolean, nullable=False, server_default="0"),
    Column("bot", Boolean, nullable=False, server_default="0"),
    Column("discoverable", Boolean, nullable=False, server_default="1"),
    Column("indexable", Boolean, nullable=False, server_default="1"),
    Column("hide_collections", Boolean, nullable=False, server_default="0"),
    Column("avatar_key", String(255)),
    Column("header_key", String(255)),
    Column("avatar_remote_url", Text),
    Column("header_remote_url", Text),
    Column("uri", Text),
    Column("url", Text),
    Column("followers_count", Integer, nullable=False, server_default="0"),
    Column("following_count", Integer, nullable=False, server_default="0"),
    Column("statuses_count", Integer, nullable=False, server_default="0"),
    Column("last_status_at", DateTime(timezone=True)),
    Column("suspended_at", DateTime(timezone=True)),
    Column("silenced_at", DateTime(timezone=True)),
    Column("moved_to_account_id", BigInteger),
    # Too many followers to fan out to: their followers' home feeds merge their posts in at read time.
    Column("merge_at_read", Boolean, nullable=False, server_default="0"),
    # Remote actors (ActivityPub): where to deliver, and the key their requests are signed with.
    Column("actor_type", String(32), nullable=False, server_default="Person"),
    Column("inbox_url", Text),
    Column("shared_inbox_url", Text),
    Column("outbox_url", Text),
    Column("followers_url", Text),
    Column("featured_url", Text),
    Column("key_id", Text),
    Column("public_key_pem", Text),
    Column("also_known_as", JSON),
    Column("fetched_at", DateTime(timezone=True)),
    _created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_accounts_username_domain", func.lower(accounts.c.username), accounts.c.domain, unique=True)
Index("ix_accounts_uri", accounts.c.uri)
Index("ix_accounts_key_id", accounts.c.key_id)
Index("ix_accounts_merge_at_read", accounts.c.id, sqlite_where=text("merge_at_read = 1"),
      postgresql_where=text("merge_at_read"))

# Private keys of local actors (account_id 0 is the instance actor): kept apart from account rows,
# which are read, cached and rendered everywhere.
account_keys = Table(
    "account_keys",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("private_pem", Text, nullable=False),
    Column("public_pem", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),  # = accounts.id
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("admin", Boolean, nullable=False, server_default="0"),
    Column("confirmed", Boolean, nullable=False, server_default="1"),
    Column("approved", Boolean, nullable=False, server_default="1"),
    Column("disabled", Boolean, nullable=False, server_default="0"),
    Column("locale", String(16), nullable=False, server_default="en"),
    Column("reason", Text),
    # Posting defaults and reading preferences (GET /api/v1/preferences).
    Column("preferences", JSON, nullable=False, default=dict),
    _created(),
)

apps = Table(
    "apps",
    metadata,
    _id(),
    Column("name", String(255), nullable=False),
    Column("website", Text),
    Column("redirect_uris", Text, nullable=False),  # newline-separated
    Column("scopes", String(512), nullable=False, server_default="read"),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("client_secret", String(64), nullable=False),
    _created(),
)

oauth_codes = Table(
    "oauth_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    _ref("app_id"),
    _ref("user_id"),
    Column("redirect_uri", Text, nullable=False),
    Column("scopes", String(512), nullable=False),
    Column("code_challenge", String(128)),
    Column("code_challenge_method", String(16)),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

tokens = Table(
    "tokens",
    metadata,
    _id(),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the bearer
    Column("refresh_hash", String(64), unique=True),
    _ref("app_id", nullable=True, index=True),
    _ref("user_id", nullable=True, index=True),  # null: client_credentials (app-only)
    Column("scopes", String(512), nullable=False),
    _created(),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
)

statuses = Table(
    "statuses",
    metadata,
    _id(),
    _ref("account_id"),
    Column("uri", Text),
    Column("url", Text),
    Column("local", Boolean, nullable=False, server_default="1"),
    _ref("in_reply_to_id", nullable=True, index=True),
    _ref("in_reply_to_account_id", nullable=True),
    Column("in_reply_to_uri", String(2048), index=True),  # a remote parent not (yet) here: linked on arrival
    _ref("conversation_id", nullable=True, index=True),  # the thread's root id: direct messages group by it
    _ref("reblog_of_id", nullable=True),
    _ref("quote_of_id", nullable=True, index=True),
    Column("quote_state", String(16)),  # pending | accepted | rejected | revoked
    # A local quote of a remote post: the QuoteAuthorization stamp its author's server granted (FEP-044f).
    Column("quote_authorization_uri", String(2048)),
    Column("quote_approval_policy", String(16), nullable=False, server_default="public"),
    Column("text", Text, nullable=False, server_default=""),  # source as typed
    Column("content", Text, nullable=False, server_default=""),  # rendered HTML
    Column("spoiler_text", Text, nullable=False, server_default=""),
    Column("sensitive", Boolean, nullable=False, server_default="0"),
    Column("visibility", SmallInteger, nullable=False, server_default="0"),
    Column("language", String(16)),
    _ref("application_id", nullable=True),
    _ref("poll_id", nullable=True),
    Column("replies_count", Integer, nullable=False, server_default="0"),
    Column("reblogs_count", Integer, nullable=False, server_default="0"),
    Column("favourites_count", Integer, nullable=False, server_default="0"),
    Column("quotes_count", Integer, nullable=False, server_default="0"),
    _created(),
    Column("edited_at", DateTime(timezone=True)),
)
Index("ix_statuses_account_id_id", statuses.c.account_id, statuses.c.id)
Index("ix_statuses_public", statuses.c.visibility, statuses.c.local, statuses.c.id)
Index("ix_statuses_uri", statuses.c.uri)
# Every remote Delete is checked against the stamps held here; only the few quoting posts carry one.
Index("ix_statuses_quote_authorization_uri", statuses.c.quote_authorization_uri,
      sqlite_where=statuses.c.quote_authorization_uri.isnot(None),
      postgresql_where=statuses.c.quote_authorization_uri.isnot(None))
# Reposts of a post, and "has the viewer reposted these?" without scanning the viewer's posts; one repost of
# a post per account (NULLs are distinct, so original posts are not constrained).
Index("ix_statuses_reblog_of_id_account_id", statuses.c.reblog_of_id, statuses.c.account_id, unique=True)
# Post search (adapters/db/search_index.py). PostgreSQL: a GIN index over the words of each post, its tags
# and entities taken out (domain.search.searchable_text in SQL): an expression over the row, so every write
# keeps it exact. Constants are literals, as a query uses the index only if it spells the same expression.
STATUS_WORDS = func.to_tsvector(text("'simple'::regconfig"), func.regexp_replace(
    statuses.c.spoiler_text.concat(text("' '")).concat(statuses.c.content),
    text("'<[^>]*>|&[#0-9A-Za-z]+;'"), text("' '"), text("'g'")))
Index("ix_statuses_search", STATUS_WORDS, postgresql_using="gin").ddl_if(dialect="postgresql")
# SQLite: an FTS5 table of the same words, written with each post (rowid = the post's id). Declared as SQL,
# which Alembic cannot see: scripts/regen_initial_migration.py copies it into the migration.
STATUS_SEARCH_SQLITE = ("CREATE VIRTUAL TABLE status_search USING fts5(body, "
                        "tokenize = 'unicode61 remove_diacritics 0')")

status_edits = Table(
    "status_edits",
    metadata,
    _id(),
    _ref("status_id", index=True),
    _ref("account_id"),
    Column("text", Text, nullable=False, server_default=""),
    Column("content", Text, nullable=False, server_default=""),
    Column("spoiler_text", Text, nullable=False, server_default=""),
    Column("sensitive", Boolean, nullable=False, server_default="0"),
    Column("media_ids", JSON, nullable=False, default=list),
    Column("poll_options", JSON),
    _created(),
)

mentions = Table(
    "mentions",
    metadata,
    _ref("status_id"),
    _ref("account_id", index=True),
    Column("silent", Boolean, nullable=False, server_default="0"),
    PrimaryKeyConstraint("status_id", "account_id"),
)

tags = Table(
    "tags",
    metadata,
    _id(),
    Column("name", String(128), nullable=False, unique=True),  # lower case
    Column("display_name", String(128), nullable=False),
    _created(),
)

status_tags = Table(
    "status_tags",
    metadata,
    _ref("status_id"),
    _ref("tag_id"),
    PrimaryKeyConstraint("status_id", "tag_id"),
)
Index("ix_status_tags_tag_status", status_tags.c.tag_id, status_tags.c.status_id)

# Hashtags a local account follows: public posts carrying one reach its home feed (feeds.fan_out_to_tags).
tag_follows = Table(
    "tag_follows",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("tag_id", index=True),  # the fan-out looks up a post's tags' followers
    _created(),
    UniqueConstraint("account_id", "tag_id", name="uq_tag_follows_pair"),
)

# Hashtags an account shows on its profile (GET /api/v1/accounts/:id/featured_tags).
featured_tags = Table(
    "featured_tags",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("tag_id"),
    _created(),
    UniqueConstraint("account_id", "tag_id", name="uq_featured_tags_pair"),
)

# What a local user sets on their profile (PATCH /api/v1/profile) beyond the accounts row, which is read
# with every post and so stays narrow.
account_profiles = Table(
    "account_profiles",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("avatar_description", Text, nullable=False, server_default=""),
    Column("header_description", Text, nullable=False, server_default=""),
    Column("show_media", Boolean, nullable=False, server_default="1"),
    Column("show_media_replies", Boolean, nullable=False, server_default="1"),
    Column("show_featured", Boolean, nullable=False, server_default="1"),
    Column("attribution_domains", JSON, nullable=False, default=list),
)

media_attachments = Table(
    "media_attachments",
    metadata,
    _id(),
    _ref("account_id", index=True),
    _ref("status_id", nullable=True, index=True),
    Column("type", String(16), nullable=False, server_default="image"),
    Column("file_key", String(255)),
    Column("thumbnail_key", String(255)),
    Column("remote_url", Text),
    Column("description", Text),
    Column("blurhash", String(64)),
    Column("focus_x", Integer, nullable=False, server_default="0"),  # x1000, -1000..1000
    Column("focus_y", Integer, nullable=False, server_default="0"),
    Column("meta", JSON, nullable=False, default=dict),
    Column("position", SmallInteger, nullable=False, server_default="0"),
    _created(),
)

polls = Table(
    "polls",
    metadata,
    _id(),
    _ref("status_id", index=True),
    _ref("account_id"),
    Column("options", JSON, nullable=False),  # list of titles
    Column("votes", JSON, nullable=False),  # list of counts, same order
    Column("multiple", Boolean, nullable=False, server_default="0"),
    Column("hide_totals", Boolean, nullable=False, server_default="0"),
    Column("votes_count", Integer, nullable=False, server_default="0"),
    Column("voters_count", Integer, nullable=False, server_default="0"),
    Column("expires_at", DateTime(timezone=True)),
    Column("ended_notified", Boolean, nullable=False, server_default="0"),  # "poll" notifications sent
    _created(),
)
Index("ix_polls_due", polls.c.ended_notified, polls.c.expires_at)

poll_votes = Table(
    "poll_votes",
    metadata,
    _id(),
    _ref("poll_id"),
    _ref("account_id"),
    Column("choice", SmallInteger, nullable=False),
    UniqueConstraint("poll_id", "account_id", "choice", name="uq_poll_votes_choice"),
)

favourites = Table(
    "favourites",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("status_id", index=True),
    Column("uri", String(2048)),  # a remote account's Like id, so an Undo naming only it finds it
    UniqueConstraint("account_id", "status_id", name="uq_favourites_account_status"),
)

bookmarks = Table(
    "bookmarks",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("status_id", index=True),
    UniqueConstraint("account_id", "status_id", name="uq_bookmarks_account_status"),
)

pins = Table(
    "pins",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("status_id", index=True),
    UniqueConstraint("account_id", "status_id", name="uq_pins_account_status"),
)

follows = Table(
    "follows",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("target_account_id", index=True),
    Column("show_reblogs", Boolean, nullable=False, server_default="1"),
    Column("notify", Boolean, nullable=False, server_default="0"),
    Column("languages", JSON),
    Column("uri", Text),
    # Whether the follower is on another server (accounts never change server): finding the few remote
    # followers of an account with 100,000 local ones must not read every follow.
    Column("remote_follower", Boolean, nullable=False, server_default="0"),
    _created(),
    UniqueConstraint("account_id", "target_account_id", name="uq_follows_pair"),
)
# The flag is a key column too: without statistics (SQLite is never ANALYZEd) the planner picks the index
# matching the most columns, and would otherwise read every follow through ix_follows_target_account_id.
Index("ix_follows_remote_followers", follows.c.target_account_id, follows.c.remote_follower,
      sqlite_where=text("remote_follower = 1"), postgresql_where=text("remote_follower"))
Index("ix_follows_notified", follows.c.target_account_id, follows.c.notify, sqlite_where=text("notify = 1"),
      postgresql_where=text("notify"))

follow_requests = Table(
    "follow_requests",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("target_account_id", index=True),
    Column("show_reblogs", Boolean, nullable=False, server_default="1"),
    Column("notify", Boolean, nullable=False, server_default="0"),
    Column("languages", JSON),
    Column("uri", Text),
    _created(),
    UniqueConstraint("account_id", "target_account_id", name="uq_follow_requests_pair"),
)

blocks = Table(
    "blocks",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("target_account_id", index=True),
    _created(),
    UniqueConstraint("account_id", "target_account_id", name="uq_blocks_pair"),
)

mutes = Table(
    "mutes",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("target_account_id", index=True),
    Column("hide_notifications", Boolean, nullable=False, server_default="1"),
    Column("expires_at", DateTime(timezone=True)),
    _created(),
    UniqueConstraint("account_id", "target_account_id", name="uq_mutes_pair"),
)

# Follow suggestions an account dismissed (DELETE /api/v1/suggestions/:id): never suggested to it again.
suggestion_dismissals = Table(
    "suggestion_dismissals",
    metadata,
    _ref("account_id"),
    _ref("target_account_id"),
    _created(),
    PrimaryKeyConstraint("account_id", "target_account_id"),
)

account_notes = Table(
    "account_notes",
    metadata,
    _ref("account_id"),
    _ref("target_account_id"),
    Column("comment", Text, nullable=False),
    PrimaryKeyConstraint("account_id", "target_account_id"),
)

# Accounts a user features on their profile (Mastodon's endorsements); only followed accounts.
endorsements = Table(
    "endorsements",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("target_account_id", index=True),
    _created(),
    UniqueConstraint("account_id", "target_account_id", name="uq_endorsements_pair"),
)

# Collections (Mastodon 4.6): named sets of accounts a user recommends following, on their profile.
collections = Table(
    "collections",
    metadata,
    _id(),
    _ref("account_id", index=True),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("language", String(16), nullable=True),
    Column("sensitive", Boolean, nullable=False, server_default="0"),
    Column("discoverable", Boolean, nullable=False, server_default="1"),
    _ref("tag_id", nullable=True),
    _created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

collection_items = Table(
    "collection_items",
    metadata,
    _id(),
    _ref("collection_id"),
    _ref("account_id", index=True),  # the account featured: "in collections" and revoking start here
    Column("state", String(16), nullable=False),  # accepted | revoked (pending: a remote account's consent)
    _created(),
    UniqueConstraint("collection_id", "account_id", name="uq_collection_items_pair"),
)

# Servers a user hides from themselves (POST /api/v1/domain_blocks); the server's own moderation of
# other servers is federation_domains.
account_domain_blocks = Table(
    "account_domain_blocks",
    metadata,
    _id(),
    _ref("account_id"),
    Column("domain", String(255), nullable=False),  # lower case, IDNA (punycode), as accounts.domain
    _created(),
    UniqueConstraint("account_id", "domain", name="uq_account_domain_blocks_pair"),
)

# Threads (statuses.conversation_id) whose notifications a user turned off (POST /api/v1/statuses/:id/mute).
conversation_mutes = Table(
    "conversation_mutes",
    metadata,
    _ref("account_id"),
    _ref("conversation_id"),
    PrimaryKeyConstraint("account_id", "conversation_id"),
)

lists = Table(
    "lists",
    metadata,
    _id(),
    _ref("account_id", index=True),
    Column("title", String(255), nullable=False),
    Column("replies_policy", String(16), nullable=False, server_default="list"),
    Column("exclusive", Boolean, nullable=False, server_default="0"),
    _created(),
)

list_accounts = Table(
    "list_accounts",
    metadata,
    _ref("list_id"),
    _ref("account_id", index=True),
    PrimaryKeyConstraint("list_id", "account_id"),
)

filters = Table(
    "filters",
    metadata,
    _id(),
    _ref("account_id", index=True),
    Column("title", String(255), nullable=False),
    Column("context", JSON, nullable=False),  # ["home", "notifications", "public", "thread", "account"]
    Column("action", String(8), nullable=False, server_default="warn"),  # warn | hide | blur
    Column("expires_at", DateTime(timezone=True)),
    _created(),
)

filter_keywords = Table(
    "filter_keywords",
    metadata,
    _id(),
    _ref("filter_id", index=True),
    Column("keyword", String(255), nullable=False),
    Column("whole_word", Boolean, nullable=False, server_default="1"),
)

filter_statuses = Table(
    "filter_statuses",
    metadata,
    _id(),
    _ref("filter_id", index=True),
    _ref("status_id"),
)

notifications = Table(
    "notifications",
    metadata,
    _id(),
    _ref("account_id"),  # recipient
    _ref("from_account_id"),
    Column("type", String(32), nullable=False),
    _ref("status_id", nullable=True),
    Column("group_key", String(64)),
    # Held back by the recipient's notification policy: shown only through its notification request.
    Column("filtered", Boolean, nullable=False, server_default="0"),
    _created(),
)
Index("ix_notifications_account_id_id", notifications.c.account_id, notifications.c.id)
Index("ix_notifications_filtered", notifications.c.account_id, notifications.c.from_account_id,
      sqlite_where=text("filtered = 1"), postgresql_where=text("filtered"))

# What a user does with notifications from strangers (GET/PATCH /api/v2/notifications/policy): accept,
# filter or drop. No row means Mastodon's defaults.
notification_policies = Table(
    "notification_policies",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("for_not_following", String(8), nullable=False, server_default="accept"),
    Column("for_not_followers", String(8), nullable=False, server_default="accept"),
    Column("for_new_accounts", String(8), nullable=False, server_default="accept"),
    Column("for_private_mentions", String(8), nullable=False, server_default="filter"),
    Column("for_limited_accounts", String(8), nullable=False, server_default="filter"),
)

# Filtered notifications from one sender, awaiting the recipient's accept or dismiss.
notification_requests = Table(
    "notification_requests",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("from_account_id"),
    _ref("last_status_id", nullable=True),  # counted when read: notifications come and go (retract, dismiss)
    _created(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("account_id", "from_account_id", name="uq_notification_requests_pair"),
)

# Senders whose notification request was accepted: their notifications are never filtered again.
notification_permissions = Table(
    "notification_permissions",
    metadata,
    _ref("account_id"),
    _ref("from_account_id"),
    _created(),
    PrimaryKeyConstraint("account_id", "from_account_id"),
)

# Web Push (POST /api/v1/push/subscription): one per access token, as Mastodon; gone with its token.
web_push_subscriptions = Table(
    "web_push_subscriptions",
    metadata,
    _id(),
    _ref("user_id", index=True),
    _ref("token_id"),
    Column("endpoint", Text, nullable=False),
    Column("key_p256dh", String(128), nullable=False),  # base64url, as the client sent it
    Column("key_auth", String(64), nullable=False),
    Column("standard", Boolean, nullable=False, server_default="0"),  # RFC 8291 aes128gcm, else draft aesgcm
    Column("alerts", JSON, nullable=False, default=dict),  # {notification type: bool}
    Column("policy", String(16), nullable=False, server_default="all"),  # all | followed | follower | none
    # The bearer token, sealed with the secret key: pushes carry it, and tokens are otherwise stored hashed.
    Column("sealed_token", Text, nullable=False),
    _created(),
    UniqueConstraint("token_id", name="uq_web_push_subscriptions_token"),
)

markers = Table(
    "markers",
    metadata,
    _ref("account_id"),
    Column("timeline", String(16), nullable=False),
    Column("last_read_id", BigInteger, nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("account_id", "timeline"),
)

home_feed = Table(
    "home_feed",
    metadata,
    _ref("account_id"),
    _ref("status_id", index=True),  # deletes and edits find the feeds holding a post
    PrimaryKeyConstraint("account_id", "status_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    _ref("account_id"),
    Column("key", String(255), nullable=False),
    _ref("status_id", nullable=True),  # what the key made: a post,
    _ref("scheduled_status_id", nullable=True),  # or a scheduled one
    _created(),
    PrimaryKeyConstraint("account_id", "key"),
)

scheduled_statuses = Table(
    "scheduled_statuses",
    metadata,
    _id(),
    _ref("account_id", index=True),
    Column("scheduled_at", DateTime(timezone=True), nullable=False, index=True),
    Column("params", JSON, nullable=False),
    _ref("application_id", nullable=True),
)

custom_emojis = Table(
    "custom_emojis",
    metadata,
    _id(),
    Column("shortcode", String(128), nullable=False),
    Column("domain", String(255), nullable=False, server_default=""),
    Column("image_key", String(255)),
    Column("remote_url", Text),
    Column("visible_in_picker", Boolean, nullable=False, server_default="1"),
    Column("category", String(64)),
    UniqueConstraint("shortcode", "domain", name="uq_custom_emojis_shortcode_domain"),
)

# Announcements by the server's admins (`spark announcements publish`), GET /api/v1/announcements.
announcements = Table(
    "announcements",
    metadata,
    _id(),
    Column("text", Text, nullable=False),
    Column("content", Text, nullable=False),  # rendered HTML
    Column("starts_at", DateTime(timezone=True)),
    Column("ends_at", DateTime(timezone=True)),
    Column("all_day", Boolean, nullable=False, server_default="0"),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Announcements a user dismissed (`read` in the list).
announcement_reads = Table(
    "announcement_reads",
    metadata,
    _ref("announcement_id"),
    _ref("account_id"),
    PrimaryKeyConstraint("announcement_id", "account_id"),
)

# Emoji reactions to announcements: a unicode emoji, or the shortcode of a local custom emoji.
announcement_reactions = Table(
    "announcement_reactions",
    metadata,
    _ref("announcement_id"),
    _ref("account_id"),
    Column("name", String(128), nullable=False),
    _ref("custom_emoji_id", nullable=True),
    _created(),
    PrimaryKeyConstraint("announcement_id", "account_id", "name"),
)

# Durable background work (see adapters/jobs_sql.py): written in the transaction that causes it.
jobs = Table(
    "jobs",
    metadata,
    _id(),
    Column("kind", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("run_at", DateTime(timezone=True), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    Column("last_error", Text),
    _created(),
)
# Workers claim by kind (deliveries and local work run in separate lanes), oldest due first.
Index("ix_jobs_kind_run_at", jobs.c.kind, jobs.c.run_at)

# A direct-message thread as one participant sees it (GET /api/v1/conversations).
account_conversations = Table(
    "account_conversations",
    metadata,
    _id(),
    _ref("account_id"),
    _ref("conversation_id"),
    Column("participant_ids", JSON, nullable=False),  # the others in the thread
    _ref("last_status_id"),
    Column("unread", Boolean, nullable=False, server_default="0"),
    UniqueConstraint("account_id", "conversation_id", name="uq_account_conversations_pair"),
)
Index("ix_account_conversations_account_last", account_conversations.c.account_id,
      account_conversations.c.last_status_id)

# Annual reports ("Wrapstodon"), one per account and year: `data` is null while it is being generated.
annual_reports = Table(
    "annual_reports",
    metadata,
    _id(),
    _ref("account_id"),
    Column("year", Integer, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("data", JSON),
    Column("viewed_at", DateTime(timezone=True)),
    _created(),  # when generation started
    UniqueConstraint("account_id", "year", name="uq_annual_reports_pair"),
)

# ActivityPub: activity ids already handled, so a redelivery changes nothing; and activities that
# arrived before what they refer to (a Delete, Undo or Update before its Create/Follow).
federation_seen = Table(
    "federation_seen",
    metadata,
    Column("activity_id", String(2048), primary_key=True),
    _created(),
)

federation_tombstones = Table(
    "federation_tombstones",
    metadata,
    Column("uri", String(2048), primary_key=True),  # a remote object deleted (or undone) before it arrived
    _created(),
)

# Per remote host: delivery health (unavailable after repeated failures) and moderation.
federation_domains = Table(
    "federation_domains",
    metadata,
    Column("domain", String(255), primary_key=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("unavailable_since", DateTime(timezone=True)),
    Column("severity", String(16), nullable=False, server_default="none"),  # none | silence | suspend
)

# Reports to this server's moderators, from local users (POST /api/v1/reports) or other servers (Flag).
reports = Table(
    "reports",
    metadata,
    _id(),
    _ref("account_id"),  # who reported: a local account, or the remote actor that sent the Flag
    _ref("target_account_id", index=True),
    Column("status_ids", JSON, nullable=False, default=list),
    Column("comment", Text, nullable=False, server_default=""),
    Column("category", String(16), nullable=False, server_default="other"),
    Column("forwarded", Boolean, nullable=False, server_default="0"),
    Column("uri", String(2048)),  # the Flag's id, for reports from other servers
    Column("action_taken_at", DateTime(timezone=True)),
    _created(),
)
