package io.ctrlplane.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder in front of a real server (PostgreSQL) that a test can shut and open again: shut,
 * it drops every connection through it and every new one at once, as a database that went away
 * would look to its clients; open, it forwards again. The server behind it is never touched.
 */
public final class TcpGate implements AutoCloseable {
  private final NetServer server;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean shut;

  private TcpGate(Vertx vertx, String host, int port) {
    client = vertx.createNetClient();
    server =
        vertx
            .createNetServer()
            .connectHandler(
                in -> {
                  if (shut) {
                    in.close();
                    return;
                  }
                  in.pause();
                  client
                      .connect(port, host)
                      .onFailure(e -> in.close())
                      .onSuccess(
                          out -> {
                            sockets.add(in);
                            sockets.add(out);
                            in.closeHandler(v -> out.close());
                            out.closeHandler(v -> in.close());
                            in.handler(out::write);
                            out.handler(in::write);
                            in.resume();
                          });
                });
  }

  public static TcpGate start(Vertx vertx, String host, int port) {
    TcpGate gate = new TcpGate(vertx, host, port);
    Await.result(gate.server.listen(0, "127.0.0.1"));
    return gate;
  }

  public int port() {
    return server.actualPort();
  }

  /** Drops every connection through the gate and refuses new ones until {@link #open}. */
  public void shut() {
    shut = true;
    sockets.forEach(NetSocket::close);
    sockets.clear();
  }

  public void open() {
    shut = false;
  }

  @Override
  public void close() {
    shut();
    Await.result(server.close());
    Await.result(client.close());
  }
}
