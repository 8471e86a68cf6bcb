"""Links that open one case for its customer from another device (the links in our mails): signed, per case."""

from __future__ import annotations

from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "rebound.case-link"
MAX_AGE_S = 180 * 86_400  # long enough to follow a refund to its end from the first mail


def sign(secret: str, number: str) -> str:
    """A token that opens case `number` (and nothing else) for whoever holds the mail it was sent in."""
    return URLSafeTimedSerializer(secret, salt=SALT).dumps(number)


def opens(secret: str, token: str, number: str) -> bool:
    try:
        found = URLSafeTimedSerializer(secret, salt=SALT).loads(token, max_age=MAX_AGE_S)
    except BadSignature:
        return False
    return bool(found == number)


def case_url(base_url: str, secret: str, number: str, page: str = "") -> str:
    """An absolute link to the case's status page (or one of its files, `page` like '/label.pdf')."""
    return f"{base_url.rstrip('/')}/returns/{number}{page}?access={sign(secret, number)}"


START_SALT = "rebound.return-start"
START_MAX_AGE_S = 365 * 86_400  # order-confirmation mails are kept; return windows are at most months


def start_url(base_url: str, secret: str, order_number: str, email: str) -> str:
    """The storefront's "Start a return" link for one order (for its confirmation mail): signed, so changing the
    order number or email in it opens nothing."""
    sig = URLSafeTimedSerializer(secret, salt=START_SALT).dumps([order_number, email.lower()])
    query = urlencode({"order": order_number, "email": email.lower(), "sig": sig})
    return f"{base_url.rstrip('/')}/returns/start?{query}"


def start_allows(secret: str, sig: str, order_number: str, email: str) -> bool:
    try:
        found = URLSafeTimedSerializer(secret, salt=START_SALT).loads(sig, max_age=START_MAX_AGE_S)
    except BadSignature:
        return False
    return bool(found == [order_number, email.lower()])
