package io.ctrlplane.agent.router;

/**
 * One ready replica as a router sees it. The counters live on the router's event loop only; the
 * same object survives route reloads, so in-flight counts carry over and a drain can wait on them.
 */
final class Endpoint {
  private static final long DOWN_MS = 2_000;

  final String replicaId;
  final String releaseId;
  final String host;
  final int port;
  int inFlight;
  private long downUntil;

  Endpoint(String replicaId, String releaseId, String host, int port) {
    this.replicaId = replicaId;
    this.releaseId = releaseId;
    this.host = host;
    this.port = port;
  }

  boolean sameAddress(String host, int port) {
    return this.host.equals(host) && this.port == port;
  }

  /**
   * It refused a connection: skip it for a moment (its agent may be gone before the database says
   * so).
   */
  void markDown(long now) {
    downUntil = now + DOWN_MS;
  }

  boolean isDown(long now) {
    return now < downUntil;
  }
}
