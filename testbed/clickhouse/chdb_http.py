#!/usr/bin/env python3
"""ClickHouse's HTTP interface in front of chDB, for deployctl's testbed hosts.

Why this exists: no modern clickhouse-server binary can be installed on the testbed's Debian 12
hosts, but chDB (PyPI chdb-core) is the real ClickHouse 26.9 engine as a library. chDB cannot
open a listener, so this front speaks the part of ClickHouse's HTTP interface that clients use
(https://clickhouse.com/docs/interfaces/http) and hands every statement to one persistent
chdb.session.Session: SQL semantics, storage and the engine's own errors are real; the wire
protocol, authentication and grants are this file's emulation of a 26.x server.

What it emulates, and where from:
  * GET /ping, GET / (health checks); queries in ?query=, in the body, or the start in ?query= and
    the rest (INSERT data) in the body, joined by a line break as the server does.
  * database= / X-ClickHouse-Database, default_format= / X-ClickHouse-Format, query_id=,
    param_NAME= query parameters; every other parameter is a setting (UNKNOWN_SETTING if not).
  * Users, sha256 passwords, profiles (readonly) and GRANT queries from users.xml and users.d/*.xml,
    checked as src/Server/HTTP/authenticateUserByHTTP.cpp and src/Access/AccessControl.cpp do.
    chDB runs everything as its own all-powerful user, so grants are enforced here, before chDB
    sees the statement.
  * Errors as `Code: N. DB::Exception: ... (NAME) (version V)` with X-ClickHouse-Exception-Code and
    the HTTP status from src/Server/HTTP/exceptionCodeToHTTPStatus.cpp.
Not emulated: compression, sessions (session_id), progress headers, external data, /play.

Test support, not a server: see README.md next to this file for the limits.
"""

import argparse
import base64
import glob
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import chdb.session

# --- errors ------------------------------------------------------------------------------------

# exceptionCodeToHTTPStatus() of ClickHouse (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp, with
# ACCESS_DENIED -> 403 from PR #111043, merged in 2026 before 26.9), by error name, because chDB's
# messages carry the name. Anything not listed is 500.
HTTP_STATUS_BY_ERROR = {
    "REQUIRED_PASSWORD": 401,
    **dict.fromkeys(
        ("UNKNOWN_USER", "WRONG_PASSWORD", "AUTHENTICATION_FAILED", "SET_NON_GRANTED_ROLE", "ACCESS_DENIED"), 403),
    **dict.fromkeys((
        "BAD_ARGUMENTS", "CANNOT_COMPILE_REGEXP", "CANNOT_PARSE_TEXT", "CANNOT_PARSE_ESCAPE_SEQUENCE",
        "CANNOT_PARSE_QUOTED_STRING", "CANNOT_PARSE_DATE", "CANNOT_PARSE_DATETIME", "CANNOT_PARSE_NUMBER",
        "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING", "CANNOT_PARSE_IPV4", "CANNOT_PARSE_IPV6",
        "CANNOT_PARSE_INPUT_ASSERTION_FAILED", "CANNOT_PARSE_UUID", "DUPLICATE_COLUMN", "ILLEGAL_COLUMN",
        "UNKNOWN_ELEMENT_IN_AST", "UNKNOWN_TYPE_OF_AST_NODE", "THERE_IS_NO_COLUMN", "TOO_DEEP_AST", "TOO_BIG_AST",
        "UNEXPECTED_AST_STRUCTURE", "SYNTAX_ERROR", "INCORRECT_DATA", "TYPE_MISMATCH",
        "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE"), 400),
    **dict.fromkeys((
        "UNKNOWN_TABLE", "UNKNOWN_FUNCTION", "UNKNOWN_IDENTIFIER", "UNKNOWN_TYPE", "UNKNOWN_STORAGE",
        "UNKNOWN_DATABASE", "UNKNOWN_SETTING", "UNKNOWN_DIRECTION_OF_SORTING", "UNKNOWN_AGGREGATE_FUNCTION",
        "UNKNOWN_FORMAT", "UNKNOWN_DATABASE_ENGINE", "UNKNOWN_TYPE_OF_QUERY", "UNKNOWN_ROLE"), 404),
    "QUERY_IS_TOO_LARGE": 413,
    "NOT_IMPLEMENTED": 501,
    **dict.fromkeys(("SOCKET_TIMEOUT", "CANNOT_OPEN_FILE", "CANNOT_SCHEDULE_TASK"), 503),
    "HTTP_LENGTH_REQUIRED": 411,
    "TIMEOUT_EXCEEDED": 408,
    "UNSUPPORTED_MEDIA_TYPE": 415,
}


class ClickHouseError(Exception):
    """An exception as the server reports it: code, name and message."""

    def __init__(self, code, name, message):
        super().__init__(message)
        self.code, self.name, self.message = code, name, message

    @property
    def http_status(self):
        return HTTP_STATUS_BY_ERROR.get(self.name, 500)

    def body(self, version):
        # DB::Exception adds the period and the name; the HTTP handler adds the version.
        text = self.message if self.message.endswith(".") else self.message + "."
        return f"Code: {self.code}. DB::Exception: {text} ({self.name}) (version {version})\n"

    # chDB raises Python exceptions whose text holds the server's message, sometimes wrapped twice
    # ("Streaming insert finish failed: Code: 108. DB::Exception: Code: 108. ...") and sometimes
    # already ending in "(NAME) (version 26.9.2.1)".
    _CODE = re.compile(r"Code: (\d+)\. ")
    _SUFFIX = re.compile(r"\s*\((?:version [^()]*(?:\([^()]*\))?|[A-Z][A-Z0-9_]*)\)\s*$")
    _NAME = re.compile(r"\(([A-Z][A-Z0-9_]*)\)\s*$")

    @classmethod
    def from_chdb(cls, exc):
        text = str(exc)
        code = cls._CODE.search(text)
        if code is None:
            return cls(1001, "STD_EXCEPTION", text)
        message = text.rsplit("DB::Exception: ", 1)[-1].strip()
        name = "UNKNOWN_EXCEPTION"
        while match := cls._SUFFIX.search(message):
            if found := cls._NAME.search(match.group(0)):
                name = found.group(1)
            message = message[: match.start()]
            if message.endswith(".") and cls._SUFFIX.search(message[:-1]):
                message = message[:-1]  # the period DB::Exception put before a suffix
        return cls(int(code.group(1)), name, message.rstrip())


def access_denied(user, grant):
    return ClickHouseError(
        497, "ACCESS_DENIED",
        f"{user}: Not enough privileges. To execute this query, it's necessary to have the grant {grant}")


def readonly_error(user, via_get):
    message = f"{user}: Cannot execute query in readonly mode"
    if via_get:
        message += (". For queries over HTTP, method GET implies readonly. "
                    "You should use method POST for modifying queries")
    return ClickHouseError(164, "READONLY", message)


# --- users.xml ---------------------------------------------------------------------------------

# Privileges that <access_management>1</access_management> adds (a subset: the statements deployctl
# could send). Grants name privileges as the server prints them ("CREATE TABLE", "ALTER DELETE").
ACCESS_MANAGEMENT = ("CREATE USER", "ALTER USER", "DROP USER", "CREATE ROLE", "ALTER ROLE", "DROP ROLE",
                     "CREATE ROW POLICY", "ALTER ROW POLICY", "DROP ROW POLICY", "CREATE QUOTA", "ALTER QUOTA",
                     "DROP QUOTA", "CREATE SETTINGS PROFILE", "ALTER SETTINGS PROFILE", "DROP SETTINGS PROFILE",
                     "GRANT", "REVOKE", "SHOW GRANTS", "SHOW USERS")


@dataclass
class Grant:
    privileges: frozenset  # upper-case names, "ALL" for everything
    database: str  # "*" for every database
    table: str  # "*" for every table

    def covers(self, privilege, database, table):
        if self.database not in ("*", database) or self.table not in ("*", table or "*"):
            return False
        # The real hierarchy is a tree (ALTER TABLE > ALTER DELETE, CREATE > CREATE TABLE ...); a
        # granted name covering every required name that starts with it is close enough here.
        return any(granted == "ALL" or privilege == granted or privilege.startswith(granted + " ")
                   for granted in self.privileges)


@dataclass
class User:
    name: str
    password_sha256: str  # empty: this user can never log in (the front supports no other kind)
    readonly: int  # from the user's profile: 0, 1 (reads only, no settings) or 2 (reads and settings)
    grants: list  # None without <grants>: then every privilege on every database but access management
    access_management: bool

    def allows(self, privilege, database, table):
        if privilege in ACCESS_MANAGEMENT and self.access_management:
            return True
        if self.grants is None:
            return privilege not in ACCESS_MANAGEMENT
        return any(g.covers(privilege, database, table) for g in self.grants)


GRANT_QUERY = re.compile(r"^\s*GRANT\s+(.+?)\s+ON\s+([\w*`]+)\.([\w*`]+)(?:\s+WITH GRANT OPTION)?\s*;?\s*$",
                         re.IGNORECASE | re.DOTALL)


def parse_grant(query):
    match = GRANT_QUERY.match(query)
    if match is None:
        raise ValueError(f"unsupported grant query: {query!r}")
    privileges = frozenset(" ".join(p.split()).upper() for p in match.group(1).split(","))
    return Grant(privileges, match.group(2).strip("`"), match.group(3).strip("`"))


class Users:
    """The users of users.xml and users.d/*.xml, reread when a file changes, as the server does.

    A user is defined by one file (deployctl installs users.d/etl_writer.xml on XML-configured
    servers); a user defined twice makes the server reject the new configuration (Code 36) and keep
    the previous one, and so does this class.
    """

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.stamp = None
        self.users = None
        self.reload_if_changed()

    def files(self):
        return [self.path, *sorted(glob.glob(os.path.join(os.path.dirname(self.path), "users.d", "*.xml")))]

    def reload_if_changed(self):
        with self.lock:
            try:
                stamp = [(f, os.stat(f).st_mtime_ns, os.stat(f).st_size) for f in self.files()]
                if stamp != self.stamp:
                    self.stamp = stamp
                    self.users = self._load()
            except (OSError, ET.ParseError, ValueError) as exc:
                if self.users is None:
                    raise  # at start: nothing to keep
                print(f"users: {exc}; keeping the previous users", file=sys.stderr, flush=True)

    def _load(self):
        profiles, nodes = {}, {}
        for path in self.files():
            root = ET.parse(path).getroot()
            profiles.update((p.tag, int(p.findtext("readonly", "0"))) for p in root.findall("profiles/*"))
            for node in root.findall("users/*"):
                if node.tag in nodes:
                    raise ValueError(f"{path}: Cannot specify multiple authentication methods for user {node.tag}")
                nodes[node.tag] = node
        users = {}
        for name, node in nodes.items():
            grants = None
            if node.find("grants") is not None:
                grants = [parse_grant(q.text or "") for q in node.findall("grants/query")]
            users[name] = User(
                name=name,
                password_sha256=(node.findtext("password_sha256_hex") or "").strip().lower(),
                readonly=profiles.get(node.findtext("profile", "default"), 0),
                grants=grants,
                access_management=node.findtext("access_management", "0").strip() == "1")
        return users

    def authenticate(self, name, password):
        self.reload_if_changed()
        user = self.users.get(name)
        digest = hashlib.sha256(password.encode()).hexdigest()
        if user is not None and user.password_sha256 and hmac.compare_digest(digest, user.password_sha256):
            return user
        # AccessControl::authenticate: one message for every failure, so that it tells nothing; for
        # the default user a hint, and REQUIRED_PASSWORD (HTTP 401) so that browsers ask for one.
        message = f"{name}: Authentication failed: password is incorrect, or there is no user with such name"
        if name in ("", "default"):
            message += (
                "\n\nIf you use ClickHouse Cloud, the password can be reset at https://clickhouse.cloud/\n"
                "on the settings page for the corresponding service.\n\n"
                "If you have installed ClickHouse and forgot password you can reset it in the configuration file.\n"
                "The password for default user is typically located at "
                "/etc/clickhouse-server/users.d/default-password.xml\n"
                "and deleting this file will reset the password.\n"
                "See also /etc/clickhouse-server/users.xml on the server where ClickHouse is installed.\n\n")
            raise ClickHouseError(194, "REQUIRED_PASSWORD", message)
        raise ClickHouseError(516, "AUTHENTICATION_FAILED", message)


# --- SQL, as far as grants need it -------------------------------------------------------------
#
# A lexer and a few positional rules, not ClickHouse's parser: enough to tell the statement's kind,
# the privilege it needs and the tables it names (`db.table`, or the request's database for a bare
# name), for the statements a deployment sends. Known gaps: only the first table of a comma join
# is seen, FROM inside function calls (extract(DAY FROM x)) is skipped by guessing what a function
# call is, and SHOW statements other than SHOW CREATE are not checked. It is no security boundary
# against hostile SQL; it makes a writer's DDL fail the way it fails on a real server.

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*|\#[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.|'')*')
  | (?P<quoted>`(?:[^`\\]|\\.|``)*`|"(?:[^"\\]|\\.|"")*")
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<number>[0-9][A-Za-z0-9_.]*)
  | (?P<punct>.)
""", re.VERBOSE | re.DOTALL)


@dataclass
class Token:
    kind: str  # word, quoted, string, number or punct
    text: str
    start: int
    end: int

    @property
    def upper(self):
        return self.text.upper() if self.kind == "word" else None

    @property
    def name(self):
        if self.kind == "quoted":
            return re.sub(r"\\(.)|``|\"\"", lambda m: m.group(1) or m.group(0)[0], self.text[1:-1])
        return self.text


def lex(sql):
    return [Token(m.lastgroup, m.group(), m.start(), m.end())
            for m in TOKEN.finditer(sql) if m.lastgroup not in ("space", "comment")]


READ_STATEMENTS = {"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXISTS", "EXPLAIN"}
# Words that never name a table or database; a name is any other word or a quoted identifier.
KEYWORDS = {"SELECT", "FROM", "WHERE", "PREWHERE", "GROUP", "ORDER", "BY", "LIMIT", "HAVING", "AS", "ON",
            "USING", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "OUTER", "ANY", "ALL", "ARRAY",
            "GLOBAL", "ASOF", "SEMI", "ANTI", "FINAL", "SAMPLE", "UNION", "EXCEPT", "INTERSECT", "SETTINGS",
            "FORMAT", "INTO", "VALUES", "WITH", "IN", "NOT", "AND", "OR", "IF", "EXISTS", "TABLE", "WINDOW",
            "QUALIFY", "OFFSET", "FETCH", "TOTALS", "CUBE", "ROLLUP", "DISTINCT", "CASE", "WHEN", "THEN",
            "ELSE", "END", "LIKE", "ILIKE", "IS", "NULL", "BETWEEN", "INTERVAL", "TO"}
# Table functions that read nothing but themselves; any other needs CREATE TEMPORARY TABLE, as
# on a server (plus a source privilege such as FILE or URL there).
HARMLESS_TABLE_FUNCTIONS = {"numbers", "numbers_mt", "zeros", "zeros_mt", "generate_series",
                            "generateSeries", "generateRandom", "values", "null", "one"}
# Databases every user may read.
PUBLIC_DATABASES = {"system", "information_schema", "INFORMATION_SCHEMA"}
ALTER_ACTIONS = {("ADD", "COLUMN"), ("DROP", "COLUMN"), ("MODIFY", "COLUMN"), ("RENAME", "COLUMN"),
                 ("COMMENT", "COLUMN"), ("CLEAR", "COLUMN"), ("DELETE",), ("UPDATE",)}


@dataclass
class Statement:
    kind: str  # first keyword: SELECT, INSERT, CREATE, SET ...
    needs: list  # (privilege, database or None for *.*, table or None for db.*)
    output_format: str = None  # a FORMAT clause of a query that returns rows
    settings: list = field(default_factory=list)  # SET statements: (name, value SQL)

    @property
    def is_read(self):
        return self.kind in READ_STATEMENTS


class Analysis:
    """Walks the tokens of one statement to find its kind and the privileges it needs."""

    def __init__(self, sql, database):
        self.sql, self.database = sql, database
        self.tokens = lex(sql)
        self.needs = []
        self.ctes = set()

    def word(self, i):
        return self.tokens[i].upper if i < len(self.tokens) else None

    def skip(self, i, *words):
        """Index after the optional word sequence `words` at i."""
        if all(self.word(i + k) == w for k, w in enumerate(words)):
            return i + len(words)
        return i

    def is_name(self, i):
        t = self.tokens[i] if i < len(self.tokens) else None
        return t is not None and (t.kind == "quoted" or (t.kind == "word" and t.upper not in KEYWORDS))

    def read_name(self, i):
        """(database, table) of `db.table` or `table` at i, and the index after it."""
        if not self.is_name(i):
            return None, i
        first = self.tokens[i].name
        if i + 2 < len(self.tokens) and self.tokens[i + 1].text == "." and self.is_name(i + 2):
            return (first, self.tokens[i + 2].name), i + 3
        return (None, first), i + 1

    def need(self, privilege, name):
        database, table = name
        if database is None:
            if table in self.ctes:
                return
            database = self.database
        self.needs.append((privilege, database, table))

    def need_global(self, privilege):
        self.needs.append((privilege, None, None))

    def syntax_error(self, message):
        return ClickHouseError(62, "SYNTAX_ERROR", message)

    def run(self):
        tokens = self.tokens
        if not tokens:
            raise self.syntax_error("Empty query")
        for i, t in enumerate(tokens):
            if t.text == ";" and any(u.text != ";" for u in tokens[i + 1:]):
                rest = self.sql[t.start:].strip()
                raise self.syntax_error(f"Syntax error (Multi-statements are not allowed): failed at position "
                                        f"{t.start + 1} (end of query): {rest[:40]}. ")
        start = next((i for i, t in enumerate(tokens) if t.text != "("), 0)
        kind = self.word(start) or tokens[start].text
        self.find_ctes()
        if kind in READ_STATEMENTS:
            self.reads_by_head(kind, start)
        elif kind == "INSERT":
            self.insert(start)
        elif kind == "SET":
            return Statement(kind, [], settings=self.set_pairs(start + 1))
        elif kind != "USE":
            self.ddl(kind, start)
        if kind != "SHOW":
            self.reads_in_body(start)
        return Statement(kind, self.needs, None if kind == "INSERT" else self.output_format())

    def output_format(self):
        """The format of a trailing `FORMAT name` clause (before SETTINGS, if any)."""
        tokens = [t for t in self.tokens if t.text != ";"]
        for i in range(len(tokens) - 1):
            if (tokens[i].upper == "FORMAT" and tokens[i + 1].kind in ("word", "quoted")
                    and (i + 2 == len(tokens) or tokens[i + 2].upper == "SETTINGS")):
                return tokens[i + 1].name
        return None

    def find_ctes(self):
        # WITH name AS (subquery): `name` is no table of the database.
        for i in range(len(self.tokens) - 2):
            if self.is_name(i) and self.word(i + 1) == "AS" and self.tokens[i + 2].text == "(":
                self.ctes.add(self.tokens[i].name)

    def reads_by_head(self, kind, i):
        """DESCRIBE t, EXISTS t, SHOW CREATE t: checked as SELECT on t."""
        i += 1
        if kind == "SHOW":
            if self.word(i) != "CREATE":
                return
            i += 1
        for word in ("TEMPORARY", "TABLE", "VIEW", "DICTIONARY"):
            i = self.skip(i, word)
        if kind in ("DESCRIBE", "DESC", "EXISTS", "SHOW") and self.word(i) != "DATABASE":
            name, j = self.read_name(i)
            if name and not (j < len(self.tokens) and self.tokens[j].text == "("):
                self.need("SELECT", name)

    def reads_in_body(self, start):
        """SELECT on every table after FROM or JOIN, outside function-call parentheses."""
        calls = []  # one entry per open parenthesis: True if it is a function call's
        tokens = self.tokens
        for i in range(start, len(tokens)):
            t = tokens[i]
            if t.text == "(":
                before = tokens[i - 1] if i > 0 else None
                calls.append(before is not None and before.kind in ("word", "quoted") and self.is_name(i - 1))
            elif t.text == ")" and calls:
                calls.pop()
            elif t.upper in ("SELECT", "WITH") and calls:
                calls[-1] = False  # exists(SELECT ...), in(SELECT ...): a subquery after all
            elif t.upper in ("FROM", "JOIN") and not (calls and calls[-1]) and tokens[i - 1].upper != "ARRAY":
                name, j = self.read_name(i + 1)
                if name is None:
                    continue
                if j < len(tokens) and tokens[j].text == "(":
                    if name[0] is not None or name[1] not in HARMLESS_TABLE_FUNCTIONS:
                        self.need_global("CREATE TEMPORARY TABLE")
                else:
                    self.need("SELECT", name)

    def insert(self, i):
        i = self.skip(i + 1, "INTO")
        i = self.skip(i, "TABLE")
        if self.word(i) == "FUNCTION":
            self.need_global("CREATE TEMPORARY TABLE")
            return
        name, _ = self.read_name(i)
        if name:
            self.need("INSERT", name)

    def set_pairs(self, i):
        """SET a = 1, b = 'x': [(name, value SQL)]."""
        pairs, tokens = [], self.tokens
        while self.is_name(i) and i + 1 < len(tokens) and tokens[i + 1].text == "=":
            j, depth = i + 2, 0
            while j < len(tokens) and not (depth == 0 and tokens[j].text in (",", ";")):
                depth += {"(": 1, ")": -1}.get(tokens[j].text, 0)
                j += 1
            if j == i + 2:
                break
            pairs.append((tokens[i].name, self.sql[tokens[i + 2].start:tokens[j - 1].end]))
            i = j + 1
        if not pairs:
            raise self.syntax_error("Syntax error: SET expects name = value pairs")
        return pairs

    def ddl(self, verb, i):
        """The privilege a statement other than a read or INSERT needs, and on what."""
        i += 1
        if verb in ("CREATE", "ATTACH", "DROP", "DETACH"):
            action = "CREATE" if verb in ("CREATE", "ATTACH") else "DROP"
            i = self.skip(i, "OR", "REPLACE")
            if self.word(i) == "TEMPORARY":
                self.need_global(f"{action} TEMPORARY TABLE")
                return
            for word in ("MATERIALIZED", "LIVE", "WINDOW"):
                i = self.skip(i, word)
            what = self.word(i)
            if what in ("ROW", "SETTINGS", "NAMED"):  # ROW POLICY, SETTINGS PROFILE, NAMED COLLECTION
                what = f"{what} {self.word(i + 1)}"
                i += 1
            name, _ = self.read_name(self.skip(self.skip(i + 1, "IF", "NOT", "EXISTS"), "IF", "EXISTS"))
            if what in ("TABLE", "VIEW", "DICTIONARY") and name:
                self.need(f"{action} {what}", name)
            elif what == "DATABASE" and name:
                self.needs.append((f"{action} DATABASE", name[1], None))
            else:
                self.need_global(f"{action} {what or ''}".strip())
        elif verb == "ALTER" and self.word(i) == "TABLE":
            name, j = self.read_name(i + 1)
            if self.word(j) == "ON" and self.word(j + 1) == "CLUSTER":
                j += 3
            action = next((a for a in ALTER_ACTIONS if all(self.word(j + k) == w for k, w in enumerate(a))), None)
            if name:
                self.need("ALTER " + " ".join(action) if action else "ALTER TABLE", name)
        elif verb in ("TRUNCATE", "OPTIMIZE"):
            name, _ = self.read_name(self.skip(self.skip(i, "TABLE"), "IF", "EXISTS"))
            if name:
                self.need(verb, name)
        elif verb == "DELETE" and self.word(i) == "FROM":
            name, _ = self.read_name(i + 1)
            if name:
                self.need("ALTER DELETE", name)
        elif verb == "RENAME":
            # InterpreterRenameQuery: SELECT and DROP TABLE on the source, CREATE TABLE and INSERT
            # on the target.
            i = self.skip(i, "TABLE")
            while True:
                source, i = self.read_name(i)
                if source is None or self.word(i) != "TO":
                    break
                target, i = self.read_name(i + 1)
                if target is None:
                    break
                for privilege in ("SELECT", "DROP TABLE"):
                    self.need(privilege, source)
                for privilege in ("CREATE TABLE", "INSERT"):
                    self.need(privilege, target)
                if i >= len(self.tokens) or self.tokens[i].text != ",":
                    break
                i += 1
        else:
            # SYSTEM ..., KILL QUERY, GRANT, ...: the statement's first two words on *.*.
            second = self.word(i)
            self.need_global(f"{verb} {second}" if verb in ("SYSTEM", "KILL") and second else verb)


# split_insert_data's answer while the FORMAT clause may still be cut off by the end of the text.
INCOMPLETE = "incomplete"


def split_insert_data(text, complete):
    """For `INSERT ... FORMAT name<data>`: (statement without FORMAT, format name, data offset).

    None when text is no such INSERT (then it is one statement to run whole), INCOMPLETE when its
    FORMAT clause may not have arrived yet (`complete`: the text is all there is). The data starts
    after the format name, blanks and one line break, as in ClickHouse's ParserInsertQuery. Only
    the statement is lexed, never the data.
    """
    previous = None
    for m in TOKEN.finditer(text):
        if m.lastgroup in ("space", "comment"):
            continue
        word = m.group().upper() if m.lastgroup == "word" else None
        if previous is None and word != "INSERT":
            return None
        if word in ("VALUES", "SELECT", "WITH"):
            return None  # data in the statement itself, or no data
        if previous is not None and previous.group().upper() == "FORMAT" and m.lastgroup in ("word", "quoted"):
            end = m.end()
            if end == len(text) and not complete:
                return INCOMPLETE  # the format name may go on in the next chunk
            while end < len(text) and text[end] in " \t\f":
                end += 1
            end += 2 if text.startswith("\r\n", end) else 1 if text.startswith("\n", end) else 0
            name = Token(m.lastgroup, m.group(), m.start(), m.end()).name
            return text[:previous.start()], name, end
        previous = m
    return None if complete else INCOMPLETE


# --- the engine --------------------------------------------------------------------------------

# HTTP parameters that are not settings (HTTPHandler::processQuery's reserved names, plus the
# ones it handles itself); param_NAME are query parameters.
RESERVED_PARAMS = {"query", "compress", "decompress", "user", "password", "quota_key", "query_id", "stacktrace",
                   "role", "buffer_size", "wait_end_of_query", "session_id", "session_timeout", "session_check",
                   "client_protocol_version", "close_session", "database", "default_format"}
# Settings that restrict the session and cannot be undone with SET x = DEFAULT once set in it
# (chDB refuses: "Cannot modify 'readonly' setting in readonly mode"): the front enforces them.
RESTRICTIONS = {"readonly", "allow_ddl"}


def quote_identifier(name):
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def quote_string(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class Result:
    body: bytes
    summary: dict  # counters for X-ClickHouse-Summary; a missing one is 0


class Engine:
    """One chDB session and the lock that keeps its state to one request at a time.

    The session's current database and settings are session state, and each request sets its own
    (USE, SET) before its statement and undoes them after. So every statement runs under
    `self.lock`: requests are served one at a time, a long query or a slow INSERT upload holds up
    the others. Correctness over throughput; a testbed host sees a handful of clients.
    """

    def __init__(self, path):
        self.session = chdb.session.Session(path)
        self.lock = threading.Lock()
        row = self.session.query("SELECT version(), timezone()", "TabSeparated").bytes().decode().split("\t")
        self.version, self.timezone = row[0], row[1].strip()

    def close(self):
        with self.lock:
            self.session.close()

    def run(self, database, settings, apply):
        """Runs apply(session) with the request's database and settings in force."""
        with self.lock:
            applied = []
            try:
                self._query(f"USE {quote_identifier(database)}")
                for name, value_sql in settings:
                    self._query(f"SET {quote_identifier(name)} = {value_sql}")
                    applied.append(name)
                return apply(self.session)
            finally:
                for name in applied:
                    self._query(f"SET {quote_identifier(name)} = DEFAULT")

    def _query(self, sql, fmt="TabSeparated", params=None):
        try:
            return self.session.query(sql, fmt, params=params)
        except Exception as exc:  # chDB raises ChdbError, RuntimeError or ValueError
            raise ClickHouseError.from_chdb(exc) from None

    def query(self, sql, fmt, params):
        """The whole statement at once; the result in memory."""
        def apply(_):
            result = self._query(sql, fmt, params)
            return Result(result.bytes(), {
                "read_rows": result.storage_rows_read(), "read_bytes": result.storage_bytes_read(),
                "written_rows": result.rows_written(), "written_bytes": result.bytes_written(),
                "result_rows": result.rows_read(), "result_bytes": result.bytes_read(),
                "elapsed_ns": int(result.elapsed() * 1e9)})
        return apply

    @staticmethod
    def nothing(_session):
        return Result(b"", {})

    @staticmethod
    def insert(statement, fmt, first_data, chunks):
        """An INSERT whose data is streamed from the request body into the table."""
        def apply(session):
            try:
                with session.send_insert(statement, fmt) as inserter:
                    seen_data = bool(first_data)
                    if first_data:
                        inserter.append(first_data)
                    for chunk in chunks:
                        seen_data = True
                        inserter.append(chunk)
                    if not seen_data:
                        raise ClickHouseError(108, "NO_DATA_TO_INSERT", "No data to insert")
                    result = inserter.finish()
            except (ClickHouseError, ConnectionError):
                raise
            except Exception as exc:  # chDB's, from send_insert, append or finish
                raise ClickHouseError.from_chdb(exc) from None
            return Result(b"", {"written_rows": result.rows_written, "written_bytes": result.bytes_written,
                                "elapsed_ns": int(result.elapsed * 1e9)})
        return apply


# --- HTTP --------------------------------------------------------------------------------------

CONTENT_TYPES = (("TabSeparated", "text/tab-separated-values; charset=UTF-8"),
                 ("TSV", "text/tab-separated-values; charset=UTF-8"),
                 ("JSON", "application/json; charset=UTF-8"),
                 ("CSV", "text/csv; charset=UTF-8; header=absent"))
CHUNK = 1 << 20
SUMMARY_KEYS = ("read_rows", "read_bytes", "written_rows", "written_bytes", "total_rows_to_read", "result_rows",
                "result_bytes", "elapsed_ns")


class Body:
    """The request body, read in chunks: Content-Length or chunked transfer encoding."""

    def __init__(self, rfile, headers):
        self.rfile = rfile
        self.chunked = "chunked" in headers.get("Transfer-Encoding", "").lower()
        self.left = 0 if self.chunked else int(headers.get("Content-Length") or 0)
        self.done = not self.chunked and self.left == 0

    def read(self, size=CHUNK):
        """Up to size bytes, b'' at the end."""
        if self.done:
            return b""
        if self.chunked and self.left == 0:
            line = self.rfile.readline(1024)
            self.left = int(line.split(b";")[0].strip() or b"0", 16)
            if self.left == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                self.done = True
                return b""
        data = self.rfile.read(min(size, self.left))
        if not data:
            raise ConnectionError("the client closed the connection mid-body")
        self.left -= len(data)
        if self.left == 0:
            if self.chunked:
                self.rfile.readline(16)  # the CRLF after a chunk
            else:
                self.done = True
        return data

    def chunks(self):
        while data := self.read():
            yield data


def restriction(settings, name, default):
    """The value of the restriction setting `name` among the request's settings, as text."""
    value = next((sql.strip("'") for key, sql in settings if key == name), default)
    if value not in ("0", "1", "2"):
        raise ClickHouseError(36, "BAD_ARGUMENTS", f"Unexpected value of setting '{name}': {value}")
    return value


def readonly_level(user, settings, via_get):
    """The request's readonly level, as SettingsConstraints would leave it: 1 allows reads only,
    2 reads and settings; a GET request is readonly 2 unless the user's profile says more."""
    level = user.readonly or (2 if via_get else 0)
    for name, _ in settings:
        if level == 1 or (level and name == "readonly"):
            raise ClickHouseError(164, "READONLY", f"Cannot modify '{name}' setting in readonly mode")
    return level or int(restriction(settings, "readonly", "0"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ClickHouse"
    sys_version = ""

    def do_GET(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def log_request(self, code="-", size="-"):
        pass  # the default access log prints the URL, and with it any password= parameter

    def log_message(self, format, *args):
        # Only http.server's own complaints (a malformed request) get here; their arguments can
        # hold the request line, so log the code alone.
        code = args[0] if args and isinstance(args[0], int) else "-"
        print(f"{self.client_address[0]} rejected: HTTP {code}", file=sys.stderr, flush=True)

    def handle_request(self):
        started = time.monotonic()
        front = self.server.front
        url = urlsplit(self.path)
        params = {}
        for key, value in parse_qsl(url.query, keep_blank_values=True):
            params.setdefault(key, value)  # HTMLForm::get: the first value wins
        body = Body(self.rfile, self.headers)
        if url.path == "/ping" or url.path == "/replicas_status" or (
                url.path == "/" and "query" not in params and body.done and self.command == "GET"):
            return self.reply(200, b"Ok.\n", {"Content-Type": "text/html; charset=UTF-8"})
        if url.path != "/":
            self.close_connection = not body.done
            return self.reply(404, f"There is no handle {url.path}\n\nUse / or /ping for health checks.\n"
                                   "Or /replicas_status for more sophisticated health checks.\n\n"
                                   "Send queries from your program with POST method or GET /?query=...\n".encode(),
                              {"Content-Type": "text/html; charset=UTF-8"})

        query_id = params.get("query_id") or str(uuid.uuid4())
        user_name, status = "-", 500
        self.logged_query = ""
        try:
            user_name, password = self.credentials(params)
            user = front.users.authenticate(user_name, password)
            result, output_format = self.execute(user, params, body)
            headers = {
                "Content-Type": next((t for prefix, t in CONTENT_TYPES if output_format.startswith(prefix)),
                                     "text/plain; charset=UTF-8"),
                "X-ClickHouse-Query-Id": query_id,
                "X-ClickHouse-Format": output_format,
                "X-ClickHouse-Timezone": front.engine.timezone,
                "X-ClickHouse-Summary": json.dumps({k: str(result.summary.get(k, 0)) for k in SUMMARY_KEYS},
                                                   separators=(",", ":")),
            }
            status = 200
            self.reply(200, result.body, headers)
        except ClickHouseError as error:
            status = error.http_status
            headers = {"Content-Type": "text/plain; charset=UTF-8", "X-ClickHouse-Query-Id": query_id,
                       "X-ClickHouse-Exception-Code": str(error.code)}
            if error.name == "REQUIRED_PASSWORD":
                headers["WWW-Authenticate"] = 'Basic realm="ClickHouse server HTTP API"'
            # An error may come before the body was read; the connection cannot be reused then.
            self.close_connection = not body.done
            self.reply(status, error.body(front.engine.version).encode(), headers)
        except ConnectionError:
            self.close_connection = True
            status = 499  # nginx's "client closed request", for the log only
        except Exception as exc:  # a bug here, or users.xml unreadable: answer, and say why in the log
            traceback.print_exc()
            status = 500
            self.close_connection = True
            error = ClickHouseError(1001, "STD_EXCEPTION", f"{type(exc).__name__}: {exc}")
            self.reply(status, error.body(front.engine.version).encode(),
                       {"Content-Type": "text/plain; charset=UTF-8", "X-ClickHouse-Exception-Code": "1001"})
        finally:
            print(f"{self.command} user={user_name} query_id={query_id} "
                  f"query={json.dumps(self.logged_query[:80], ensure_ascii=False)} "
                  f"status={status} ms={(time.monotonic() - started) * 1000:.0f}", file=sys.stderr, flush=True)

    def credentials(self, params):
        """authenticateUserByHTTP: X-ClickHouse-User/-Key, else HTTP Basic, else user/password."""
        user = self.headers.get("X-ClickHouse-User", "")
        key = self.headers.get("X-ClickHouse-Key", "")
        authorization = self.headers.get("Authorization")
        in_params = "user" in params or "password" in params

        def mixed(a, b):
            return ClickHouseError(516, "AUTHENTICATION_FAILED",
                                   f"Invalid authentication: it is not allowed to use {a} and {b} simultaneously")

        def empty_name(method):
            return ClickHouseError(516, "AUTHENTICATION_FAILED", f"Got an empty user name from {method}")

        if user or key:
            if authorization is not None:
                raise mixed("X-ClickHouse HTTP headers", "Authorization HTTP header")
            if in_params:
                raise mixed("X-ClickHouse HTTP headers", "authentication via parameters")
            if not user:
                raise empty_name("X-ClickHouse HTTP headers")
            return user, key
        if authorization is not None:
            if in_params:
                raise mixed("Authorization HTTP header", "authentication via parameters")
            scheme, _, info = authorization.strip().partition(" ")
            if scheme.lower() != "basic":
                raise ClickHouseError(516, "AUTHENTICATION_FAILED",
                                      f"Invalid authentication: '{scheme}' HTTP Authorization scheme is not supported")
            try:
                user, _, key = base64.b64decode(info.strip(), validate=True).decode().partition(":")
            except ValueError:
                user = ""
            if not user:
                raise empty_name("Authorization HTTP header")
            return user, key
        user = params.get("user", "default")
        if not user:
            raise empty_name("authentication via parameters")
        return user, params.get("password", "")

    def execute(self, user, params, body):
        """Runs the request's statement: (Result, output format). Sets self.logged_query."""
        front = self.server.front
        database = self.headers.get("X-ClickHouse-Database") or params.get("database") or "default"
        default_format = self.headers.get("X-ClickHouse-Format") or params.get("default_format") or "TabSeparated"
        settings = [(k, quote_string(v)) for k, v in params.items()
                    if k and k not in RESERVED_PARAMS and not k.startswith("param_")]
        query_params = {k[len("param_"):]: v for k, v in params.items() if k.startswith("param_")}

        # The query: ?query= and a line break, then the body. An INSERT ... FORMAT streams the
        # rest of the body into the table; anything else is read whole. Bytes are decoded with
        # surrogateescape so that offsets in the text map back to the bytes of the body.
        raw = params.get("query", "").encode()
        raw += b"\n" if raw else b""
        insert = split_insert_data(raw.decode("utf-8", "surrogateescape"), body.done)
        while insert is INCOMPLETE:
            raw += body.read()
            insert = split_insert_data(raw.decode("utf-8", "surrogateescape"), body.done)
        if insert is None:
            raw += b"".join(body.chunks())
            sql = raw.decode("utf-8", "replace")
        else:
            sql = insert[0]
        # The statement, never INSERT data; nor a password from CREATE/ALTER USER ... IDENTIFIED BY.
        self.logged_query = " ".join(sql.split())
        if "IDENTIFIED" in self.logged_query.upper():
            self.logged_query = self.logged_query[: self.logged_query.upper().index("IDENTIFIED")] + "IDENTIFIED …"

        statement = Analysis(sql, database).run()
        if statement.kind == "SET":
            settings += statement.settings
        via_get = self.command == "GET"
        level = readonly_level(user, settings, via_get)
        for privilege, db, table in statement.needs:
            if privilege == "SELECT" and db in PUBLIC_DATABASES:
                continue
            if not user.allows(privilege, db, table):
                target = "*.*" if db is None else f"{db}.{table or '*'}"
                raise access_denied(user.name, f"{privilege} ON {target}")
        if level and not statement.is_read and statement.kind not in ("SET", "USE"):
            raise readonly_error(user.name, via_get and user.readonly == 0)
        if restriction(settings, "allow_ddl", "1") == "0" and statement.kind not in READ_STATEMENTS | {
                "INSERT", "SET", "USE"}:
            raise ClickHouseError(392, "QUERY_IS_PROHIBITED", "DDL queries are prohibited for the user")
        engine_settings = [(k, v) for k, v in settings if k not in RESTRICTIONS]

        if insert:
            statement_sql, fmt, offset = insert
            first = raw[len(raw.decode("utf-8", "surrogateescape")[:offset].encode("utf-8", "surrogateescape")):]
            apply = front.engine.insert(statement_sql, fmt, first, body.chunks())
        elif statement.kind == "SET":
            apply = front.engine.nothing  # the settings were checked by applying them
        else:
            apply = front.engine.query(sql, default_format, query_params)
        result = front.engine.run(database, engine_settings, apply)
        return result, statement.output_format or default_format

    def reply(self, status, body, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("X-ClickHouse-Server-Display-Name", self.server.front.display_name)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # Headers and body leave in one write, as ClickHouse's own server sends a small answer: an
        # SSH tunnel forwards each write as its own packet, and a reader waiting for the second
        # one waits for the delayed ACK of the first (40 ms).
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()


@dataclass
class Front:
    users: Users
    engine: Engine
    display_name: str


def notify_systemd(state):
    """sd_notify(3) without libsystemd: Type=notify units wait for READY=1."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(state.encode())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--users", default="/etc/clickhouse-server/users.xml")
    parser.add_argument("--data", default="/var/lib/clickhouse/data", help="chDB's database directory")
    args = parser.parse_args()

    users = Users(args.users)
    engine = Engine(args.data)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.front = Front(users, engine, socket.gethostname())

    def stop(signum, _frame):
        # shutdown() waits for serve_forever to return, so it cannot run on serve_forever's thread.
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"chdb_http: ClickHouse {engine.version} (chDB) on http://{args.host}:{args.port}, "
          f"data in {args.data}, users from {args.users}", file=sys.stderr, flush=True)
    notify_systemd("READY=1")
    server.serve_forever()
    notify_systemd("STOPPING=1")
    server.server_close()
    engine.close()  # after the last request: chDB flushes and releases its data directory


if __name__ == "__main__":
    main()
