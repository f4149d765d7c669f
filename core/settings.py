"""Read config.toml into typed, validated settings; a bad key or value is one clear line.

The tables are pydantic models (frozen, unknown keys refused) whose fields are the value types
of core/schema.py; `load` validates the whole file in one pass and names file, table and key.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from core.casetypes import CaseType, parse_case_types
from core.schema import (FROZEN, Addresses, ConfigError, Count, Duration, EnvTable, FilePath, Flag,
                         Invalid, LowerList, Mailbox, Networks, NonEmpty, OptionalPath, Phrases,
                         Port, PositiveDuration, Size, Text, count, duration, nonempty_text, one_of,
                         subset_of, text, typed, validate)

__all__ = ["ConfigError", "duration", "load"]

DEFAULT_CONFIG = "config.toml"
# One log line format for serve, its filing process and its preparers (the process name tells them apart).
LOG_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"


@dataclass(frozen=True)
class Address:
    """A host and port to listen on."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def address(value: object) -> Address:
    """'host:port' -> Address."""
    if isinstance(value, Address):
        return value
    host, sep, port = value.rpartition(":") if isinstance(value, str) else ("", "", "")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"expected \"host:port\", got {value!r}")
    return Address(host.strip("[]"), int(port))


Listen = Annotated[Address, typed(address)]


class SmtpSettings(BaseModel):
    model_config = FROZEN

    listen: Listen = Address("127.0.0.1", 2525)
    domains: LowerList = ("support.example.com",)
    max_message_size: Size = 25 * 1000 * 1000
    max_connections_per_client: Count = 20
    # All sessions together, whoever opens them (issue 12): a flood from many addresses stops here.
    max_connections: Count = 200
    # A session that sends nothing for this long is closed (also in the middle of DATA).
    idle_timeout: Duration = timedelta(minutes=5)
    tls_cert: OptionalPath = None
    tls_key: OptionalPath = None
    require_tls: Flag = False
    auth_users: EnvTable = ()
    auth_required: Flag = False

    @model_validator(mode="after")
    def together(self) -> SmtpSettings:
        """Keys that only make sense together (the environment is checked at load time)."""
        if (self.tls_cert is None) != (self.tls_key is None):
            missing = "tls_key" if self.tls_key is None else "tls_cert"
            raise Invalid(missing, "tls_cert and tls_key go together")
        if self.require_tls and self.tls_cert is None:
            raise Invalid("require_tls", "needs tls_cert and tls_key")
        if self.auth_required and not self.auth_users:
            raise Invalid("auth_required", "needs auth_users")
        return self


DEFAULT_SIGNATURE = "Invoice Automation Support"
DEFAULT_TIMEZONE = "Europe/Stockholm"
# A signature is a sign-off, not a letter: bounded so a typo cannot put a novel under every mail.
MAX_SIGNATURE = 500


def signature(value: object) -> str:
    """The sign-off: plain text, a few lines, no control characters other than line breaks."""
    sign_off = text(value).replace("\r\n", "\n").strip("\n")
    if not sign_off.strip():
        raise ValueError("must not be empty")
    if len(sign_off) > MAX_SIGNATURE or sign_off.count("\n") > 5:
        raise ValueError(f"at most {MAX_SIGNATURE} characters on at most 6 lines")
    if any(not c.isprintable() and c != "\n" for c in sign_off):
        raise ValueError("control characters are not allowed")
    return sign_off


Signature = Annotated[str, typed(signature)]


class OutboundSettings(BaseModel):
    model_config = FROZEN

    transport: Annotated[str, typed(one_of("maildir", "smtp"))] = "maildir"
    maildir: FilePath = Path("var/outbox")
    host: NonEmpty = "127.0.0.1"
    port: Port = 25
    from_: Mailbox = Field("Support <support@support.example.com>", alias="from")
    # The sign-off under every mail we send; a mature desk signs as the product's support team.
    signature: Signature = DEFAULT_SIGNATURE
    # A folder of mail templates that replace the shipped ones file by file (None: shipped only).
    templates: OptionalPath = None

    @property
    def from_address(self) -> str:
        """The bare address of `from`, used as envelope sender and Reply-To."""
        return parseaddr(self.from_)[1]


def db_url(value: object) -> str:
    if not text(value).startswith(("sqlite:", "postgresql")):
        raise ValueError(f"expected sqlite:///PATH or postgresql+psycopg://..., got {value!r}")
    return str(value)


class DatabaseSettings(BaseModel):
    model_config = FROZEN

    url: Annotated[str, typed(db_url)] = "sqlite:///var/casedesk.db"


# The sample value every copy of config.toml carried until issue 12: as good as no secret at all.
SAMPLE_SECRET = "change-me"
MIN_SECRET = 32
# Where a generated secret lives, relative to the config file's folder.
SECRET_FILE = Path("var/secret")
MAX_LINK_TTL = timedelta(hours=24)


def secret(value: object) -> str:
    """A configured secret must be long and not the old sample; "" means: generate one."""
    configured = text(value)
    if configured == SAMPLE_SECRET or 0 < len(configured) < MIN_SECRET:
        raise ValueError(f"must be at least {MIN_SECRET} characters and not the sample value "
                         f"(or \"\" to have casedesk generate one into {SECRET_FILE})")
    return configured


def link_ttl(value: object) -> timedelta:
    """How long a sign-in link works: more than 0, at most 24 hours."""
    ttl = duration(value)
    if not timedelta(0) < ttl <= MAX_LINK_TTL:
        raise ValueError(f"must be more than 0 and at most \"24h\", got {value!r}")
    return ttl


def time_zone(value: object) -> str:
    """An IANA zone name that this machine's zone database knows ("Europe/Stockholm", "UTC")."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(nonempty_text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'expected a time zone name like "Europe/Stockholm" or "UTC", got {value!r}') from None
    return str(value)


def base_url(value: object) -> str:
    return nonempty_text(value).rstrip("/")


Secret = Annotated[str, typed(secret)]
LinkTtl = Annotated[timedelta, typed(link_ttl)]
BaseUrl = Annotated[str, typed(base_url)]
TimeZone = Annotated[str, typed(time_zone)]


class WebSettings(BaseModel):
    model_config = FROZEN

    listen: Listen = Address("127.0.0.1", 8080)
    base_url: BaseUrl = "http://127.0.0.1:8080"
    # "" (the default): generated on first start into var/secret beside the config file (0600).
    secret: Secret = ""
    staff: LowerList = ("staff@support.example.com",)
    link_ttl: LinkTtl = timedelta(hours=24)
    # Proxies whose X-Forwarded-For is believed (rate limits count the client they name); none by default.
    trusted_proxies: LowerList = ()
    # Times on the pages are shown in this zone (IANA name); the UTC time is in a title attribute.
    timezone: TimeZone = DEFAULT_TIMEZONE
    # Who may scrape /metrics without signing in as staff: addresses or networks (CIDR).
    metrics_allow: Networks = ("127.0.0.1", "::1")


class AutomaticSettings(BaseModel):
    """Auto-replies some systems send without any header marking them (Outlook "Automatic reply")."""

    model_config = FROZEN

    subjects: Phrases = (
        "out of office", "automatic reply", "auto reply", "autoreply", "auto-reply", "autosvar",
        "frånvaromeddelande", "automatiskt svar", "på semester", "vacation reply", "away from the office",
    )


class FollowupSettings(BaseModel):
    model_config = FROZEN

    first_request_after: Duration = timedelta(minutes=5)
    reminder_every: Duration = timedelta(days=2)
    max_reminders: Count = 2
    tick: Duration = timedelta(seconds=30)


# Staff notification events ([staff] notify_on): see docs/staff.md.
STAFF_EVENTS = ("ready", "customer_wrote", "set_aside", "not_a_case")


class StaffSettings(BaseModel):
    model_config = FROZEN

    # Addresses told about cases (usually a team list); empty: no staff notifications.
    notify: Addresses = ()
    notify_on: Annotated[tuple[str, ...], typed(subset_of(STAFF_EVENTS))] = STAFF_EVENTS
    # The authserv-id of the relay whose Authentication-Results a staff answer must pass
    # (DMARC or DKIM for the From domain); "": the From header alone (ingest/authresults.py).
    authserv_id: Text = ""


def auto_or_count(value: object) -> int | None:
    """"auto" (None: decided at start from the core count) or a whole number."""
    if value == "auto" or value is None:
        return None
    try:
        return count(value)
    except ValueError:
        raise ValueError(f'expected "auto" or a whole number >= 0, got {value!r}') from None


class FilingSettings(BaseModel):
    model_config = FROZEN

    # Processes that parse and read a burst of mail beside the filing process; None: "auto".
    preparers: Annotated[int | None, typed(auto_or_count)] = None
    # CPU time to parse and read one mail; a mail over it is filed as held (docs/filing.md).
    mail_budget: PositiveDuration = timedelta(seconds=10)

    def preparer_count(self) -> int:
        """"auto": one per core beyond the first, at most four; none on a single core. The filing
        writer prepares batches itself while it would wait, so on 2 cores one preparer keeps
        both busy after a burst (docs/bench.md: filed 0.38x -> 0.55x of the sink)."""
        if self.preparers is not None:
            return self.preparers
        return max(0, min(4, (os.cpu_count() or 1) - 1))


class ImapSettings(BaseModel):
    """One mailbox casedesk fetches from ([[imap]]); `name` identifies it in logs and /healthz."""

    model_config = FROZEN

    host: NonEmpty
    port: Port = 993
    tls: Flag = True
    username: NonEmpty
    password: NonEmpty = Field("", repr=False)
    password_env: NonEmpty = ""
    folder: NonEmpty = "INBOX"
    # "" means: delete fetched mail (flag \\Deleted, expunge) instead of moving it.
    processed_folder: Text = "casedesk/processed"
    poll: Duration = timedelta(seconds=60)

    @model_validator(mode="before")
    @classmethod
    def port_by_tls(cls, data: object) -> object:
        """Without a port, the IANA one: 993 is IMAP over TLS, 143 plain IMAP."""
        if isinstance(data, dict) and "port" not in data:
            return {**data, "port": 143 if data.get("tls", True) is False else 993}
        return data

    @model_validator(mode="after")
    def consistent(self) -> ImapSettings:
        if bool(self.password) == bool(self.password_env):
            raise Invalid("password", "set exactly one of password, password_env")
        if self.processed_folder == self.folder:
            # Moved mail would land where we fetch from and be fetched again forever.
            raise Invalid("processed_folder", "must differ from folder")
        return self

    @property
    def name(self) -> str:
        return f"{self.username}@{self.host}/{self.folder}"


def imap_tables(value: object) -> Any:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, (dict, ImapSettings)) for v in value):
        raise ValueError("expected [[imap]] tables (an array of tables)")
    return value


# The tables of config.toml, in the order the docs list them ([[case_types]] is core/casetypes.py's).
TABLES: dict[str, type[BaseModel]] = {
    "smtp": SmtpSettings, "outbound": OutboundSettings, "database": DatabaseSettings,
    "web": WebSettings, "automatic": AutomaticSettings, "followup": FollowupSettings,
    "filing": FilingSettings, "staff": StaffSettings, "imap": ImapSettings,
}


class ConfigFile(BaseModel):
    """config.toml as written: every table optional, no table or key unknown."""

    model_config = FROZEN
    TOML_KEYS: ClassVar[tuple[str, ...]] = (*TABLES, "case_types")
    TOML_NOUN: ClassVar[str] = "table"

    smtp: SmtpSettings = SmtpSettings()
    outbound: OutboundSettings = OutboundSettings()
    database: DatabaseSettings = DatabaseSettings()
    web: WebSettings = WebSettings()
    automatic: AutomaticSettings = AutomaticSettings()
    followup: FollowupSettings = FollowupSettings()
    filing: FilingSettings = FilingSettings()
    staff: StaffSettings = StaffSettings()
    imap: Annotated[tuple[ImapSettings, ...], BeforeValidator(imap_tables)] = ()
    # Read by core/casetypes.py, which names its own keys in its errors.
    case_types: Any = None


class Settings(ConfigFile):
    """Everything casedesk reads from config.toml; relative paths resolve against the file's folder."""

    path: Path
    case_types: tuple[CaseType, ...] = ()

    @property
    def support_address(self) -> str:
        return self.outbound.from_address

    def but(self, **tables: Any) -> Settings:
        """These settings with some tables replaced (`settings.but(web=...)`): they are frozen."""
        return self.model_copy(update=tables)


def locate(loc: tuple[int | str, ...], data: object) -> str:
    """("web", "secret") -> "[web] secret"; ("imap", 1, "port") -> "[imap #2] port"."""
    table, rest = str(loc[0]), loc[1:]
    if table == "imap" and rest and isinstance(rest[0], int):
        table, rest = ("imap" if rest[0] == 0 else f"imap #{rest[0] + 1}"), rest[1:]
    return f"[{table}] {'.'.join(map(str, rest))}" if rest else f"[{table}]"


def load(path: str | os.PathLike[str] | None = None, *, case_types: bool = True) -> Settings:
    """Load settings from PATH, else $CASEDESK_CONFIG, else ./config.toml (defaults if absent).

    `case_types=False` leaves [[case_types]] unread (an empty tuple): checking their patterns
    compiles every regex, a quarter of a second that `casedesk ingest -` does not need.
    """
    chosen = Path(path or os.environ.get("CASEDESK_CONFIG") or DEFAULT_CONFIG)
    if not chosen.exists():
        if path or os.environ.get("CASEDESK_CONFIG"):
            raise ConfigError(f"{chosen}: no such config file")
        return from_dict({}, chosen, case_types=case_types)
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from None
    return from_dict(data, chosen, case_types=case_types)


def from_dict(data: dict[str, Any], path: Path, *, case_types: bool = True) -> Settings:
    """Build settings from parsed TOML; every unknown table or key is an error."""
    tables = validate(ConfigFile, data, str(path), locate)
    types = parse_case_types(data.get("case_types"), str(path)) if case_types else ()
    check_auth(path, tables.smtp)
    settings = Settings(path=path.absolute(), **{**dict(tables), "case_types": types})
    settings = with_secret(resolve_paths(settings))
    check_templates(path, settings.outbound.templates)
    return settings


def with_secret(settings: Settings) -> Settings:
    """The settings with a secret: the configured one, else the one in var/secret (made on first use)."""
    if settings.web.secret:
        return settings
    generated = generated_secret(settings.path.parent / SECRET_FILE)
    return settings.but(web=settings.web.model_copy(update={"secret": generated}))


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


def check_auth(path: Path, smtp: SmtpSettings) -> None:
    """SMTP AUTH: each password is in the environment, and AUTH is offered only after STARTTLS,
    so a password is never sent in the clear (issue 12)."""
    for user, variable in smtp.auth_users:
        if not os.environ.get(variable):
            raise ConfigError(f"{path} [smtp] auth_users: {user}'s password variable ${variable} is not set")
    if smtp.auth_users and smtp.tls_cert is None:
        raise ConfigError(f"{path} [smtp] auth_users: needs tls_cert and tls_key (AUTH is offered only after STARTTLS)")


def resolve_paths(settings: Settings) -> Settings:
    """Relative maildir, template, TLS and sqlite paths are relative to the config file, not the cwd."""
    base = settings.path.parent

    def anchored(value: Path | None) -> Path | None:
        return base / value if value is not None and not value.is_absolute() else value

    smtp = settings.smtp.model_copy(update={"tls_cert": anchored(settings.smtp.tls_cert),
                                            "tls_key": anchored(settings.smtp.tls_key)})
    outbound = settings.outbound.model_copy(update={"maildir": anchored(settings.outbound.maildir),
                                                    "templates": anchored(settings.outbound.templates)})
    database = settings.database
    prefix, sep, rest = database.url.partition(":///")
    if prefix.startswith("sqlite") and sep and rest and not rest.startswith("/") and rest != ":memory:":
        database = database.model_copy(update={"url": f"{prefix}:///{base / rest}"})
    return settings.but(smtp=smtp, outbound=outbound, database=database)


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


def toml_value(value: object) -> str:
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
