"""Transport against a scripted local HTTP server: bodies, auth, backoff, Retry-After, TLS."""

from __future__ import annotations

import gzip
import json

import pytest

from agent.transport import Backoff, Transport, TransportError, gzip_report


class RecordingWait:
    """Stands in for Event.wait: records each backoff delay instead of sleeping."""

    def __init__(self, stop_after: int = 1000) -> None:
        self.delays = []
        self.stop_after = stop_after

    def __call__(self, seconds: float) -> bool:
        self.delays.append(seconds)
        return len(self.delays) >= self.stop_after


def make(config, collector, wait=None, attempts=3) -> Transport:
    return Transport(config, collector.url, host_key="k" * 43, attempts=attempts,
                     backoff=Backoff(base=2.0, cap=60.0), wait=wait or RecordingWait())


def test_report_is_sent_gzipped_with_bearer_key(agent_config, scripted_collector, sample_report):
    answer = make(agent_config, scripted_collector).send_report(gzip_report(sample_report))
    assert answer["accepted"] is True
    request = scripted_collector.requests[0]
    assert request["path"] == "/api/v1/reports"
    assert request["headers"]["Content-Encoding"] == "gzip"
    assert request["headers"]["Authorization"] == "Bearer " + "k" * 43
    assert request["headers"]["User-Agent"].startswith("footprint-agent/")
    assert request["body"] == sample_report


def test_checkin_and_enroll_bodies(agent_config, scripted_collector):
    transport = make(agent_config, scripted_collector)
    transport.checkin("host-1", "ab" * 32)
    transport.enroll("s3cret", "host-1", "ws-042", {"dept": "it"})
    checkin, enroll = scripted_collector.requests
    assert checkin["body"]["inventory_hash"] == "ab" * 32 and checkin["body"]["agent_version"]
    assert enroll["path"] == "/api/v1/enroll"
    assert enroll["body"] == {"secret": "s3cret", "host_id": "host-1", "hostname": "ws-042",
                              "tags": {"dept": "it"}}
    assert "Authorization" not in enroll["headers"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_then_succeed(agent_config, scripted_collector, status):
    scripted_collector.answers = [(status, {}, {"error": "busy"})] * 2
    wait = RecordingWait()
    answer = make(agent_config, scripted_collector, wait).checkin("h", "0" * 64)
    assert answer["next_checkin_seconds"] == 3600
    assert len(scripted_collector.requests) == 3
    assert len(wait.delays) == 2
    assert 0 <= wait.delays[0] <= 2 and 0 <= wait.delays[1] <= 4  # full jitter under base * 2**n


def test_retry_after_is_honoured(agent_config, scripted_collector):
    scripted_collector.answers = [(429, {"Retry-After": "37"}, {"error": "rate_limited"}),
                                  (503, {"Retry-After": "120"}, {"error": "overloaded"})]
    wait = RecordingWait()
    make(agent_config, scripted_collector, wait).checkin("h", "0" * 64)
    assert wait.delays[0] >= 37 and wait.delays[1] >= 120


def test_retries_give_up_with_the_last_error(agent_config, scripted_collector):
    scripted_collector.answers = [(503, {"Retry-After": "5"}, {"error": "overloaded",
                                                               "detail": "try later"})] * 3
    with pytest.raises(TransportError) as caught:
        make(agent_config, scripted_collector).checkin("h", "0" * 64)
    error = caught.value
    assert error.retryable and error.status == 503 and error.retry_after == 5
    assert "answered 503: overloaded - try later" in str(error)
    assert len(scripted_collector.requests) == 3


def test_client_errors_are_not_retried(agent_config, scripted_collector, sample_report):
    scripted_collector.answers = [(422, {}, {"error": "invalid_report",
                                             "detail": "software[3].name: missing"})]
    with pytest.raises(TransportError, match=r"422: invalid_report - software\[3\].name") as caught:
        make(agent_config, scripted_collector).send_report(gzip_report(sample_report))
    assert not caught.value.retryable and len(scripted_collector.requests) == 1


def test_stop_during_backoff_ends_the_retries(agent_config, scripted_collector):
    scripted_collector.answers = [(503, {}, {"error": "overloaded"})] * 3
    with pytest.raises(TransportError):
        make(agent_config, scripted_collector, RecordingWait(stop_after=1)).checkin("h", "0" * 64)
    assert len(scripted_collector.requests) == 1


def test_unreachable_collector_is_retryable(agent_config, scripted_collector):
    url = scripted_collector.url
    scripted_collector.close()
    transport = Transport(agent_config, url, "k", attempts=1)
    with pytest.raises(TransportError, match="unreachable") as caught:
        transport.checkin("h", "0" * 64)
    assert caught.value.retryable


def test_non_json_success_is_an_error(agent_config, scripted_collector):
    scripted_collector.default = ["not", "an", "object"]
    with pytest.raises(TransportError, match="unexpected JSON"):
        make(agent_config, scripted_collector, attempts=1).checkin("h", "0" * 64)


def test_backoff_grows_and_is_capped():
    backoff = Backoff(base=2.0, cap=30.0)
    for attempt in range(10):
        assert 0 <= backoff.delay(attempt) <= min(30.0, 2.0 * 2 ** attempt)
    assert backoff.delay(8, retry_after=90) >= 90


def test_gzip_report_is_stable_utf8_json(sample_report):
    body = gzip_report(sample_report)
    assert body == gzip_report(sample_report)
    assert json.loads(gzip.decompress(body).decode("utf-8")) == sample_report


def test_self_signed_certificate_is_refused_with_a_clear_message(agent_config, tls_collector):
    transport = Transport(agent_config, tls_collector.url, "k", attempts=3)
    with pytest.raises(TransportError) as caught:
        transport.checkin("h", "0" * 64)
    message = str(caught.value)
    assert message.startswith(f"TLS certificate of {tls_collector.url} does not verify against "
                              "the system's trusted CAs (set ca_bundle in agent.toml")
    assert "CERTIFICATE_VERIFY_FAILED" in message
    assert not caught.value.retryable and tls_collector.requests == []


def test_wrong_ca_bundle_is_named(agent_config, tls_collector, other_ca):
    agent_config.ca_bundle = other_ca
    with pytest.raises(TransportError, match=f"against the CA bundle {other_ca}"):
        Transport(agent_config, tls_collector.url, "k").checkin("h", "0" * 64)


def test_configured_ca_bundle_is_trusted(agent_config, tls_collector):
    agent_config.ca_bundle = tls_collector.cert
    answer = Transport(agent_config, tls_collector.url, "k").checkin("h", "0" * 64)
    assert answer["full_report"] is True and len(tls_collector.requests) == 1
