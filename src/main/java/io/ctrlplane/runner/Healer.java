package io.ctrlplane.runner;

import io.ctrlplane.provider.Fence;
import io.ctrlplane.provider.FleetStatus;
import io.ctrlplane.provider.Provider;
import io.ctrlplane.provider.Providers;
import io.ctrlplane.provider.ReleaseRef;
import io.ctrlplane.provider.Replica;
import io.ctrlplane.security.Keyring;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Self-healing outside deployments: the runner holding the one healer lease ({@code heal_leases},
 * epoch bumped whenever it changes hands) looks at every deployed instance without a pending or
 * running deployment and, when replicas of its current release crashed or failed, has the provider
 * run the instance's replica count again under a heal fence ({@link Fence#heal}), after the backoff
 * of {@link HealBackoff}. It writes only the fleet (through the provider) and its own tables
 * ({@code instance_heal}, {@code heal_log}), never deployments, and each write checks its epoch.
 */
final class Healer {
  private static final Logger log = LoggerFactory.getLogger(Healer.class);

  private static final String LEASE =
      "INSERT INTO heal_leases (name, holder, epoch, expires_at) "
          + "VALUES ('healer', $1, 1, now() + $2::int * interval '1 second') "
          + "ON CONFLICT (name) DO UPDATE SET holder = $1, "
          + "epoch = CASE WHEN heal_leases.holder = $1 AND heal_leases.expires_at > now() "
          + "THEN heal_leases.epoch ELSE heal_leases.epoch + 1 END, "
          + "expires_at = now() + $2::int * interval '1 second' "
          + "WHERE heal_leases.holder = $1 OR heal_leases.expires_at <= now() RETURNING epoch";

  private static final String CANDIDATES =
      "SELECT i.id, i.tenant_id, i.provider, i.replicas, i.heal_after_seconds, "
          + "r.id AS release_id, r.version, r.image, h.status, h.crashes, h.last_replaced_at, "
          + "h.next_attempt_at, now() AS now "
          + "FROM instances i JOIN releases r ON r.id = i.current_release_id "
          + "LEFT JOIN instance_heal h ON h.instance_id = i.id "
          + "WHERE i.deleted_at IS NULL AND i.deleting_at IS NULL AND i.provider NOT IN ('kubernetes', 'container') "
          + "AND NOT EXISTS (SELECT 1 FROM deployments d WHERE d.instance_id = i.id "
          + "AND d.state IN ('pending', 'running')) ORDER BY i.id";

  private static final String ENV =
      "SELECT r.env, (SELECT coalesce(jsonb_object_agg(s.name, s.ciphertext), '{}') "
          + "FROM release_secrets s WHERE s.release_id = r.id) AS secrets "
          + "FROM releases r WHERE r.id = $1";

  /** Writes of the heal state, each only while the lease is still at this epoch. */
  private static final String HELD =
      "EXISTS (SELECT 1 FROM heal_leases WHERE name = 'healer' AND epoch = $2::bigint AND expires_at > now())";

  private static final String NOTICED =
      "INSERT INTO instance_heal (instance_id, status, reason, since, crashes, next_attempt_at) "
          + "SELECT $1, $3, $4, now(), $5, now() + $6::bigint * interval '1 second' WHERE "
          + HELD
          + " ON CONFLICT (instance_id) DO UPDATE SET status = $3, reason = $4, "
          + "since = coalesce(instance_heal.since, now()), crashes = $5, "
          + "next_attempt_at = now() + $6::bigint * interval '1 second'";

  private static final String REPLACED =
      "WITH h AS (UPDATE instance_heal SET last_replaced_at = now(), next_attempt_at = NULL, "
          + "replacements = replacements + 1 WHERE instance_id = $1 AND "
          + HELD
          + " RETURNING crashes) "
          + "INSERT INTO heal_log (instance_id, release_id, replaced, crashes, epoch) "
          + "SELECT $1, $3, $4, h.crashes, $2 FROM h";

  private static final String RECOVERED =
      "UPDATE instance_heal SET status = NULL, reason = NULL, since = NULL "
          + "WHERE instance_id = $1 AND status IS NOT NULL AND "
          + HELD;

  private static final String FORGOTTEN =
      "DELETE FROM instance_heal WHERE instance_id = $1 AND status IS NULL "
          + "AND (last_replaced_at IS NULL OR last_replaced_at < now() - interval '5 minutes') AND "
          + HELD;

  private final Pool pool;
  private final Providers providers;
  private final Keyring keyring;
  private final String owner;
  private final int leaseSeconds;
  private boolean busy;

  Healer(Pool pool, Providers providers, Keyring keyring, String owner, int leaseSeconds) {
    this.pool = pool;
    this.providers = providers;
    this.keyring = keyring;
    this.owner = owner;
    this.leaseSeconds = leaseSeconds;
  }

  /** One pass, unless the previous one is still running; never fails. */
  void tick() {
    if (busy) {
      return;
    }
    busy = true;
    pool.preparedQuery(LEASE)
        .execute(Tuple.of(owner, leaseSeconds))
        .compose(
            rs ->
                rs.size() == 0
                    ? Future.succeededFuture()
                    : pass(rs.iterator().next().getLong("epoch")))
        .onFailure(e -> log.warn("heal pass failed: {}", e.toString()))
        .onComplete(x -> busy = false);
  }

  /** Hands the lease back, so another runner takes over at once. */
  Future<Void> release() {
    return pool.preparedQuery("DELETE FROM heal_leases WHERE name = 'healer' AND holder = $1")
        .execute(Tuple.of(owner))
        .mapEmpty();
  }

  private Future<Void> pass(long epoch) {
    return pool.preparedQuery(CANDIDATES)
        .execute()
        .compose(
            rows -> {
              List<Row> list = new ArrayList<>();
              rows.forEach(list::add);
              Future<Void> chain = Future.succeededFuture();
              for (Row row : list) {
                chain =
                    chain.compose(
                        v ->
                            heal(row, epoch)
                                .recover(
                                    e -> {
                                      log.warn(
                                          "healing {} failed: {}",
                                          row.getString("id"),
                                          e.toString());
                                      return Future.succeededFuture();
                                    }));
              }
              return chain;
            });
  }

  private Future<Void> heal(Row row, long epoch) {
    String id = row.getString("id");
    Provider provider = providers.forName(row.getString("provider"));
    return provider.status(id).compose(fleet -> decide(row, epoch, provider, fleet));
  }

  private Future<Void> decide(Row row, long epoch, Provider provider, FleetStatus fleet) {
    String id = row.getString("id");
    String release = row.getString("release_id");
    int want = row.getInteger("replicas");
    List<Replica> sick =
        fleet.of(release).stream()
            .filter(r -> r.status().unhealthy() && !r.scheduledToStop())
            .toList();
    boolean short_ = !sick.isEmpty() || fleet.healthyKept(release) < want;
    OffsetDateTime now = row.getOffsetDateTime("now");
    OffsetDateTime next = row.getOffsetDateTime("next_attempt_at");
    String status = row.getString("status");
    if (short_) {
      if (next == null) {
        OffsetDateTime last = row.getOffsetDateTime("last_replaced_at");
        Integer crashes = row.getInteger("crashes");
        HealBackoff backoff =
            HealBackoff.next(
                crashes == null ? 0 : crashes, last == null ? null : Duration.between(last, now));
        Duration delay = backoff.delay(row.getInteger("heal_after_seconds"));
        String reason =
            (sick.isEmpty()
                    ? "replicas of v" + row.getInteger("version") + " missing"
                    : sick.size()
                        + " replica(s) of v"
                        + row.getInteger("version")
                        + " "
                        + sick.get(0).status().wire())
                + (backoff.looping()
                    ? "; crash looping (" + backoff.crashes() + " crashes in a row)"
                    : "")
                + (delay.isZero() ? "; replacing" : "; replacing in " + delay.toSeconds() + " s");
        return pool.preparedQuery(NOTICED)
            .execute(
                Tuple.of(id, epoch, backoff.status(), reason, backoff.crashes(), delay.toSeconds()))
            .compose(v -> delay.isZero() ? replace(row, epoch, provider, sick.size()) : done());
      }
      return now.isBefore(next) ? done() : replace(row, epoch, provider, sick.size());
    }
    if (fleet.ready(release) >= want) {
      Integer crashes = row.getInteger("crashes");
      OffsetDateTime last = row.getOffsetDateTime("last_replaced_at");
      boolean looping =
          crashes != null
              && crashes >= HealBackoff.LOOPING_FROM
              && last != null
              && Duration.between(last, now).compareTo(HealBackoff.RESET) <= 0;
      if (status != null && !looping) {
        return pool.preparedQuery(RECOVERED).execute(Tuple.of(id, epoch)).mapEmpty();
      }
      if (status == null && crashes != null) {
        return pool.preparedQuery(FORGOTTEN).execute(Tuple.of(id, epoch)).mapEmpty();
      }
    }
    return done();
  }

  private Future<Void> replace(Row row, long epoch, Provider provider, int sick) {
    String id = row.getString("id");
    String release = row.getString("release_id");
    ReleaseRef ref = new ReleaseRef(release, row.getInteger("version"), row.getString("image"));
    return withEnv(row, ref, provider)
        .compose(r -> provider.runReplicas(Fence.heal(id, epoch), r, row.getInteger("replicas")))
        .compose(
            v ->
                pool.preparedQuery(REPLACED)
                    .execute(Tuple.of(id, epoch, release, sick))
                    .onSuccess(
                        x ->
                            log.info("healed {}: {} replica(s) of {} replaced", id, sick, release)))
        .mapEmpty();
  }

  private Future<ReleaseRef> withEnv(Row row, ReleaseRef ref, Provider provider) {
    return pool.preparedQuery(ENV)
        .execute(Tuple.of(ref.id()))
        .map(
            rs -> {
              Row r = rs.iterator().next();
              ReleaseEnv env = ReleaseEnv.of(r.getJsonObject("env"), r.getJsonObject("secrets"));
              if (provider.opensSecrets()) {
                return ref; // the agents read the release's env themselves, as on a deploy
              }
              return ref.withEnv(
                  env.open(keyring, row.getString("tenant_id"), row.getString("id")));
            });
  }

  private static Future<Void> done() {
    return Future.succeededFuture();
  }
}
