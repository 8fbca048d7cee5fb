package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.Doc;
import io.ctrlplane.deploy.codec.DeployJson;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A runner's progress writes between step boundaries, coalesced: while one statement is in flight,
 * the writes that arrive wait and then go together in the next, one {@code UPDATE … FROM unnest}
 * whatever their number. Each row is still fenced by its own lease epoch inside that statement, so
 * a runner that lost one lease writes nothing for that deployment and its write fails with {@link
 * LeaseLost}, while the others in the same statement land. Idle, a write goes at once (no timer, no
 * added latency); busy, N writes cost one statement instead of N.
 *
 * <p>Not thread-safe: one instance per runner verticle, used on its context only.
 */
public final class ProgressWrites {
  private static final String WRITE =
      """
      UPDATE deployments d SET progress = w.progress::jsonb, updated_at = now()
      FROM unnest($1::text[], $2::bigint[], $3::text[]) AS w(id, epoch, progress)
      WHERE d.id = w.id AND d.lease_epoch = w.epoch AND d.state = 'running'
      RETURNING d.id
      """;

  private record Pending(Claim claim, String progress, Promise<Void> done) {}

  private final Pool pool;

  /** The next statement's writes, by deployment: a newer write of one replaces its older one. */
  private Map<String, List<Pending>> next = new LinkedHashMap<>();

  private boolean writing;
  private long statements;
  private long rows;

  public ProgressWrites(Pool pool) {
    this.pool = pool;
  }

  /** Stores {@code progress} as the deployment's progress, fenced by the claim's epoch. */
  public Future<Void> write(Claim claim, Doc progress) {
    Promise<Void> done = Promise.promise();
    next.computeIfAbsent(claim.deploymentId(), k -> new ArrayList<>())
        .add(new Pending(claim, DeployJson.json(progress).encode(), done));
    flush();
    return done.future();
  }

  /** Statements sent and rows written so far (for the runner's stats). */
  public long statements() {
    return statements;
  }

  public long rows() {
    return rows;
  }

  private void flush() {
    if (writing || next.isEmpty()) {
      return;
    }
    writing = true;
    Map<String, List<Pending>> batch = next;
    next = new LinkedHashMap<>();
    int n = batch.size();
    String[] ids = new String[n];
    Long[] epochs = new Long[n];
    String[] docs = new String[n];
    int i = 0;
    for (List<Pending> writes : batch.values()) {
      Pending last = writes.get(writes.size() - 1); // the newest progress of that deployment
      ids[i] = last.claim().deploymentId();
      epochs[i] = last.claim().epoch();
      docs[i++] = last.progress();
    }
    statements++;
    pool.preparedQuery(WRITE)
        .execute(Tuple.of(ids, epochs, docs))
        .onComplete(
            ar -> {
              writing = false;
              if (ar.failed()) {
                batch.values().forEach(ws -> ws.forEach(w -> w.done().tryFail(ar.cause())));
              } else {
                Set<String> written = new HashSet<>();
                ar.result().forEach(row -> written.add(row.getString("id")));
                rows += written.size();
                batch.forEach(
                    (id, ws) ->
                        ws.forEach(
                            w -> {
                              if (written.contains(id)) {
                                w.done().tryComplete();
                              } else {
                                w.done().tryFail(new LeaseLost(w.claim()));
                              }
                            }));
              }
              flush();
            });
  }
}
