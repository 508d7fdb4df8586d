"""A Bot API stand-in: the part of api.telegram.org that newsbot uses, on 127.0.0.1.

The bot under test is the real python-telegram-bot client with
``base_url=stand_in.base_url`` (``http://127.0.0.1:<port>/bot``). Like Telegram,
the stand-in:

* answers ``getMe``, ``deleteWebhook``, ``setMyCommands``, ``getMyCommands``,
  ``setMyDescription``, ``setMyShortDescription``, ``sendChatAction``,
  ``sendMessage``, ``editMessageText``, ``close`` and ``logOut``; anything else
  is a 404 "Not Found";
* answers ``getUpdates`` from a queue: an update is delivered until a later
  call's ``offset`` confirms it, so a client killed before confirming gets it
  again; with nothing to deliver, the call waits up to its ``timeout``;
* validates message text: 400 "Bad Request: can't parse entities: …" for HTML
  that Telegram would refuse (a tag it does not support, unclosed or badly
  nested tags, ``<``, ``>`` or ``&`` not escaped, an unknown entity), 400
  "message is too long" past 4,096 characters after the markup is parsed
  (counted in UTF-16 code units), and 400 "message text is empty";
* can be told to fail: 429 with ``parameters.retry_after``, 502 Bad Gateway,
  or 403 for a chat that blocked the bot, by a seeded random rate or one by one;
  or to answer one status to every call of a method (``always``: a 500, or the
  404 or 400 of a Bot API emulator that lacks the method).

Everything is recorded: ``sent`` (delivered messages, edits applied),
``refused`` (every 4xx), ``calls`` (every method called) and ``commands``
(the menus set with ``setMyCommands``, by language), ``descriptions`` and
``short_descriptions`` (by language too). Use :meth:`wait_for` to
wait for a condition without sleeping a fixed time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token"
BOT_ID = 123456
BOT_USERNAME = "newsbot_test_bot"
MAX_TEXT = 4096

# Telegram's HTML parse mode: tag -> attributes it may carry
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_URL = re.compile(r"https?://[^\s<>\"]+")
_MENTION = re.compile(r"(?<![\w/@])@[A-Za-z][A-Za-z0-9_]{4,31}\b")


class EntityError(ValueError):
    """The text is not HTML that Telegram accepts."""


def parse_html(text: str) -> str:
    """The plain text Telegram shows for ``text`` in HTML parse mode, or EntityError."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        offset = len(text[:i].encode())
        if ch == "<":
            match = _TAG.match(text, i)
            if not match:
                raise EntityError(
                    f"can't parse entities: unclosed start tag at byte offset {offset}"
                )
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in ALLOWED_TAGS:
                raise EntityError(
                    f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}'
                )
            if closing:
                if attrs.strip() or not stack or stack[-1] != name:
                    raise EntityError(
                        f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                        f'expected "</{stack[-1] if stack else ""}>", found "</{name}>"'
                    )
                stack.pop()
            else:
                seen = {m.group(1).lower(): m.group(2) for m in _ATTR.finditer(attrs)}
                extra = set(seen) - ALLOWED_TAGS[name]
                if extra:
                    raise EntityError(
                        f"can't parse entities: unsupported attribute {sorted(extra)[0]!r} "
                        f"of tag {name!r} at byte offset {offset}"
                    )
                if name == "a" and not seen.get("href"):
                    raise EntityError(f"can't parse entities: a link without href at {offset}")
                if name == "a" and "a" in stack:
                    raise EntityError(f"can't parse entities: nested links at byte offset {offset}")
                for value in seen.values():
                    if value and "<" in value:
                        raise EntityError(f"can't parse entities: bad attribute at {offset}")
                    if value and "&" in value:
                        _check_entities(value.strip("\"'"), offset)
                stack.append(name)
            i = match.end()
        elif ch == "&":
            match = _ENTITY.match(text, i)
            if not match:
                raise EntityError(
                    f"can't parse entities: character '&' is reserved and must be escaped "
                    f"(byte offset {offset})"
                )
            out.append(_entity_value(match.group(1), offset))
            i = match.end()
        elif ch == ">":
            raise EntityError(
                f"can't parse entities: character '>' is reserved and must be escaped "
                f"(byte offset {offset})"
            )
        else:
            out.append(ch)
            i += 1
    if stack:
        raise EntityError(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(out)


def _check_entities(value: str, offset: int) -> None:
    for piece in re.finditer(r"&[^;\s]*;?", value):
        match = _ENTITY.fullmatch(piece.group(0))
        if not match:
            raise EntityError(f"can't parse entities: bad '&' in an attribute at {offset}")
        _entity_value(match.group(1), offset)


def _entity_value(body: str, offset: int) -> str:
    if body.startswith("#x"):
        return chr(int(body[2:], 16))
    if body.startswith("#"):
        return chr(int(body[1:]))
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body]
    raise EntityError(f'can\'t parse entities: unsupported entity "&{body};" at {offset}')


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities_for(text: str) -> list[dict[str, Any]]:
    """The entities Telegram finds in a user's plain text: a leading command, URLs."""
    out: list[dict[str, Any]] = []
    command = re.match(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]+)?", text)
    if command:
        out.append({"type": "bot_command", "offset": 0, "length": utf16_length(command.group(0))})
    for kind, pattern in (("url", _URL), ("mention", _MENTION)):
        for match in pattern.finditer(text):
            out.append(
                {
                    "type": kind,
                    "offset": utf16_length(text[: match.start()]),
                    "length": utf16_length(match.group(0)),
                }
            )
    return sorted(out, key=lambda entity: entity["offset"])


@dataclass
class Sent:
    """A message the bot delivered (its latest text, after any edits)."""

    chat_id: int
    message_id: int
    html: str
    text: str  # as shown: markup parsed
    reply_to: int | None
    link_preview_disabled: bool
    parse_mode: str | None
    edits: int = 0
    at: float = field(default_factory=time.monotonic)  # when it was delivered
    # the inline keyboard under it now (an edit without one removes it, as in Telegram)
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)


@dataclass
class Refusal:
    method: str
    status: int
    description: str
    params: dict[str, Any]


@dataclass
class _Faults:
    rate_429: float = 0.0
    rate_502: float = 0.0
    retry_after: int = 1
    queue: list[int] = field(default_factory=list)  # statuses to answer next, one per call
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    counts: dict[int, int] = field(default_factory=dict)
    always: int = 0  # answered to every call (after the queue), with ``description``
    description: str = ""


class BotApiStandIn:
    """Serve the Bot API stand-in on 127.0.0.1 while the ``async with`` lasts."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.port = 0
        self.updates: list[dict[str, Any]] = []  # not yet confirmed
        self.delivered_updates: list[int] = []  # update ids, each time one is handed out
        self.sent: list[Sent] = []
        self.refused: list[Refusal] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.blocked: set[int] = set()
        self._faults: dict[str, _Faults] = {}
        self._next_update = 1000
        self._next_message: dict[int, int] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    # -- set up ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What the bot gets as ``base_url`` (the token is appended to it)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def fail(
        self,
        method: str = "sendMessage",
        *,
        rate_429: float = 0.0,
        rate_502: float = 0.0,
        retry_after: int = 1,
        seed: int = 0,
        next_statuses: list[int] | None = None,
        always: int = 0,
        description: str = "",
    ) -> None:
        """Make ``method`` fail at these rates (seeded), after the statuses in ``next_statuses``;
        or, with ``always``, answer that status (and ``description``) to every call."""
        self._faults[method] = _Faults(
            rate_429,
            rate_502,
            retry_after,
            list(next_statuses or []),
            random.Random(seed),
            always=always,
            description=description,
        )

    def fault_count(self, method: str, status: int) -> int:
        faults = self._faults.get(method)
        return faults.counts.get(status, 0) if faults else 0

    # -- what users do ----------------------------------------------------------

    async def push(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue one update (``{"message": …}``, ``{"channel_post": …}``, …); its update_id."""
        self._next_update += 1
        update = {"update_id": self._next_update, kind: payload}
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()
        return self._next_update

    def _message_id(self, chat_id: int) -> int:
        self._next_message[chat_id] = self._next_message.get(chat_id, 0) + 1
        return self._next_message[chat_id]

    async def say(
        self,
        chat_id: int,
        text: str,
        *,
        language_code: str | None = "en",
        first_name: str = "Tester",
        reply_to: dict[str, Any] | None = None,
    ) -> int:
        """A user writes ``text`` to the bot in a private chat; returns the message id."""
        chat = {"id": chat_id, "type": "private", "first_name": first_name}
        return await self._user_message(chat, chat_id, first_name, text, language_code, reply_to)

    async def say_in_group(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        language_code: str | None = "en",
        reply_to: dict[str, Any] | None = None,
    ) -> int:
        """User ``user_id`` writes ``text`` in the group ``chat_id`` (negative) where the
        bot is a member; returns the message id. Mentions and links come as entities."""
        chat = {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
        return await self._user_message(chat, user_id, "Member", text, language_code, reply_to)

    async def _user_message(
        self,
        chat: dict[str, Any],
        user_id: int,
        first_name: str,
        text: str,
        language_code: str | None,
        reply_to: dict[str, Any] | None,
    ) -> int:
        """A message from user ``user_id`` in ``chat``, pushed as an update; its id."""
        message_id = self._message_id(chat["id"])
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        entities = entities_for(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        await self.push("message", message)
        return message_id

    async def send_media(
        self,
        chat_id: int,
        kind: str,
        caption: str | None = None,
        *,
        language_code: str | None = "en",
        links: dict[str, str] | None = None,
        forwarded_from: str | None = None,
    ) -> int:
        """A user sends a ``kind`` ("photo", "video", "document" or "sticker") in a private
        chat, with ``caption``; ``links`` makes a text link of each of its words (word ->
        URL), as a forwarded channel post's "Read more" is; ``forwarded_from`` (a channel's
        username) makes it a forward of that channel's post. Returns the message id."""
        message_id = self._message_id(chat_id)
        user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Tester"}
        if language_code:
            user["language_code"] = language_code
        file = {"file_id": f"{kind}-{message_id}", "file_unique_id": f"u{kind}{message_id}"}
        media: dict[str, Any] = {
            "photo": [{**file, "width": 800, "height": 600}],
            "video": {**file, "width": 640, "height": 360, "duration": 12},
            "document": {**file, "file_name": "post.pdf", "mime_type": "application/pdf"},
            "sticker": {
                **file,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            },
        }
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Tester"},
            "from": user,
            kind: media[kind],
        }
        if caption is not None:
            message["caption"] = caption
            entities = entities_for(caption)
            for word, url in (links or {}).items():
                at = caption.index(word)
                entities.append(
                    {
                        "type": "text_link",
                        "offset": utf16_length(caption[:at]),
                        "length": utf16_length(word),
                        "url": url,
                    }
                )
            if entities:
                message["caption_entities"] = sorted(entities, key=lambda e: e["offset"])
        if forwarded_from is not None:
            channel = {"id": -1009000, "type": "channel", "title": forwarded_from}
            channel["username"] = forwarded_from
            message["forward_origin"] = {
                "type": "channel",
                "date": int(time.time()) - 60,
                "chat": channel,
                "message_id": 77,
            }
        await self.push("message", message)
        return message_id

    def as_reply_to(self, sent: Sent) -> dict[str, Any]:
        """``sent`` (a message of the bot's) as the ``reply_to_message`` of a user's."""
        kind = "supergroup" if sent.chat_id < 0 else "private"
        return {**self._message_json(sent), "chat": {"id": sent.chat_id, "type": kind}}

    async def edit(self, chat_id: int, message_id: int, text: str) -> int:
        """The user edits their message ``message_id`` to ``text`` (an ``edited_message``)."""
        user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Tester"}
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Tester"},
            "from": {**user, "language_code": "en"},
            "text": text,
        }
        entities = entities_for(text)
        if entities:
            message["entities"] = entities
        return await self.push("edited_message", message)

    async def channel_post(self, chat_id: int, username: str | None, text: str) -> int:
        """A post appears in a channel where the bot is an administrator."""
        message_id = self._message_id(chat_id)
        chat: dict[str, Any] = {"id": chat_id, "type": "channel", "title": f"Channel {chat_id}"}
        if username:
            chat["username"] = username
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "sender_chat": chat,
            "text": text,
        }
        entities = entities_for(text)
        if entities:
            message["entities"] = entities
        await self.push("channel_post", message)
        return message_id

    # -- what the bot did --------------------------------------------------------

    def to_chat(self, chat_id: int) -> list[Sent]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def replies_to(self, chat_id: int, message_id: int) -> list[Sent]:
        return [m for m in self.sent if m.chat_id == chat_id and m.reply_to == message_id]

    async def wait_for(
        self, condition: Callable[[], Any], within: float = 60.0, what: str = "the condition"
    ) -> Any:
        """Wait until ``condition()`` is truthy (checked on every request); return its value."""

        async def check() -> Any:
            async with self._changed:
                while not (value := condition()):
                    # woken by every request; and now and then for conditions on other state
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.2)
                return value

        try:
            return await asyncio.wait_for(check(), within)
        except TimeoutError:
            raise AssertionError(
                f"timed out waiting for {what}; sent so far: {[m.text[:80] for m in self.sent]}"
            ) from None

    async def reply(self, chat_id: int, message_id: int, within: float = 60.0) -> Sent:
        """The (first) message sent in reply to ``message_id``, once there is one."""
        found: list[Sent] = await self.wait_for(
            lambda: self.replies_to(chat_id, message_id),
            within,
            f"a reply to message {message_id}",
        )
        return found[0]

    # -- the server -----------------------------------------------------------------

    async def __aenter__(self) -> BotApiStandIn:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            async with self._changed:
                self._changed.notify_all()
            await self._runner.cleanup()
            self._runner = None

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key, value in list(params.items()):
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        params = await self._params(request)
        async with self._changed:
            self.calls.append((method, params))
            self._changed.notify_all()
        faulted = self._fault(method)
        if faulted is not None:
            return faulted
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        try:
            response: web.StreamResponse = await handler(params)
        except EntityError as exc:
            response = self._refuse(method, params, f"Bad Request: {exc}")
        async with self._changed:
            self._changed.notify_all()
        return response

    def _fault(self, method: str) -> web.StreamResponse | None:
        faults = self._faults.get(method)
        if faults is None:
            return None
        status = 0
        if faults.queue:
            status = faults.queue.pop(0)
        elif faults.always:
            status = faults.always
        else:
            roll = faults.rng.random()
            if roll < faults.rate_429:
                status = 429
            elif roll < faults.rate_429 + faults.rate_502:
                status = 502
        if not status or status == 200:
            return None
        faults.counts[status] = faults.counts.get(status, 0) + 1
        if status == 429:
            return _error(
                429,
                f"Too Many Requests: retry after {faults.retry_after}",
                parameters={"retry_after": faults.retry_after},
            )
        if status == 502:
            return web.Response(
                status=502,
                text="<html><head><title>502 Bad Gateway</title></head></html>",
                content_type="text/html",
            )
        defaults = {400: "Bad Request: method not found", 404: "Not Found"}
        return _error(status, faults.description or defaults.get(status, "Internal Server Error"))

    def _refuse(self, method: str, params: dict[str, Any], description: str) -> web.Response:
        self.refused.append(Refusal(method, 400, description, params))
        return _error(400, description)

    # -- methods ----------------------------------------------------------------------

    def _me(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "newsbot",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getMe(self, params: dict[str, Any]) -> web.Response:
        return _ok(self._me())

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self.updates.clear()
        return _ok(True)

    async def _m_close(self, params: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def _m_logOut(self, params: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def _m_setMyCommands(self, params: dict[str, Any]) -> web.Response:
        commands = params.get("commands")
        if not isinstance(commands, list) or not commands:
            return self._refuse("setMyCommands", params, "Bad Request: commands must be non-empty")
        for item in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(item.get("command", ""))):
                return self._refuse("setMyCommands", params, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(item.get("description", ""))) <= 256:
                return self._refuse(
                    "setMyCommands", params, "Bad Request: command description is invalid"
                )
        self.commands[str(params.get("language_code") or "")] = commands
        return _ok(True)

    async def _m_setMyDescription(self, params: dict[str, Any]) -> web.Response:
        return self._describe("setMyDescription", params, "description", 512)

    async def _m_setMyShortDescription(self, params: dict[str, Any]) -> web.Response:
        return self._describe("setMyShortDescription", params, "short_description", 120)

    def _describe(
        self, method: str, params: dict[str, Any], name: str, longest: int
    ) -> web.Response:
        text = str(params.get(name) or "")
        if len(text) > longest:
            return self._refuse(method, params, f"Bad Request: {name} is too long")
        found = self.descriptions if name == "description" else self.short_descriptions
        found[str(params.get("language_code") or "")] = text
        return _ok(True)

    async def _m_getMyCommands(self, params: dict[str, Any]) -> web.Response:
        return _ok(self.commands.get(str(params.get("language_code") or ""), []))

    async def _m_sendChatAction(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        self.chat_actions.append((chat_id, str(params.get("action"))))
        return _ok(True)

    async def _m_getUpdates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            if offset:
                # like Telegram: an offset confirms every update before it
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and self._runner is not None:
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except TimeoutError:
                    break
            batch = self.updates[:limit]
            self.delivered_updates.extend(u["update_id"] for u in batch)
        return _ok(batch)

    async def _m_sendMessage(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        html = str(params.get("text", ""))
        text = self._check_text(params, html)
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        if reply_to is None and params.get("reply_to_message_id"):
            reply_to = params["reply_to_message_id"]
        preview = params.get("link_preview_options") or {}
        sent = Sent(
            chat_id=chat_id,
            message_id=self._message_id(chat_id),
            html=html,
            text=text,
            reply_to=int(reply_to) if reply_to is not None else None,
            link_preview_disabled=bool(isinstance(preview, dict) and preview.get("is_disabled"))
            or params.get("disable_web_page_preview") in (True, "true"),
            parse_mode=params.get("parse_mode"),
            keyboard=_inline_keyboard(params),
        )
        self.sent.append(sent)
        return _ok(self._message_json(sent))

    async def _m_editMessageText(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params["chat_id"])
        message_id = int(params["message_id"])
        html = str(params.get("text", ""))
        text = self._check_text(params, html)
        for sent in self.sent:
            if sent.chat_id == chat_id and sent.message_id == message_id:
                if sent.html == html:
                    raise EntityError(
                        "message is not modified: specified new message content and reply "
                        "markup are exactly the same as a current content and reply markup "
                        "of the message"
                    )
                sent.html, sent.text, sent.edits = html, text, sent.edits + 1
                sent.parse_mode = params.get("parse_mode")
                sent.keyboard = _inline_keyboard(params)
                return _ok(self._message_json(sent))
        raise EntityError("message to edit not found")

    def _check_text(self, params: dict[str, Any], html: str) -> str:
        text = parse_html(html) if params.get("parse_mode") == "HTML" else html
        if not text.strip():
            raise EntityError("message text is empty")
        if utf16_length(text) > MAX_TEXT:
            raise EntityError("message is too long")
        return text

    def _message_json(self, sent: Sent) -> dict[str, Any]:
        return {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {"id": sent.chat_id, "type": "private" if sent.chat_id > 0 else "channel"},
            "from": self._me(),
            "text": sent.text,
        }


def _inline_keyboard(params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and isinstance(markup.get("inline_keyboard"), list):
        return markup["inline_keyboard"]
    return []


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, **extra: Any) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description, **extra}
    return web.json_response(body, status=status)
