"""The embedded bus as a log, and choosing a bus by URL."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from jes_events import connect_bus, embedded
from jes_events.embedded import EmbeddedBus
from jes_events.kafka_bus import KafkaBus


def test_a_group_reads_from_its_committed_offset(bus):
    for n in range(3):
        bus.publish("t1", f"k{n}", f"v{n}".encode(), {"h": str(n)})
    bus.publish("t2", "k", b"other topic")

    first = bus.consumer("g", ["t1"])
    records = first.poll(0.1, 2)
    assert [(r.key, r.value, r.headers) for r in records] == [
        ("k0", b"v0", {"h": "0"}),
        ("k1", b"v1", {"h": "1"}),
    ]
    first.commit(records[0])  # the second one was polled but not committed
    assert first.lag() == {"t1": 2}
    first.close()

    again = bus.consumer("g", ["t1"])
    assert [r.key for r in again.poll(0.1, 10)] == ["k1", "k2"]
    other_group = bus.consumer("h", ["t1", "t2"])
    assert [r.value for r in other_group.poll(0.1, 10)] == [b"v0", b"v1", b"v2", b"other topic"]
    assert other_group.lag() == {"t1": 3, "t2": 1}
    again.close()
    other_group.close()


def test_committed_offsets_never_move_back(bus):
    for n in range(2):
        bus.publish("t", "k", bytes([n]))
    fast, slow = bus.consumer("g", ["t"]), bus.consumer("g", ["t"])
    records = fast.poll(0.1, 10)
    fast.commit(records[1])
    slow.commit(slow.poll(0.1, 10)[0])
    assert fast.lag() == {"t": 0}


def test_messages_survive_reopening_the_file(tmp_path):
    bus = EmbeddedBus(tmp_path / "bus.db")
    bus.publish("t", "k", b"kept")
    reader = bus.consumer("g", ["t"])
    reader.commit(reader.poll(0.1, 10)[0])
    bus.publish("t", "k", b"second")
    reader.close()
    bus.close()

    reopened = EmbeddedBus(tmp_path / "bus.db")
    reader = reopened.consumer("g", ["t"])
    assert [r.value for r in reader.poll(0.1, 10)] == [b"second"]
    reader.close()
    reopened.close()


def test_a_waiting_consumer_is_woken_by_a_publish(bus):
    reader = bus.consumer("g", ["t"])
    timer = threading.Timer(0.2, bus.publish, ("t", "k", b"now"))
    timer.start()
    started = time.monotonic()
    records = reader.poll(5.0, 10)
    elapsed = time.monotonic() - started
    timer.join()
    reader.close()
    assert [r.value for r in records] == [b"now"]
    assert elapsed < 1.0


def test_ensure_topics_is_repeatable(bus):
    bus.ensure_topics(["a", "b"])
    bus.ensure_topics(["b", "c"])
    reader = bus.consumer("g", ["c"])
    assert reader.poll(0, 1) == []
    assert reader.lag() == {"c": 0}
    reader.close()


def test_old_messages_are_purged_after_the_retention_period(tmp_path, monkeypatch):
    bus = EmbeddedBus(tmp_path / "bus.db", retention=timedelta(hours=1))
    bus.publish("t", "k", b"new")  # the first publish purges; the next is due in an hour
    an_hour_and_a_second_ago = datetime.now(UTC) - timedelta(hours=1, seconds=1)
    with monkeypatch.context() as then:  # stamped then: no sleeping on a busy machine
        then.setattr(
            embedded, "_now", lambda: an_hour_and_a_second_ago.isoformat("T", "microseconds")
        )
        bus.publish("t", "k", b"old")
    reader = bus.consumer("g", ["t"])
    assert bus.purge() == 1
    assert [r.value for r in reader.poll(0.1, 10)] == [b"new"]
    reader.close()
    bus.close()


def test_connect_bus_chooses_by_url(tmp_path):
    embedded = connect_bus(f"embedded://{tmp_path}/sub/bus.db", client_id="identity")
    assert isinstance(embedded, EmbeddedBus)
    assert embedded.path == tmp_path / "sub" / "bus.db"
    assert embedded.path.exists()
    embedded.close()

    kafka = connect_bus("kafka://10.0.0.1:9092,10.0.0.2:9092", client_id="identity")
    assert isinstance(kafka, KafkaBus)  # no connection is made until it is used
    assert kafka.bootstrap_servers == ["10.0.0.1:9092", "10.0.0.2:9092"]
    assert kafka.client_id == "identity"


@pytest.mark.parametrize(
    "url", ["rabbit://x", "embedded://host/bus.db", "embedded:relative.db", "kafka://"]
)
def test_connect_bus_refuses_bad_urls(url):
    with pytest.raises(ValueError):
        connect_bus(url, client_id="identity")


def test_kafka_clients_get_the_tls_and_sasl_options(monkeypatch):
    """JES_KAFKA_* (jes_config.KafkaSecurity.client_options) reach the producer, the
    consumers and the admin client alike."""
    from jes_events import kafka_bus

    made: dict[str, dict] = {}

    def recording(kind):
        def make(*args, **kwargs):
            made[kind] = kwargs
            raise RuntimeError("no broker in this test")

        return make

    for kind in ("KafkaProducer", "KafkaConsumer", "KafkaAdminClient"):
        monkeypatch.setattr(kafka_bus, kind, recording(kind))
    security = {
        "security_protocol": "SASL_SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": "/etc/jes/kafka/ca.crt",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "identity",
        "sasl_plain_password": "s3cret",
    }
    bus = connect_bus("kafka://k:9093", client_id="identity", kafka_security=security)
    for use in (
        lambda: bus.publish("t", "k", b"v"),
        lambda: bus.consumer("identity", ["t"]),
        lambda: bus.ensure_topics(["t"]),
    ):
        with pytest.raises(RuntimeError):
            use()
    assert set(made) == {"KafkaProducer", "KafkaConsumer", "KafkaAdminClient"}
    for kwargs in made.values():
        assert security.items() <= kwargs.items()


def test_a_kafka_url_can_name_a_namespace_for_topics_and_groups():
    """A second platform on the same Kafka (the distributed upload benchmark) keeps to
    topics and consumer groups of its own."""
    kafka = connect_bus("kafka://10.0.0.1:9092?namespace=bench.", client_id="identity")
    assert isinstance(kafka, KafkaBus)
    assert kafka.bootstrap_servers == ["10.0.0.1:9092"]
    assert kafka.namespace == "bench."
    plain = connect_bus("kafka://10.0.0.1:9092", client_id="identity")
    assert isinstance(plain, KafkaBus) and plain.namespace == ""


def test_kafka_python_checks_record_batches_with_the_c_crc32c():
    """kafka-python computes each record batch's CRC32C (producing and consuming) in pure
    Python unless the `crc32c` package is installed: ~0.13 µs a byte, ~80 µs an event."""
    import crc32c
    from kafka.record import util

    assert util.calc_crc32c.__defaults__ == (crc32c.crc32c,)
    assert util.calc_crc32c(memoryview(b"123456789")) == 0xE3069283  # the check value


def test_a_process_opening_the_bus_while_another_creates_it_waits_for_the_lock(tmp_path):
    # A second process starting while the first writes the bus file, not yet in WAL
    # mode (its tables): SQLite refuses the switch to WAL at once, so it is tried again.
    path = tmp_path / "bus.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE early (x)")
    threading.Timer(0.5, writer.execute, ["COMMIT"]).start()
    started = time.monotonic()
    bus = EmbeddedBus(path)
    assert time.monotonic() - started >= 0.4  # it waited for the writer
    bus.publish("t", "k", b"v")
    reader = bus.consumer("g", ["t"])
    assert [r.value for r in reader.poll(1, 10)] == [b"v"]
    reader.close()
    bus.close()
    writer.close()
