"""The protocol facts of the library, read from its Rust source, where each is defined once (the Python
counterpart of tests/support/facts.mjs): the api-versions and scopes of src/operations/mod.rs."""

import re
from pathlib import Path

_OPERATIONS = (Path(__file__).resolve().parents[2] / "src" / "operations" / "mod.rs").read_text()
_CONSTANTS = dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', _OPERATIONS))


def _list(source, name, constants):
    m = re.search(r"pub const " + name + r": [^=]+= &?\[([^\]]*)\];", source)
    if not m:
        raise ValueError(f"no list {name} in the Rust source")
    items = [s.strip() for s in m.group(1).split(",") if s.strip()]
    return [item.strip('"') if item.startswith('"') else constants[item] for item in items]


_IDENTITY = _list(_OPERATIONS, "IDENTITY_API_VERSIONS", _CONSTANTS)
assert _IDENTITY[0] == _CONSTANTS["LEGACY_API_VERSION"], "IDENTITY_API_VERSIONS starts with the 2020 API"

#: The api-versions of the identity operations (KNOWN_API_VERSIONS), oldest first.
KNOWN_API_VERSIONS = _IDENTITY[1:]
#: The api-versions of the Teams user exchange (TEAMS_API_VERSIONS).
TEAMS_API_VERSIONS = _list(_OPERATIONS, "TEAMS_API_VERSIONS", _CONSTANTS)
_SCOPE_MODULE = _OPERATIONS[_OPERATIONS.index("pub mod scope {") :]
#: Every scope (scope::ALL).
SCOPES = _list(_SCOPE_MODULE, "ALL", dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', _SCOPE_MODULE)))
