"""Read config.toml into typed, validated settings; a bad key or value is one clear line."""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Callable

from core.casetypes import CaseType, parse_case_types

DEFAULT_CONFIG = "config.toml"
# One log line format for serve, its filing process and its preparers (the process name tells them apart).
LOG_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"


class ConfigError(Exception):
    """A config problem, worded for the operator: file, table, key and what is wrong."""


@dataclass(frozen=True)
class Address:
    """A host and port to listen on."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class SmtpSettings:
    listen: Address = Address("127.0.0.1", 2525)
    domains: tuple[str, ...] = ("support.example.com",)
    max_message_size: int = 25 * 1000 * 1000
    max_connections_per_client: int = 20
    # All sessions together, whoever opens them (issue 12): a flood from many addresses stops here.
    max_connections: int = 200
    # A session that sends nothing for this long is closed (also in the middle of DATA).
    idle_timeout: timedelta = timedelta(minutes=5)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    require_tls: bool = False
    auth_users: tuple[tuple[str, str], ...] = ()
    auth_required: bool = False


DEFAULT_SIGNATURE = "Invoice Automation Support"
DEFAULT_TIMEZONE = "Europe/Stockholm"
# A signature is a sign-off, not a letter: bounded so a typo cannot put a novel under every mail.
MAX_SIGNATURE = 500


@dataclass(frozen=True)
class OutboundSettings:
    transport: str = "maildir"
    maildir: Path = Path("var/outbox")
    host: str = "127.0.0.1"
    port: int = 25
    from_: str = "Support <support@support.example.com>"
    # The sign-off under every mail we send; a mature desk signs as the product's support team.
    signature: str = DEFAULT_SIGNATURE
    # A folder of mail templates that replace the shipped ones file by file (None: shipped only).
    templates: Path | None = None

    @property
    def from_address(self) -> str:
        """The bare address of `from`, used as envelope sender and Reply-To."""
        return parseaddr(self.from_)[1]


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///var/casedesk.db"


@dataclass(frozen=True)
class WebSettings:
    listen: Address = Address("127.0.0.1", 8080)
    base_url: str = "http://127.0.0.1:8080"
    # "" (the default): generated on first start into var/secret beside the config file (0600).
    secret: str = ""
    staff: tuple[str, ...] = ("staff@support.example.com",)
    link_ttl: timedelta = timedelta(hours=24)
    # Proxies whose X-Forwarded-For is believed (rate limits count the client they name); none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Times on the pages are shown in this zone (IANA name); the UTC time is in a title attribute.
    timezone: str = DEFAULT_TIMEZONE
    # Who may scrape /metrics without signing in as staff: addresses or networks (CIDR).
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class AutomaticSettings:
    """Auto-replies some systems send without any header marking them (Outlook "Automatic reply")."""

    subjects: tuple[str, ...] = (
        "out of office", "automatic reply", "auto reply", "autoreply", "auto-reply", "autosvar",
        "frånvaromeddelande", "automatiskt svar", "på semester", "vacation reply", "away from the office",
    )


@dataclass(frozen=True)
class FollowupSettings:
    first_request_after: timedelta = timedelta(minutes=5)
    reminder_every: timedelta = timedelta(days=2)
    max_reminders: int = 2
    tick: timedelta = timedelta(seconds=30)


# Staff notification events ([staff] notify_on): see docs/staff.md.
STAFF_EVENTS = ("ready", "customer_wrote", "set_aside")


@dataclass(frozen=True)
class StaffSettings:
    # Addresses told about cases (usually a team list); empty: no staff notifications.
    notify: tuple[str, ...] = ()
    notify_on: tuple[str, ...] = STAFF_EVENTS


@dataclass(frozen=True)
class FilingSettings:
    # Processes that parse and read a burst of mail beside the filing process; None: "auto".
    preparers: int | None = None
    # Time to parse and read one mail; a mail over it is filed as held (docs/filing.md).
    mail_budget: timedelta = timedelta(seconds=10)

    def preparer_count(self) -> int:
        """"auto": one per core beyond the first, at most four; none on a single core. The filing
        writer prepares batches itself while it would wait, so on 2 cores one preparer keeps
        both busy after a burst (docs/bench.md: filed 0.38x -> 0.55x of the sink)."""
        if self.preparers is not None:
            return self.preparers
        return max(0, min(4, (os.cpu_count() or 1) - 1))


@dataclass(frozen=True)
class ImapSettings:
    """One mailbox casedesk fetches from ([[imap]]); `name` identifies it in logs and /healthz."""

    host: str = ""
    port: int = 993
    tls: bool = True
    username: str = ""
    password: str = field(default="", repr=False)
    password_env: str = ""
    folder: str = "INBOX"
    processed_folder: str = "casedesk/processed"
    poll: timedelta = timedelta(seconds=60)

    @property
    def name(self) -> str:
        return f"{self.username}@{self.host}/{self.folder}"


@dataclass(frozen=True)
class Settings:
    """Everything casedesk reads from config.toml; relative paths resolve against the file's folder."""

    path: Path
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    outbound: OutboundSettings = field(default_factory=OutboundSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    web: WebSettings = field(default_factory=WebSettings)
    followup: FollowupSettings = field(default_factory=FollowupSettings)
    filing: FilingSettings = field(default_factory=FilingSettings)
    automatic: AutomaticSettings = field(default_factory=AutomaticSettings)
    staff: StaffSettings = field(default_factory=StaffSettings)
    case_types: tuple[CaseType, ...] = ()
    imap: tuple[ImapSettings, ...] = ()

    @property
    def support_address(self) -> str:
        return self.outbound.from_address


# -- value parsers: each takes the TOML value and returns the typed value or raises ValueError --

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3}


def duration(value: Any) -> timedelta:
    """'90s', '5m', '2h', '2d' (also '250ms') -> timedelta."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a duration like \"90s\", \"5m\", \"2h\" or \"2d\", got {value!r}")
    return timedelta(seconds=float(match[1]) * _DURATION_UNITS[match[2]])


def positive_duration(value: Any) -> timedelta:
    """A duration above zero."""
    if not duration(value):
        raise ValueError(f"expected a duration above zero, got {value!r}")
    return duration(value)


def size(value: Any) -> int:
    """'512KB', '25MB' -> bytes (decimal units, as MTAs count)."""
    match = _SIZE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a size like \"512KB\" or \"25MB\", got {value!r}")
    return int(float(match[1]) * _SIZE_UNITS[(match[2] or "B").upper()])


def address(value: Any) -> Address:
    """'host:port' -> Address."""
    host, sep, port = value.rpartition(":") if isinstance(value, str) else ("", "", "")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"expected \"host:port\", got {value!r}")
    return Address(host.strip("[]"), int(port))


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def nonempty_text(value: Any) -> str:
    if not text(value).strip():
        raise ValueError("must not be empty")
    return value


def count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {value!r}")
    return value


def auto_or_count(value: Any) -> int | None:
    """"auto" (None: decided at start from the core count) or a whole number."""
    if value == "auto":
        return None
    try:
        return count(value)
    except ValueError:
        raise ValueError(f'expected "auto" or a whole number >= 0, got {value!r}') from None


def port(value: Any) -> int:
    if count(value) > 65535:
        raise ValueError(f"expected a port number, got {value!r}")
    return value


def lower_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(v.strip().lower() for v in value)


def networks(value: Any) -> tuple[str, ...]:
    """A list of IP addresses or networks ("10.0.0.0/8"); [] allows nobody."""
    import ipaddress

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of addresses or networks, got {value!r}")
    for item in value:
        try:
            ipaddress.ip_network(item.strip(), strict=False)
        except ValueError:
            raise ValueError(f"expected an address or network like \"10.0.0.0/8\", got {item!r}") from None
    return tuple(v.strip() for v in value)
def address_list(value: Any) -> tuple[str, ...]:
    """A list of plain mail addresses, lowercased; [] is allowed (the feature is off)."""
    if not isinstance(value, list):
        raise ValueError(f"expected a list of addresses, got {value!r}")
    found = []
    for item in value:
        plain = parseaddr(item)[1] if isinstance(item, str) else ""
        if not plain or plain != item.strip() or plain.count("@") != 1:
            raise ValueError(f"expected plain addresses like \"team@example.com\", got {item!r}")
        found.append(plain.lower())
    return tuple(found)


def events(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(v in STAFF_EVENTS for v in value):
        raise ValueError(f"expected a list of {', '.join(map(repr, STAFF_EVENTS))}, got {value!r}")
    return tuple(dict.fromkeys(value))


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(map(repr, choices))}, got {value!r}")
        return value

    return check


def mailbox(value: Any) -> str:
    if "@" not in parseaddr(text(value))[1]:
        raise ValueError(f"expected an address like \"Support <support@example.com>\", got {value!r}")
    return value


def optional_path(value: Any) -> Path | None:
    """A file path; "" means not set."""
    return Path(text(value)) if text(value) else None


def env_table(value: Any) -> tuple[tuple[str, str], ...]:
    """{user = "ENV_VAR"}: secrets stay in the environment, not in config.toml."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                              for k, v in value.items()):
        raise ValueError(f"expected a table of user = \"ENVIRONMENT_VARIABLE\", got {value!r}")
    return tuple(sorted(value.items()))


# The sample value every copy of config.toml carried until issue 12: as good as no secret at all.
SAMPLE_SECRET = "change-me"
MIN_SECRET = 32
# Where a generated secret lives, relative to the config file's folder.
SECRET_FILE = Path("var/secret")
MAX_LINK_TTL = timedelta(hours=24)


def secret(value: Any) -> str:
    """A configured secret must be long and not the old sample; "" means: generate one."""
    value = text(value)
    if value == SAMPLE_SECRET or 0 < len(value) < MIN_SECRET:
        raise ValueError(f"must be at least {MIN_SECRET} characters and not the sample value "
                         f"(or \"\" to have casedesk generate one into {SECRET_FILE})")
    return value


def link_ttl(value: Any) -> timedelta:
    """How long a sign-in link works: more than 0, at most 24 hours."""
    ttl = duration(value)
    if not timedelta(0) < ttl <= MAX_LINK_TTL:
        raise ValueError(f"must be more than 0 and at most \"24h\", got {value!r}")
    return ttl


def phrases(value: Any) -> tuple[str, ...]:
    """A list of phrases, compared case-folded."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(" ".join(v.casefold().split()) for v in value)


def signature(value: Any) -> str:
    """The sign-off: plain text, a few lines, no control characters other than line breaks."""
    value = text(value).replace("\r\n", "\n").strip("\n")
    if not value.strip():
        raise ValueError("must not be empty")
    if len(value) > MAX_SIGNATURE or value.count("\n") > 5:
        raise ValueError(f"at most {MAX_SIGNATURE} characters on at most 6 lines")
    if any(not c.isprintable() and c != "\n" for c in value):
        raise ValueError("control characters are not allowed")
    return value


def time_zone(value: Any) -> str:
    """An IANA zone name that this machine's zone database knows ("Europe/Stockholm", "UTC")."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(nonempty_text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'expected a time zone name like "Europe/Stockholm" or "UTC", got {value!r}') from None
    return value


def db_url(value: Any) -> str:
    if not text(value).startswith(("sqlite:", "postgresql")):
        raise ValueError(f"expected sqlite:///PATH or postgresql+psycopg://..., got {value!r}")
    return value


# Table -> key -> (attribute name, parser). This table is the whole config contract.
SCHEMA: dict[str, tuple[type, dict[str, tuple[str, Callable[[Any], Any]]]]] = {
    "smtp": (SmtpSettings, {
        "listen": ("listen", address),
        "domains": ("domains", lower_list),
        "max_message_size": ("max_message_size", size),
        "max_connections_per_client": ("max_connections_per_client", count),
        "max_connections": ("max_connections", count),
        "idle_timeout": ("idle_timeout", duration),
        "tls_cert": ("tls_cert", optional_path),
        "tls_key": ("tls_key", optional_path),
        "require_tls": ("require_tls", boolean),
        "auth_users": ("auth_users", env_table),
        "auth_required": ("auth_required", boolean),
    }),
    "outbound": (OutboundSettings, {
        "transport": ("transport", one_of("maildir", "smtp")),
        "maildir": ("maildir", lambda v: Path(nonempty_text(v))),
        "host": ("host", nonempty_text),
        "port": ("port", port),
        "from": ("from_", mailbox),
        "signature": ("signature", signature),
        "templates": ("templates", optional_path),
    }),
    "database": (DatabaseSettings, {
        "url": ("url", db_url),
    }),
    "web": (WebSettings, {
        "listen": ("listen", address),
        "base_url": ("base_url", lambda v: nonempty_text(v).rstrip("/")),
        "secret": ("secret", secret),
        "staff": ("staff", lower_list),
        "link_ttl": ("link_ttl", link_ttl),
        "trusted_proxies": ("trusted_proxies", lower_list),
        "timezone": ("timezone", time_zone),
        "metrics_allow": ("metrics_allow", networks),
    }),
    "automatic": (AutomaticSettings, {
        "subjects": ("subjects", phrases),
    }),
    "followup": (FollowupSettings, {
        "first_request_after": ("first_request_after", duration),
        "reminder_every": ("reminder_every", duration),
        "max_reminders": ("max_reminders", count),
        "tick": ("tick", duration),
    }),
    "filing": (FilingSettings, {
        "preparers": ("preparers", auto_or_count),
        "mail_budget": ("mail_budget", positive_duration),
    }),
    "staff": (StaffSettings, {
        "notify": ("notify", address_list),
        "notify_on": ("notify_on", events),
    }),
    # [[imap]]: an array of tables, one per mailbox; see imap_tables().
    "imap": (ImapSettings, {
        "host": ("host", nonempty_text),
        "port": ("port", port),
        "tls": ("tls", boolean),
        "username": ("username", nonempty_text),
        "password": ("password", nonempty_text),
        "password_env": ("password_env", nonempty_text),
        "folder": ("folder", nonempty_text),
        # "" means: delete fetched mail (flag \Deleted, expunge) instead of moving it.
        "processed_folder": ("processed_folder", text),
        "poll": ("poll", duration),
    }),
}


def load(path: str | os.PathLike[str] | None = None, *, case_types: bool = True) -> Settings:
    """Load settings from PATH, else $CASEDESK_CONFIG, else ./config.toml (defaults if absent).

    `case_types=False` leaves [[case_types]] unread (an empty tuple): checking their patterns
    compiles every regex, a quarter of a second that `casedesk ingest -` does not need.
    """
    chosen = Path(path or os.environ.get("CASEDESK_CONFIG") or DEFAULT_CONFIG)
    if not chosen.exists():
        if path or os.environ.get("CASEDESK_CONFIG"):
            raise ConfigError(f"{chosen}: no such config file")
        types = parse_case_types(None, "") if case_types else ()
        return with_secret(resolve_paths(Settings(path=chosen.absolute(), case_types=types)))
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from None
    return from_dict(data, chosen, case_types=case_types)


def from_dict(data: dict[str, Any], path: Path, *, case_types: bool = True) -> Settings:
    """Build settings from parsed TOML; every unknown table or key is an error."""
    sections: dict[str, Any] = {}
    for table, value in data.items():
        if table == "case_types":
            continue
        if table == "imap":
            sections[table] = imap_tables(path, value)
            continue
        if table not in SCHEMA:
            raise ConfigError(f"{path} [{table}]: unknown table (known: {', '.join(SCHEMA)}, case_types)")
        if not isinstance(value, dict):
            raise ConfigError(f"{path} [{table}]: expected a table")
        sections[table] = section(path, table, value)
    try:
        types = parse_case_types(data.get("case_types"), str(path)) if case_types else ()
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if "smtp" in sections:
        check_smtp(path, sections["smtp"])
    settings = with_secret(resolve_paths(Settings(path=path.absolute(), case_types=types, **sections)))
    check_templates(path, settings.outbound.templates)
    return settings


def with_secret(settings: Settings) -> Settings:
    """The settings with a secret: the configured one, else the one in var/secret (made on first use)."""
    if settings.web.secret:
        return settings
    return replace(settings, web=replace(settings.web, secret=generated_secret(settings.path.parent / SECRET_FILE)))


def generated_secret(path: Path) -> str:
    """Read the generated secret at `path`, creating it (mode 0600) the first time.

    Written to a private temporary file and linked into place, so two processes starting at once
    agree on one secret and neither ever reads a half-written file.
    """
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process won the race: use its secret
            finally:
                temporary.unlink()
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read or create the generated [web] secret: {exc}") from None
    if len(value) < MIN_SECRET:
        raise ConfigError(f"{path}: the generated [web] secret is shorter than {MIN_SECRET} characters; "
                          "delete the file to generate a new one")
    return value


def check_templates(path: Path, folder: Path | None) -> None:
    """An override folder must exist, and every template in it must compile: a typo shows at
    start-up, not as a mail that silently fails to be planned days later."""
    if folder is None:
        return
    if not folder.is_dir():
        raise ConfigError(f"{path} [outbound] templates: no such folder: {folder}")
    from core.mailtemplates import broken_templates

    for name, error in broken_templates(folder)[:1]:
        raise ConfigError(f"{path} [outbound] templates: {name}: {error}")


def check_smtp(path: Path, smtp: SmtpSettings) -> None:
    """Keys that only make sense together."""
    if (smtp.tls_cert is None) != (smtp.tls_key is None):
        missing = "tls_key" if smtp.tls_key is None else "tls_cert"
        raise ConfigError(f"{path} [smtp] {missing}: tls_cert and tls_key go together")
    if smtp.require_tls and smtp.tls_cert is None:
        raise ConfigError(f"{path} [smtp] require_tls: needs tls_cert and tls_key")
    if smtp.auth_required and not smtp.auth_users:
        raise ConfigError(f"{path} [smtp] auth_required: needs auth_users")
    for user, variable in smtp.auth_users:
        if not os.environ.get(variable):
            raise ConfigError(f"{path} [smtp] auth_users: {user}'s password variable ${variable} is not set")
    if smtp.auth_users and smtp.tls_cert is None:
        # AUTH is offered only after STARTTLS: a password is never sent in the clear (issue 12).
        raise ConfigError(f"{path} [smtp] auth_users: needs tls_cert and tls_key (AUTH is offered only after STARTTLS)")


def section(path: Path, table: str, values: dict[str, Any], label: str | None = None) -> Any:
    cls, keys = SCHEMA[table]
    label = label or table
    kwargs = {}
    for key, value in values.items():
        if key not in keys:
            raise ConfigError(f"{path} [{label}] {key}: unknown key (known: {', '.join(keys)})")
        attribute, parse = keys[key]
        try:
            kwargs[attribute] = parse(value)
        except ValueError as exc:
            raise ConfigError(f"{path} [{label}] {key}: {exc}") from None
    return cls(**kwargs)


def imap_tables(path: Path, value: Any) -> tuple[ImapSettings, ...]:
    """[[imap]] tables -> ImapSettings; errors name the table as [imap] (or [imap #2], ...)."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{path} [imap]: expected [[imap]] tables (an array of tables)")
    boxes = []
    for n, table in enumerate(value, 1):
        label = "imap" if n == 1 else f"imap #{n}"
        box = section(path, "imap", table, label)
        for key in ("host", "username"):
            if key not in table:
                raise ConfigError(f"{path} [{label}] {key}: required")
        if ("password" in table) == ("password_env" in table):
            raise ConfigError(f"{path} [{label}] password: set exactly one of password, password_env")
        if box.processed_folder == box.folder:
            # Moved mail would land where we fetch from and be fetched again forever.
            raise ConfigError(f"{path} [{label}] processed_folder: must differ from folder")
        if "port" not in table:
            # The IANA ports: 993 is IMAP over TLS, 143 plain IMAP.
            box = replace(box, port=993 if box.tls else 143)
        boxes.append(box)
    return tuple(boxes)


def resolve_paths(settings: Settings) -> Settings:
    """Relative maildir and sqlite paths are relative to the config file, not the cwd."""
    base = settings.path.parent
    smtp = settings.smtp
    for key in ("tls_cert", "tls_key"):
        path = getattr(smtp, key)
        if path is not None and not path.is_absolute():
            smtp = replace(smtp, **{key: base / path})
    outbound = settings.outbound
    if not outbound.maildir.is_absolute():
        outbound = replace(outbound, maildir=base / outbound.maildir)
    if outbound.templates is not None and not outbound.templates.is_absolute():
        outbound = replace(outbound, templates=base / outbound.templates)
    database = settings.database
    prefix, sep, rest = database.url.partition(":///")
    if prefix.startswith("sqlite") and sep and rest and not rest.startswith("/") and rest != ":memory:":
        database = replace(database, url=f"{prefix}:///{base / rest}")
    return replace(settings, smtp=smtp, outbound=outbound, database=database)


def config_text(tables: dict[str, Any]) -> str:
    """A config.toml for these tables ({table: {key: value}}, or {table: [{...}]} for [[table]]
    arrays): how tests, benchmarks and tooling write a config this module will read."""
    lines: list[str] = []
    for table, values in sorted(tables.items(), key=lambda item: isinstance(item[1], list)):
        for entry in values if isinstance(values, list) else [values]:
            lines.append(f"[[{table}]]" if isinstance(values, list) else f"[{table}]")
            lines += [f"{key} = {toml_value(value)}" for key, value in entry.items()]
            lines.append("")
    return "\n".join(lines)


def toml_value(value: Any) -> str:
    """One TOML value: booleans, numbers, strings, lists and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
