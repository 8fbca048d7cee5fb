package io.ctrlplane.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The ports this agent hands its replicas, reserved for as long as a replica holds one, without the
 * bind-then-release race of "ask the kernel for a free port, close it, let the app bind it":
 *
 * <ul>
 *   <li>Ports come from {@code agent.port_range}, by default 20000-29999, below the kernel's
 *       ephemeral range: an outgoing connection or a {@code bind(0)} elsewhere never gets one, so
 *       in the moment between our check and the app's bind only a process binding that very number
 *       could take it.
 *   <li>A port is held by a lock file of its own ({@code <tmp>/ctrlplane-ports/<port>.lock}, an OS
 *       file lock) until its replica is done: agents of the same host (several JVMs, or several in
 *       one JVM) never hand out the same port; the lock goes with a killed agent and is taken again
 *       by its successor for the replicas it re-adopts, before it hands out any new port.
 *   <li>Ports are handed out round-robin, so a port just given back (its app may still be exiting)
 *       is the last one reused; a port is handed out only if it can be bound right now.
 * </ul>
 *
 * Blocking (file locks, a test bind): called through executeBlocking.
 */
final class Ports {
  private final int from;
  private final int to;
  private final Path lockDir;
  private final Map<Integer, Held> held = new HashMap<>();
  private int next;

  private record Held(FileChannel channel, FileLock lock) {}

  Ports(int from, int to, Path lockDir) {
    this.from = from;
    this.to = to;
    this.lockDir = lockDir;
    this.next = from;
  }

  static Ports hostWide(int from, int to) {
    return new Ports(from, to, Path.of(System.getProperty("java.io.tmpdir"), "ctrlplane-ports"));
  }

  /** A port of the range no one else holds and no one listens on, held until {@link #release}. */
  synchronized int reserve() throws IOException {
    int size = to - from + 1;
    for (int i = 0; i < size; i++) {
      int port = next;
      next = next == to ? from : next + 1;
      if (held.containsKey(port)) {
        continue;
      }
      Held h = lock(port);
      if (h == null) {
        continue;
      }
      if (!bindable(port)) {
        unlock(h);
        continue;
      }
      held.put(port, h);
      return port;
    }
    throw new IOException(
        "no free port left in agent.port_range " + from + "-" + to + " (" + held.size() + " held)");
  }

  /**
   * Holds the port of a replica this agent took back after a restart (its app listens on it); false
   * when another agent holds it.
   */
  synchronized boolean hold(int port) throws IOException {
    if (held.containsKey(port)) {
      return true;
    }
    Held h = lock(port);
    if (h == null) {
      return false;
    }
    held.put(port, h);
    return true;
  }

  synchronized void release(int port) {
    Held h = held.remove(port);
    if (h != null) {
      unlock(h);
    }
  }

  synchronized int heldCount() {
    return held.size();
  }

  private Held lock(int port) throws IOException {
    Files.createDirectories(lockDir);
    FileChannel channel =
        FileChannel.open(
            lockDir.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return new Held(channel, lock);
      }
    } catch (OverlappingFileLockException e) {
      // another agent in this JVM holds it
    }
    channel.close();
    return null;
  }

  private static void unlock(Held h) {
    try {
      h.channel().close(); // releases the lock
    } catch (IOException e) {
      // the lock goes with the channel either way
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
