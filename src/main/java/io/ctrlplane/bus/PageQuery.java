package io.ctrlplane.bus;

import java.util.Objects;

/**
 * A read of one page of a list, within the caller's tenant: {@code scopeId} names what the list
 * belongs to (an instance, a webhook; null for a tenant-wide list), {@code limit} the page size
 * (already checked by the API), {@code cursor} where the page starts (null for the first page; for
 * the event log, the {@code after} sequence number).
 */
public record PageQuery(Caller caller, String scopeId, int limit, String cursor) {
  public PageQuery {
    Objects.requireNonNull(caller, "caller");
  }

  /** A page of a tenant-wide list (no scope id). */
  public static PageQuery of(Caller caller, int limit, String cursor) {
    return new PageQuery(caller, null, limit, cursor);
  }
}
