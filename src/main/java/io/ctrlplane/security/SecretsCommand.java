package io.ctrlplane.security;

import io.ctrlplane.command.ConfigFiles;
import io.ctrlplane.command.EnvAware;
import io.ctrlplane.command.OutputAware;
import io.ctrlplane.config.AppConfig;
import io.ctrlplane.config.ConfigException;
import io.ctrlplane.db.PgPools;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ctrlplane secrets reencrypt}: the last step of a key rotation. Re-seals every stored
 * secret_env value that is not sealed with the first configured key, so older keys can then be
 * dropped from {@code security.encryption_key}. Values are opened and sealed in this process only,
 * a batch per transaction, and never printed.
 */
@Command(
    name = "secrets",
    mixinStandardHelpOptions = true,
    description =
        "Maintain stored secret_env values (operators; needs the PostgreSQL and encryption settings).")
public final class SecretsCommand implements EnvAware, OutputAware {
  private static final int BATCH = 500;
  private static final String STALE =
      "SELECT s.release_id, s.name, s.ciphertext, s.tenant_id, r.instance_id "
          + "FROM release_secrets s JOIN releases r ON r.id = s.release_id WHERE s.key_id <> $1 "
          + "ORDER BY s.release_id, s.name LIMIT $2 FOR UPDATE OF s";

  private Map<String, String> env = Map.of();
  private PrintStream out = System.out;

  @Override
  public void init(Map<String, String> env, PrintStream err) {
    this.env = env;
  }

  @Override
  public void output(PrintStream out) {
    this.out = out;
  }

  @Command(
      name = "reencrypt",
      mixinStandardHelpOptions = true,
      description = "Re-seal every secret_env value with the first key of security.encryption_key.")
  int reencrypt(
      @Option(
              names = "--config",
              description = "Config file (default conf/config.json, or CTRLPLANE_CONFIG).")
          String configFile)
      throws Exception {
    AppConfig config = ConfigFiles.load(configFile, env);
    Keyring keyring = Keyring.fromConfig(config.security().encryptionKey());
    if (keyring == null) {
      throw new ConfigException(
          "no encryption key is configured: set security.encryption_key (CTRLPLANE_ENCRYPTION_KEY)"
              + " to the new key first, followed by the old ones");
    }
    Vertx vertx = Vertx.vertx();
    Pool pool = PgPools.create(vertx, config.postgres(), "ctrlplane-secrets-cli");
    try {
      int total = 0;
      int done;
      do {
        done =
            pool.withTransaction(conn -> batch(conn, keyring))
                .toCompletionStage()
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        total += done;
      } while (done == BATCH);
      out.println(
          "re-encrypted "
              + total
              + " secret_env value(s) with key "
              + keyring.primaryKeyId()
              + "; keys no longer needed by any stored value can now be removed from security.encryption_key");
      return 0;
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Keyring.Unreadable u ? new ConfigException(u.getMessage()) : e;
    } finally {
      pool.close();
      vertx.close();
    }
  }

  private static Future<Integer> batch(SqlConnection conn, Keyring keyring) {
    return conn.preparedQuery(STALE)
        .execute(Tuple.of(keyring.primaryKeyId(), BATCH))
        .compose(
            rows -> {
              List<Tuple> updates = new ArrayList<>();
              for (Row row : rows) {
                String context =
                    SecretEnv.context(
                        row.getString("tenant_id"),
                        row.getString("instance_id"),
                        row.getString("name"));
                String resealed;
                try {
                  resealed =
                      keyring.seal(keyring.open(row.getString("ciphertext"), context), context);
                } catch (Keyring.Unreadable e) {
                  return Future.failedFuture(
                      new Keyring.Unreadable(
                          "release "
                              + row.getString("release_id")
                              + " secret_env."
                              + row.getString("name")
                              + " "
                              + e.getMessage()));
                }
                updates.add(
                    Tuple.of(
                        row.getString("release_id"),
                        row.getString("name"),
                        keyring.primaryKeyId(),
                        resealed));
              }
              if (updates.isEmpty()) {
                return Future.succeededFuture(0);
              }
              return conn.preparedQuery(
                      "UPDATE release_secrets SET key_id = $3, ciphertext = $4 WHERE release_id = $1 "
                          + "AND name = $2")
                  .executeBatch(updates)
                  .map(updates.size());
            });
  }
}
