"""E-mail confirmation: POST /api/v1/emails/confirmations."""

from __future__ import annotations

from typing import NoReturn

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.services import accounts as account_service


@endpoint("write:accounts")
async def resend_confirmation(request, grant) -> NoReturn:
    """Resend the confirmation e-mail. No mail is ever sent: no mailer is configured, and every account
    is confirmed at sign-up, so this answers with the spec's errors (403 once confirmed, 422 for a bad
    `email`, 503 while unconfirmed) rather than pretend a mail went out."""
    p = await params.parse(request)
    await account_service.resend_confirmation(runtime(request), grant.user_id, p.str("email", max_length=320))


routes = [Route("/api/v1/emails/confirmations", resend_confirmation, methods=["POST"])]
