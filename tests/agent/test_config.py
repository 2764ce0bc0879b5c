"""agent.toml loading: defaults, file values, environment overrides, messages naming the key."""

from __future__ import annotations

import sys

import pytest

from agent import config as agent_config
from agent.config import ConfigError

FULL_CONFIG = """\
# Footprint agent settings
server = "https://footprint.corp.example:8443"
ca_bundle = "{ca}"
proxy = "http://proxy.corp.example:3128"
timeout = 12.5
interval = 7_200
splay = 0
spool_max_reports = 20
spool_max_bytes = 10485760
log_level = "WARNING"

[tags]
dept = "finance"
site = 'Москва'
"""


def write(tmp_path, text: str) -> str:
    path = tmp_path / "agent.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_full_file_is_read(tmp_path):
    ca = tmp_path / "corp-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    config = agent_config.load(write(tmp_path, FULL_CONFIG.format(ca=ca)), environ={})
    assert config.server == "https://footprint.corp.example:8443"
    assert config.ca_bundle == str(ca)
    assert config.proxy == "http://proxy.corp.example:3128"
    assert (config.timeout, config.interval, config.splay) == (12.5, 7200, 0)
    assert (config.spool_max_reports, config.spool_max_bytes) == (20, 10485760)
    assert config.log_level == "warning"
    assert config.tags == {"dept": "finance", "site": "Москва"}


def test_missing_default_file_gives_defaults(tmp_path):
    config = agent_config.load(environ={"FOOTPRINT_STATE_DIR": str(tmp_path)})
    assert config.server is None and config.interval is None
    assert config.timeout == 30.0 and config.log_level == "info"


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        agent_config.load(str(tmp_path / "absent.toml"), environ={})


def test_environment_overrides_file(tmp_path):
    path = write(tmp_path, 'server = "https://old.example"\ntimeout = 10\n')
    config = agent_config.load(path, environ={"FOOTPRINT_SERVER": "https://new.example/",
                                              "FOOTPRINT_TIMEOUT": "45",
                                              "FOOTPRINT_TAGS": "dept=it, floor=3"})
    assert config.server == "https://new.example"
    assert config.timeout == 45.0
    assert config.tags == {"dept": "it", "floor": "3"}


def test_config_path_from_environment(tmp_path):
    path = write(tmp_path, 'log_level = "debug"\n')
    assert agent_config.load(environ={"FOOTPRINT_CONFIG": path}).log_level == "debug"


@pytest.mark.parametrize("text, message", [
    ('server = "ftp://x.example"\n', r"key 'server': expected a URL starting with https:// or http://"),
    ('timeout = "soon"\n', r"key 'timeout': expected a number of seconds"),
    ("timeout = 0\n", r"key 'timeout': expected 1 to 600 seconds"),
    ("interval = 5\n", r"key 'interval': expected 60 to 604800 seconds"),
    ("spool_max_reports = 2.5\n", r"key 'spool_max_reports': expected a whole number of reports"),
    ("splay = true\n", r"key 'splay': expected a number of seconds"),
    ('log_level = "loud"\n', r"key 'log_level': expected one of debug, info, warning, error"),
    ('ca_bundle = "/nonexistent/ca.pem"\n', r"key 'ca_bundle': no such file"),
    ('sever = "https://typo.example"\n', r"key 'sever': unknown key"),
    ('state_dir = "relative/dir"\n', r"key 'state_dir': expected an absolute directory path"),
    ("[tags]\ndept = 7\n", r"key 'tags': tag 'dept' must be a string"),
    ('server = "https://x.example\n', r"not valid TOML"),
])
def test_bad_values_name_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        agent_config.load(path, environ={})
    assert str(caught.value).startswith(path)


def test_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match=r"environment FOOTPRINT_TIMEOUT: expected a number"):
        agent_config.load(str(write(tmp_path, "")), environ={"FOOTPRINT_TIMEOUT": "fast"})
    with pytest.raises(ConfigError, match=r"FOOTPRINT_TAGS: expected key=value"):
        agent_config.load(str(write(tmp_path, "")), environ={"FOOTPRINT_TAGS": "finance"})


def test_plain_http_to_another_machine_is_refused_unless_allowed(tmp_path):
    """A security officer's default: no secret or inventory in clear over the network."""
    path = write(tmp_path, 'server = "http://footprint.corp.example"\n')
    with pytest.raises(ConfigError, match="key 'server': http://footprint.corp.example is plain HTTP: "
                                          "the enrollment secret, the host key and the inventory"):
        agent_config.load(path, environ={})
    allowed = agent_config.load(path, environ={"FOOTPRINT_ALLOW_HTTP": "true"})
    assert (allowed.server, allowed.allow_http) == ("http://footprint.corp.example", True)
    for local in ("http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"):
        assert agent_config.check_server(local) == local  # this machine: nothing crosses the network
    with pytest.raises(ConfigError, match="plain HTTP"):
        agent_config.check_server("http://10.20.30.40:8080")
    assert agent_config.check_server("https://10.20.30.40:8443") == "https://10.20.30.40:8443"


def test_a_stored_plain_http_server_is_refused_before_any_connection(tmp_path):
    from agent.transport import Transport, TransportError

    config = agent_config.load(write(tmp_path, ""), environ={})
    with pytest.raises(TransportError, match="plain HTTP") as caught:
        Transport(config, "http://footprint.corp.example", "fph_key")
    assert not caught.value.retryable


def test_tags_are_held_to_what_the_collector_accepts(tmp_path):
    too_long = write(tmp_path, "[tags]\ndept = \"" + "x" * 256 + "\"\n")
    with pytest.raises(ConfigError, match="tag 'dept' must be a string of at most 255 characters"):
        agent_config.load(too_long, environ={})
    many = write(tmp_path, "[tags]\n" + "".join(f'k{n} = "v"\n' for n in range(33)))
    with pytest.raises(ConfigError, match="at most 32 tags"):
        agent_config.load(many, environ={})


def test_client_key_needs_client_cert(tmp_path):
    key = tmp_path / "host.key"
    key.write_text("key")
    with pytest.raises(ConfigError, match="'client_key' is set without 'client_cert'"):
        agent_config.load(write(tmp_path, f'client_key = "{key}"\n'), environ={})


def test_shipped_template_loads_as_tomllib_reads_it():
    """The shipped template is valid TOML and every key in it is one the agent knows."""
    from pathlib import Path

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    template = Path(__file__).resolve().parents[2] / "packaging" / "agent.toml"
    parsed = tomllib.loads(template.read_text(encoding="utf-8"))
    config = agent_config.load(str(template), environ={})
    assert config.server == parsed.get("server")
