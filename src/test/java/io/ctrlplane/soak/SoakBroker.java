package io.ctrlplane.soak;

import io.ctrlplane.dev.EmbeddedKafka;
import java.nio.file.Path;

/**
 * The soak's Kafka broker, a JVM of its own so the soak can kill and restart it: {@code SoakBroker
 * <data dir> <port>} formats the directory once, starts a single-node KRaft broker on the port and
 * prints "broker up" once it accepts topic creation.
 */
public final class SoakBroker {
  private SoakBroker() {}

  public static void main(String[] args) throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.start(Path.of(args[0]), Integer.parseInt(args[1]));
    Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
    System.out.println("broker up on " + kafka.bootstrapServers());
    System.out.flush();
    Thread.currentThread().join();
  }
}
