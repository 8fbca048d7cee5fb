package io.ctrlplane.soak;

import io.ctrlplane.testing.DemoApps;
import io.ctrlplane.testing.TopicReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What must hold after the soak, checked against the database, the Kafka topic, the webhook
 * endpoint, the API and the process table: every deployment terminal; never two running on one
 * instance; each deployment created once (audit record, release, one terminal event); on Kafka, per
 * instance, events de-duplicated by id gap-free and in order, duplicates within the in-flight
 * bound; each webhook delivery recorded once, succeeded; each fleet on its current release; no
 * orphan process.
 */
final class Ledger {
  interface Jdbc {
    Connection open() throws SQLException;
  }

  private final Jdbc jdbc;
  private final Api api;
  private final String bootstrap;
  private final String topic;
  private final Workload workload;
  private final WebhookReceiver receiver;
  private final Map<String, List<Long>> recoveries;
  private final int instances;
  private final List<String> unrecovered;
  private final List<String> violations = new ArrayList<>();
  private final Map<String, String> figures = new LinkedHashMap<>();

  Ledger(
      Jdbc jdbc,
      Api api,
      String bootstrap,
      String topic,
      Workload workload,
      WebhookReceiver receiver,
      Map<String, List<Long>> recoveries,
      List<String> unrecovered,
      int instances) {
    this.unrecovered = unrecovered;
    this.jdbc = jdbc;
    this.api = api;
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.workload = workload;
    this.receiver = receiver;
    this.recoveries = recoveries;
    this.instances = instances;
  }

  /**
   * Brings the work to an end the way an operator would: resume and fully promote what still runs
   * (promote-only pauses wait forever otherwise), then wait for the outbox and the webhook
   * deliveries to drain.
   */
  void settle() {
    Soak.log("settling: finishing deployments still running");
    settleStep("deployments still running after 5 min of resume + full promote", this::finishOpen);
    Soak.log("settling: outbox and webhook deliveries");
    settleStep(
        "outbox not drained within 3 min",
        () ->
            Soak.awaitCondition(
                Duration.ofMinutes(3),
                () -> number("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0));
    settleStep(
        "webhook deliveries still pending after 3 min",
        () ->
            Soak.awaitCondition(
                Duration.ofMinutes(3),
                () ->
                    number("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
                        == 0));
  }

  private void settleStep(String what, Runnable step) {
    try {
      step.run();
    } catch (IllegalStateException e) {
      violations.add(what);
    }
  }

  private void finishOpen() {
    long settleStart = System.nanoTime();
    Soak.awaitCondition(
        Duration.ofMinutes(5),
        () -> {
          List<String> open =
              strings("SELECT id FROM deployments WHERE state IN ('pending','running')");
          boolean late = System.nanoTime() - settleStart > 30_000_000_000L;
          for (String id : open) {
            api.post("/v1/deployments/" + id + "/resume", new JsonObject());
            api.post("/v1/deployments/" + id + "/promote", new JsonObject().put("full", true));
            if (late) {
              // e.g. a rollback to a release that never gets ready waits out its default 600 s
              // deadline: cancel it, as an operator would
              api.post("/v1/deployments/" + id + "/cancel", new JsonObject());
            }
          }
          if (!open.isEmpty()) {
            Soak.sleep(2000);
          }
          return open.isEmpty();
        });
  }

  int check() {
    unrecovered.forEach(u -> violations.add("not recovered: " + u));
    deployments();
    kafka();
    webhooks();
    fleets();
    orphans();
    figures.put("violations", violations.isEmpty() ? "0" : violations.size() + ": " + violations);
    return violations.size();
  }

  private void deployments() {
    Map<String, Long> byState = new TreeMap<>();
    for (String s : strings("SELECT state || '=' || count(*) FROM deployments GROUP BY state")) {
      String[] kv = s.split("=");
      byState.put(kv[0], Long.parseLong(kv[1]));
    }
    long total = byState.values().stream().mapToLong(Long::longValue).sum();
    figures.put("deployments", total + " " + byState);
    figures.put("commands sent / accepted", workload.sent + " / " + workload.accepted);
    expectZero(
        "deployments not terminal",
        "SELECT count(*) FROM deployments WHERE state NOT IN ('succeeded','failed','cancelled','rolled_back')");
    expectZero(
        "two deployments running at once on one instance",
        "SELECT count(*) FROM deployments a JOIN deployments b ON a.instance_id = b.instance_id "
            + "AND a.id < b.id WHERE a.started_at IS NOT NULL AND b.started_at IS NOT NULL "
            + "AND a.started_at < coalesce(b.finished_at, 'infinity') "
            + "AND b.started_at < coalesce(a.finished_at, 'infinity')");
    expectZero(
        "deployments without exactly one audit record of their creation",
        "SELECT count(*) FROM deployments d WHERE d.kind IN ('deploy','rollback') AND (SELECT count(*) "
            + "FROM audit_log a WHERE a.resource_id = d.id AND a.outcome = 'succeeded' "
            + "AND a.action IN ('deployment.create','deployment.rollback')) <> 1");
    expectZero(
        "releases not created by exactly one deploy or rollback",
        "SELECT count(*) FROM releases r WHERE (SELECT count(*) FROM deployments d "
            + "WHERE d.release_id = r.id AND d.kind IN ('deploy','rollback')) <> 1");
    expectZero(
        "instances whose release versions have a gap or a repeat",
        "SELECT count(*) FROM (SELECT instance_id FROM releases GROUP BY instance_id "
            + "HAVING count(*) <> max(version) OR count(DISTINCT version) <> count(*)) x");
    expectZero(
        "terminal deployments without exactly one terminal event",
        "SELECT count(*) FROM deployments d WHERE d.state IN ('succeeded','failed','cancelled') AND (SELECT count(*) FROM outbox o "
            + "WHERE o.event->>'subject' = d.id AND o.type IN "
            + "('deploy.succeeded','deploy.failed','deploy.cancelled','deploy.rolled_back')) <> 1");
    expectZero(
        "deployments started more than once",
        "SELECT count(*) FROM deployments d WHERE d.state IN ('succeeded','failed','cancelled') AND (SELECT count(*) FROM outbox o "
            + "WHERE o.event->>'subject' = d.id AND o.type = 'deploy.started') > 1");
  }

  private void kafka() {
    long events = number("SELECT count(*) FROM outbox");
    Map<String, Long> perInstance = new HashMap<>();
    for (String s :
        strings("SELECT instance_id || '=' || count(*) FROM outbox GROUP BY instance_id")) {
      String[] kv = s.split("=");
      perInstance.put(kv[0], Long.parseLong(kv[1]));
    }
    List<ConsumerRecord<String, String>> records;
    try (TopicReader reader = new TopicReader(bootstrap, topic)) {
      Set<String> ids = new HashSet<>();
      int[] read = {0};
      try {
        reader.until(
            Duration.ofMinutes(3),
            "every outbox event on Kafka",
            rs -> {
              for (; read[0] < rs.size(); read[0]++) {
                ids.add(new JsonObject(rs.get(read[0]).value()).getString("id"));
              }
              return ids.size() >= events;
            });
      } catch (AssertionError e) {
        // counted below: fewer distinct events on Kafka than in the outbox
      }
      records = reader.drain(Duration.ofSeconds(3));
    }
    Map<String, List<Long>> firstSeqs = new HashMap<>();
    Set<String> seen = new HashSet<>();
    int duplicates = 0;
    for (ConsumerRecord<String, String> r : records) {
      JsonObject e = new JsonObject(r.value());
      if (!seen.add(e.getString("id"))) {
        duplicates++;
        continue;
      }
      String instance = e.getJsonObject("data").getString("instance_id");
      firstSeqs.computeIfAbsent(instance, k -> new ArrayList<>()).add(e.getLong("instanceseq"));
    }
    int gaps = 0;
    for (Map.Entry<String, List<Long>> en : firstSeqs.entrySet()) {
      List<Long> seqs = en.getValue();
      for (int i = 0; i < seqs.size(); i++) {
        if (seqs.get(i) != i + 1) {
          gaps++;
          violations.add(
              "Kafka order/gap on " + en.getKey() + " at position " + (i + 1) + ": " + seqs.get(i));
          break;
        }
      }
      if (seqs.size() != perInstance.getOrDefault(en.getKey(), 0L)) {
        violations.add(
            "Kafka has "
                + seqs.size()
                + " events of "
                + en.getKey()
                + ", the outbox "
                + perInstance.get(en.getKey()));
      }
    }
    if (seen.size() != events) {
      violations.add("Kafka has " + seen.size() + " distinct events, the outbox " + events);
    }
    int resendFaults = count("relay") + count("kafka") + count("postgres");
    long bound = (long) resendFaults * (instances + 16);
    figures.put("events (outbox)", String.valueOf(events));
    figures.put("records on Kafka", records.size() + " (" + seen.size() + " distinct)");
    figures.put(
        "duplicates on Kafka",
        duplicates
            + " (bound: "
            + resendFaults
            + " relay/broker/database faults x ("
            + instances
            + " instances + 16) = "
            + bound
            + ")");
    figures.put(
        "per-instance order after de-duplication",
        gaps == 0 ? "gap-free, in order" : gaps + " instances out of order");
    if (duplicates > bound) {
      violations.add("duplicates " + duplicates + " above the in-flight bound " + bound);
    }
  }

  private void webhooks() {
    long expected =
        number(
            "SELECT count(*) FROM outbox o WHERE EXISTS (SELECT 1 FROM webhooks w WHERE o.type = ANY(w.event_types))");
    long rows = number("SELECT count(*) FROM webhook_deliveries");
    long distinct = number("SELECT count(DISTINCT (webhook_id, event_id)) FROM webhook_deliveries");
    long succeeded = number("SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'");
    int redeliveries = 0;
    for (AtomicInteger n : receiver.received.values()) {
      redeliveries += n.get() - 1;
    }
    figures.put(
        "webhook deliveries",
        rows
            + " recorded for "
            + expected
            + " events, "
            + succeeded
            + " succeeded; received "
            + receiver.received.size()
            + " distinct, "
            + redeliveries
            + " redelivered");
    if (rows != distinct || rows != expected) {
      violations.add(
          "webhook deliveries: "
              + rows
              + " rows, "
              + distinct
              + " distinct, "
              + expected
              + " expected");
    }
    if (succeeded != rows) {
      violations.add((rows - succeeded) + " webhook deliveries not succeeded");
    }
    Set<String> delivered =
        new HashSet<>(
            strings("SELECT event_id FROM webhook_deliveries WHERE status = 'succeeded'"));
    delivered.removeAll(receiver.received.keySet());
    if (!delivered.isEmpty()) {
      violations.add(delivered.size() + " deliveries recorded succeeded but never received");
    }
  }

  private void fleets() {
    List<String> wrong = new ArrayList<>();
    try {
      Soak.awaitCondition(
          Duration.ofSeconds(90),
          () -> {
            wrong.clear();
            for (Workload.Inst inst : workload.instances) {
              String why = fleetMismatch(inst.id());
              if (why != null) {
                wrong.add(inst.id() + ": " + why);
              }
            }
            return wrong.isEmpty();
          });
    } catch (IllegalStateException e) {
      violations.add("fleets not on their current release: " + wrong);
    }
    figures.put(
        "fleets on their current release",
        (workload.instances.size() - wrong.size()) + " of " + workload.instances.size());
  }

  private String fleetMismatch(String id) {
    Api.Answer instance = api.get("/v1/instances/" + id);
    Api.Answer fleet = api.get("/v1/instances/" + id + "/fleet");
    if (instance.status() != 200 || fleet.status() != 200) {
      return "unreadable";
    }
    JsonObject current = instance.json().getJsonObject("current_release");
    int want = instance.json().getInteger("replicas");
    JsonArray replicas = fleet.json().getJsonArray("replicas");
    if (current == null) {
      return replicas.isEmpty() ? null : replicas.size() + " replicas without a current release";
    }
    long ready =
        replicas.stream()
            .map(o -> (JsonObject) o)
            .filter(
                r ->
                    current.getString("id").equals(r.getJsonObject("release").getString("id"))
                        && "ready".equals(r.getString("status")))
            .count();
    return ready == want && replicas.size() == want
        ? null
        : ready
            + " ready of v"
            + current.getInteger("version")
            + ", "
            + replicas.size()
            + " in all, want "
            + want;
  }

  private void orphans() {
    Set<Long> orphans = new HashSet<>();
    try {
      Soak.awaitCondition(
          Duration.ofSeconds(60),
          () -> {
            Set<Long> wanted = new HashSet<>();
            strings(
                    "SELECT pid::text FROM proc_replicas WHERE stopped_at IS NULL AND pid IS NOT NULL "
                        + "AND failed_at IS NULL AND crashed_at IS NULL")
                .forEach(p -> wanted.add(Long.parseLong(p)));
            orphans.clear();
            DemoApps.running().stream()
                .map(ProcessHandle::pid)
                .filter(p -> !wanted.contains(p))
                .forEach(orphans::add);
            return orphans.isEmpty();
          });
    } catch (IllegalStateException e) {
      violations.add("orphan processes: " + orphans);
    }
    figures.put("orphan processes", String.valueOf(orphans.size()));
  }

  String table(double minutes) {
    StringBuilder b = new StringBuilder();
    b.append(
        "| fault (kill -9 + restart; PostgreSQL: stop + start) | injected | max recovery (s) | mean recovery (s) |\n");
    b.append("|---|---|---|---|\n");
    for (String kind : Soak.KINDS) {
      List<Long> ms = recoveries.getOrDefault(kind, List.of());
      b.append(
          String.format(
              "| %s | %d | %.1f | %.1f |%n",
              kind,
              ms.size(),
              ms.stream().mapToLong(Long::longValue).max().orElse(0) / 1000.0,
              ms.stream().mapToLong(Long::longValue).average().orElse(0) / 1000.0));
    }
    b.append("\n| figure (").append(minutes).append(" min) | value |\n|---|---|\n");
    figures.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    return b.toString();
  }

  private int count(String kind) {
    return recoveries.getOrDefault(kind, List.of()).size();
  }

  private void expectZero(String what, String sql) {
    long n = number(sql);
    if (n != 0) {
      violations.add(what + ": " + n);
    }
  }

  private long number(String sql) {
    try (Connection c = jdbc.open();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  private List<String> strings(String sql) {
    List<String> out = new ArrayList<>();
    try (Connection c = jdbc.open();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
    return out;
  }
}
