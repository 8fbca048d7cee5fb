package io.ctrlplane.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * The one codec of our request records: local delivery hands the receiver the very record the
 * sender built (records are immutable, so sharing it is safe and costs nothing).
 *
 * <p>There is no wire encoding on purpose. Every role in one JVM shares one (non-clustered) event
 * bus, and separate processes never talk over it: they coordinate through PostgreSQL (rows, {@code
 * LISTEN/NOTIFY}) and Kafka. A record that somehow had to leave the JVM is a bug, so the wire
 * methods refuse loudly instead of inventing a format nobody reads.
 */
final class LocalRecordCodec implements MessageCodec<Record, Record> {
  static final String NAME = "ctrlplane.local-record";

  @Override
  public void encodeToWire(Buffer buffer, Record record) {
    throw new UnsupportedOperationException(
        "event-bus request records are local to one JVM; processes coordinate through PostgreSQL");
  }

  @Override
  public Record decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(
        "event-bus request records are local to one JVM; processes coordinate through PostgreSQL");
  }

  @Override
  public Record transform(Record record) {
    return record;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1; // a user codec
  }
}
