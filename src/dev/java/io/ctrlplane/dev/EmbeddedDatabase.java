package io.ctrlplane.dev;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

/**
 * A real PostgreSQL server (zonky's embedded binaries) whose data lives in {@code dataDir}: a
 * restart on the same directory keeps every row. Works as root too (zonky runs initdb in a user
 * namespace).
 */
public final class EmbeddedDatabase implements AutoCloseable {
  public static final String USER = "postgres";
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static EmbeddedDatabase start(Path dataDir, int port) throws Exception {
    Path data = dataDir.toAbsolutePath().resolve("data");
    Path work = dataDir.toAbsolutePath().resolve("work");
    Files.createDirectories(work);
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            .setOverrideWorkingDirectory(work.toFile())
            .setRegisterShutdownHook(false)
            .setPGStartupWait(Duration.ofSeconds(60))
            .setServerConfig("max_connections", "300")
            .setServerConfig("fsync", "off") // a dev/test server: speed over crash safety
            // statement counts for profiling (CREATE EXTENSION pg_stat_statements to read them)
            .setServerConfig("shared_preload_libraries", "pg_stat_statements");
    if (port > 0) {
      builder.setPort(port);
    }
    return new EmbeddedDatabase(builder.start());
  }

  public int port() {
    return postgres.getPort();
  }

  /** A postgresql:// URL as Ctrl Plane's CTRLPLANE_PG_URL expects it. */
  public String url(String database) {
    return "postgresql://localhost:" + port() + "/" + database;
  }

  /** Creates the database when missing; with {@code template}, as a copy of that database. */
  public void createDatabase(String name, String template) throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
        if (rs.next()) {
          return;
        }
      }
      s.execute(
          "CREATE DATABASE \""
              + name
              + "\""
              + (template == null ? "" : " TEMPLATE \"" + template + "\""));
    }
  }

  @Override
  public void close() throws Exception {
    postgres.close();
  }
}
